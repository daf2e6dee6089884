"""`flask bank ...`: check and load the shipped banks."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from examengine.bank import service
from examengine.bank.bankfile import check_program, find_programs
from examengine.bank.content import STATUSES
from examengine.bank.duplicates import all_pairs, item_text
from examengine.bank.formats import FORMATS
from examengine.bank.formats.template import template_xlsx
from examengine.bank.importing import (
    IMPORT_STATUSES,
    ImportRejected,
    export_items,
    import_file,
    program_module_codes,
)
from examengine.bank.models import Item, ItemVersion, Module, Program
from examengine.db import db
from examengine.errors import ExamEngineError


@click.group("bank", help="Check, load and count the question banks.")
def bank_cli() -> None:
    pass


def _checked(path: str | None):
    root = Path(path or current_app.config["QUESTION_BANKS_PATH"])
    if not root.exists():
        raise click.ClickException(f"{root}: no such file or folder")
    programs = find_programs(root)
    if not programs:
        raise click.ClickException(f"{root}: no syllabus.yaml found (a program folder holds syllabus.yaml and items/)")
    return [check_program(pf) for pf in programs]


@bank_cli.command("validate")
@click.argument("path", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def validate(path: str | None, as_json: bool) -> None:
    """Check syllabi and item files under PATH (default: the shipped banks). Writes nothing."""
    checked = _checked(path)
    problems = [p for c in checked for p in c.problems]
    if as_json:
        click.echo(json.dumps({
            "programs": {c.syllabus.program if c.syllabus else str(c.files.root): {
                "items": len(c.entries), "problems": len(c.problems)} for c in checked},
            "problems": [{"file": str(p.path), "line": p.line, "item": p.item, "field": p.field,
                          "code": p.code, "message": p.message} for p in problems],
        }, ensure_ascii=False, indent=2))
    else:
        for p in problems:
            click.echo(str(p), err=True)
        for c in checked:
            name = c.syllabus.program if c.syllabus else c.files.root
            click.echo(f"{name}: {len(c.entries)} items, {len(c.problems)} problems")
    if problems:
        raise SystemExit(1)


@bank_cli.command("load")
@click.argument("path", required=False)
@with_appcontext
def load(path: str | None) -> None:
    """Load syllabi and items from PATH (default: the shipped banks). Nothing is written if any file is invalid."""
    checked = _checked(path)
    problems = [p for c in checked for p in c.problems]
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        raise click.ClickException(f"{len(problems)} problems; nothing was loaded")
    for c in checked:
        program = service.load_syllabus(c.syllabus)
        base = c.files.root.parent
        entries = [(f"{e.path.relative_to(base) if e.path.is_relative_to(base) else e.path}:{e.line}", e.data)
                   for e in c.entries]
        result = service.load_items(program, entries)
        click.echo(f"{program.code}: {len(c.syllabus.modules)} modules, "
                   f"{result.created} items created, {result.updated} updated, {result.unchanged} unchanged")


@bank_cli.command("stats")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@with_appcontext
def stats(as_json: bool) -> None:
    """Count active items per program, type and module (every module listed, zero included)."""
    out: dict = {"programs": {}}
    for program in db.session.scalars(select(Program).order_by(Program.code)):
        base = (select(Item.type, Module.code, func.count())
                .join(ItemVersion, Item.current_version_id == ItemVersion.id)
                .join(Module, ItemVersion.module_id == Module.id)
                .where(Item.program_id == program.id, Item.status == "active")
                .group_by(Item.type, Module.code))
        by_type = {"single": 0, "truefalse": 0, "multi": 0, "short": 0}
        by_module = {m.code: 0 for m in program.modules}
        for type_, module, n in db.session.execute(base):
            by_type[type_] = by_type.get(type_, 0) + n
            by_module[module] += n
        all_items = db.session.scalar(select(func.count()).select_from(Item).where(Item.program_id == program.id))
        out["programs"][program.code] = {"active": sum(by_type.values()), "all": all_items, "by_type": by_type,
                                         "by_module": by_module}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    for code, s in out["programs"].items():
        click.echo(f"{code}: {s['active']} active of {s['all']}; " + ", ".join(f"{k} {v}" for k, v in s["by_type"].items()))
        empty = [m for m, n in s["by_module"].items() if n == 0]
        if empty:
            click.echo(f"  modules without active items: {', '.join(empty)}")


@bank_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--program", required=True, help="Program code, e.g. carbon_manager.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="Detected from the file when omitted.")
@click.option("--module", "default_module", help="Module for items whose category matches none.")
@click.option("--status", type=click.Choice(IMPORT_STATUSES), default="draft", show_default=True)
@click.option("--dry-run", is_flag=True, help="Report only; write nothing.")
@click.option("--skip-invalid", is_flag=True, help="Import the good items even if some are rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@with_appcontext
def import_(path: str, program: str, fmt: str | None, default_module: str | None, status: str, dry_run: bool,
            skip_invalid: bool, as_json: bool) -> None:
    """Import the items of PATH (YAML, JSON, Excel, CSV, GIFT, Moodle XML, Aiken, QTI 2.1) with a report."""
    data = Path(path).read_bytes()
    try:
        report = import_file(None, program, data, Path(path).name, fmt=fmt, dry_run=dry_run,
                             skip_invalid=skip_invalid, default_module=default_module, status=status, system=True)
        body, failed = report.as_dict(), False
    except ImportRejected as exc:
        body, failed = exc.extra["report"], True
    except ExamEngineError as exc:
        raise click.ClickException(f"{path}: {exc.code}: {exc.detail}") from exc
    if as_json:
        click.echo(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        for e in body["entries"]:
            if e["outcome"] != "imported":
                for m in e["messages"]:
                    click.echo(f"{path}: {e['location']}: {e['outcome']}: {m['code']}: {m['message']}", err=True)
        click.echo(f"{path}: {body['imported']} imported, {body['warnings']} with warnings, "
                   f"{body['rejected']} rejected; {body['written']} written")
    if failed:
        raise SystemExit(1)


@bank_cli.command("export")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--program", required=True)
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), help="From OUT's suffix when omitted.")
@click.option("--module")
@click.option("--status", type=click.Choice(STATUSES))
@with_appcontext
def export(out: str, program: str, fmt: str | None, module: str | None, status: str | None) -> None:
    """Write a program's items to OUT."""
    fmt = fmt or next((f for f, spec in FORMATS.items() if out.endswith(spec[3]) and f != "aiken"), None)
    if fmt is None:
        raise click.ClickException(f"{out}: give --format (one of {', '.join(FORMATS)})")
    try:
        data, n = export_items(None, program, fmt, module, status, system=True)
    except ExamEngineError as exc:
        raise click.ClickException(f"{exc.code}: {exc.detail}") from exc
    Path(out).write_bytes(data)
    click.echo(f"{out}: {n} items ({fmt})")


