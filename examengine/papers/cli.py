"""`flask papers ...`: check, load and list blueprints; check feasibility; generate and print papers."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from examengine.auth.models import User
from examengine.bank.bankfile import find_programs, read_yaml
from examengine.bank.models import Program
from examengine.db import db
from examengine.errors import ExamEngineError
from examengine.papers import printing, service
from examengine.papers.blueprintfile import blueprint_files, check_blueprint_files


@click.group("papers", help="Blueprints, feasibility checks and paper assembly.")
def papers_cli() -> None:
    pass


def _system_actor() -> User:
    """The CLI acts as an administrator: whoever runs it has the server's shell."""
    return User(id=None, username="cli", role="admin", active=True)  # type: ignore[call-arg]


def _fail(exc: ExamEngineError) -> None:
    click.echo(f"error [{exc.code}]: {exc.detail}", err=True)
    for s in exc.extra.get("shortfalls", []):
        click.echo(f"  - {s['message']}", err=True)
    raise SystemExit(1)


@papers_cli.command("load")
@click.argument("path", required=False)
@with_appcontext
def load(path: str | None) -> None:
    """Check and load the blueprints of the programs under PATH (default: the shipped banks).

    Load the banks first (`flask bank load`): blueprints are checked against the syllabus and the items.
    Nothing is written if any blueprint has a problem."""
    root = Path(path or current_app.config["QUESTION_BANKS_PATH"])
    found = []
    problems = []
    for pf in find_programs(root):
        files = blueprint_files(pf.root)
        if not files:
            continue
        syllabus = read_yaml(pf.syllabus)
        code = (syllabus.get("program") or {}).get("id") if isinstance(syllabus, dict) else None
        program = db.session.scalar(select(Program).where(Program.code == code))
        if program is None:
            raise click.ClickException(f"{pf.root}: program {code} is not loaded; run `flask bank load` first")
        entries, found_problems = check_blueprint_files(files, service.program_scope(program),
                                                        service.program_item_codes(program))
        problems += found_problems
        found.append((program, entries, pf.root.parent))
    if problems:
        for p in problems:
            click.echo(str(p), err=True)
        raise click.ClickException(f"{len(problems)} problems; no blueprint was loaded")
    for program, entries, base in found:
        try:
            r = service.load_blueprints(program, entries, base)
        except ExamEngineError as exc:
            _fail(exc)
        click.echo(f"{program.code}: {len(entries)} blueprints, {r['created']} created, {r['updated']} updated, "
                   f"{r['unchanged']} unchanged")


@papers_cli.command("list")
@click.option("--program", help="Only this program's blueprints.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def list_(program: str | None, as_json: bool) -> None:
    """List the loaded blueprints."""
    rows = service.list_blueprints(_system_actor(), program)
    if as_json:
        click.echo(json.dumps([{"code": r.code, "program": r.program.code, "title": r.title, "level": r.level,
                                "work_type": r.work_type, "items": sum(s["count"] for s in r.data["sections"]),
                                "total_points": r.data["total_points"]} for r in rows], ensure_ascii=False, indent=2))
        return
    for r in rows:
        n = sum(s["count"] for s in r.data["sections"])
        click.echo(f"{r.code:28} {r.program.code:24} {n:4} items {r.data['total_points']:g} points  {r.title}")


@papers_cli.command("check")
@click.argument("blueprint")
@click.option("--planned", default=1000, show_default=True, help="Candidates the sitting expects.")
@click.option("--trial", default=300, show_default=True, help="Papers to assemble in memory as a trial (0: none).")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def check_(blueprint: str, planned: int, trial: int, as_json: bool) -> None:
    """Feasibility of BLUEPRINT against the current bank, per type x module cell. Exit 1 when infeasible."""
    try:
        report = service.check_blueprint(_system_actor(), blueprint, planned, trial)
    except ExamEngineError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(f"{report.blueprint}: {report.pool_size} usable items, {report.planned} candidates planned, "
                   f"exposure cap {report.exposure_cap:g}")
        click.echo(f"{'section':10} {'module':8} {'needed':>7} {'available':>9} {'cap minimum':>11}  status")
        for c in report.cells:
            status = "ok" if c.ok else f"SHORT by {c.short_by}"
            click.echo(f"{c.section:10} {c.module:8} {c.needed:>7} {c.available:>9} {c.cap_minimum:>11}  {status}")
        lo, hi = report.score_range
        click.echo(f"expected score reachable {lo:.1f}–{hi:.1f}; band {report.band[0]:g}–{report.band[1]:g}")
        if report.trial:
            t = report.trial
            click.echo(f"trial: {t.papers} papers, {t.failures} failures, {t.fallbacks} by integer program, "
                       f"expected score {t.score_mean:.2f} ± {t.score_sd:.3f}, max exposure {t.max_exposure:.3f}")
            for m in t.messages:
                click.echo(f"  - {m}")
        for p in report.problems:
            click.echo(f"problem: {p}", err=True)
        click.echo("feasible" if report.feasible else "NOT feasible")
    if not report.feasible:
        raise SystemExit(1)


@papers_cli.command("generate")
@click.argument("blueprint")
@click.option("--count", default=1, show_default=True, help="Papers (candidates).")
@click.option("--seed", type=int, help="Seed of the set; every paper's own seed derives from it.")
@click.option("--mode", type=click.Choice(["unique", "fixed"]), default="unique", show_default=True,
              help="unique: one paper per candidate; fixed: parallel forms shuffled per candidate.")
@click.option("--forms", default=4, show_default=True, help="Parallel forms (fixed mode).")
@click.option("--max-overlap", default=0.3, show_default=True, help="Share of items two forms may share.")
@click.option("--label", default="", help="A label for the paper set.")
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def generate(blueprint: str, count: int, seed: int | None, mode: str, forms: int, max_overlap: float, label: str,
             as_json: bool) -> None:
    """Assemble and store COUNT papers for BLUEPRINT and print their statistics."""
    try:
        result = service.generate(_system_actor(), blueprint, count, seed, mode=mode, forms=forms,
                                  max_overlap=max_overlap, label=label)
    except ExamEngineError as exc:
        _fail(exc)
    out = {"paper_set": result.paper_set.id, "blueprint": blueprint, "seed": int(result.paper_set.seed),
           "mode": mode, "fallbacks": result.fallbacks, **result.stats}
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for k, v in out.items():
            click.echo(f"{k}: {v}")


@papers_cli.command("pdf")
@click.argument("paper_id", type=int)
@click.option("--kind", type=click.Choice(["paper", "answer-sheet", "key"]), default="paper", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def pdf(paper_id: int, kind: str, lang: str, output: str) -> None:
    """Write the printable paper, its answer sheet or its answer key as PDF."""
    try:
        view = service.paper_view(_system_actor(), paper_id, keys=kind == "key", lang=lang)
    except ExamEngineError as exc:
        _fail(exc)
    render = printing.RENDERERS[kind]
    Path(output).write_bytes(render(view, lang=lang))
    click.echo(f"{output}: {kind}, paper {paper_id}")

