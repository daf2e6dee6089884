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
from examengine.bank.models import Item, ItemVersion, Module, Program
from examengine.db import db


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