@bank_cli.command("template")
@click.argument("out", type=click.Path(dir_okay=False, writable=True), default="试题导入模板.xlsx")
@click.option("--program", help="Offer this program's module codes as a validation list.")
@with_appcontext
def template(out: str, program: str | None) -> None:
    """Write the Excel import template (instructions sheet, validation lists, examples)."""
    Path(out).write_bytes(template_xlsx(program_module_codes(program) if program else None))
    click.echo(f"{out}: template written")


@bank_cli.command("duplicates")
@click.option("--program", help="Only this program.")
@click.option("--threshold", type=float, default=None, help="Cosine threshold (default: DUPLICATE_THRESHOLD, 0.9).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def duplicates(program: str | None, threshold: float | None, as_json: bool) -> None:
    """List pairs of near-duplicate items (character n-gram TF-IDF cosine of stem and options)."""
    threshold = threshold if threshold is not None else current_app.config.get("DUPLICATE_THRESHOLD", 0.9)
    out = []
    for p in db.session.scalars(select(Program).order_by(Program.code)):
        if program and p.code != program:
            continue
        rows = db.session.execute(select(Item.code, ItemVersion.stem, ItemVersion.options)
                                  .join(ItemVersion, Item.current_version_id == ItemVersion.id)
                                  .where(Item.program_id == p.id, Item.status != "retired")).all()
        pairs = all_pairs([r.code for r in rows], [item_text(r.stem, r.options) for r in rows], threshold)
        out += [{"program": p.code, "a": x.a, "b": x.b, "score": x.score} for x in pairs]
    if as_json:
        click.echo(json.dumps({"threshold": threshold, "pairs": out}, ensure_ascii=False, indent=2))
    else:
        for x in out:
            click.echo(f"{x['program']}: {x['a']} ~ {x['b']}  {x['score']:.3f}")
        click.echo(f"{len(out)} pairs at or above {threshold}")
