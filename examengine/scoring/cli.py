"""`flask scoring ...`: scoring submissions, a sitting's results, publication and export."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import with_appcontext

from examengine.errors import ExamEngineError
from examengine.papers.cli import _system_actor
from examengine.scoring import service


@click.group("scoring", help="Scores of submitted sessions, results and their publication.")
def scoring_cli() -> None:
    pass


def _fail(exc: ExamEngineError) -> None:
    click.echo(f"error [{exc.code}]: {exc.detail}", err=True)
    raise SystemExit(1)


@scoring_cli.command("score-submitted")
@click.option("--sitting", default=None, help="Only this sitting (code or id).")
@with_appcontext
def score_submitted(sitting: str | None) -> None:
    """Score every submitted session that has no scores yet (after a scoring failure or an outage)."""
    try:
        done = service.score_submitted(sitting)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo(f"scored {len(done)} sessions")


@scoring_cli.command("results")
@click.argument("sitting")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def results(sitting: str, as_json: bool) -> None:
    """A sitting's results: per seat total, pass/fail and modules; then the progress."""
    try:
        view = service.sitting_results(_system_actor(), sitting)
    except ExamEngineError as exc:
        _fail(exc)
    p = view["progress"]
    if as_json:
        click.echo(json.dumps({"sitting": view["sitting"].code, "published": view["publication"] is not None,
                               "pending": p.pending, "open_sessions": p.open_sessions, "unscored": p.unscored,
                               "seats": view["seats"]}, ensure_ascii=False, indent=2))
        return
    header, rows = service.results_table(view)
    click.echo("\t".join(header))
    for r in rows:
        click.echo("\t".join("" if v is None else str(v) for v in r))
    state = "published" if view["publication"] else "not published"
    click.echo(f"{len(rows)} seats, {p.submitted} submitted, {p.open_sessions} open, {p.unscored} unscored, "
               f"{p.pending} responses pending; {state}")


@scoring_cli.command("publish")
@click.argument("sitting")
@click.option("--withdraw", is_flag=True, help="Withdraw the publication instead.")
@click.option("--note", default="", help="A note kept with the publication.")
@with_appcontext
def publish(sitting: str, withdraw: bool, note: str) -> None:
    """Publish a sitting's results (refused while any is not final), or withdraw them."""
    try:
        if withdraw:
            done = service.unpublish(_system_actor(), sitting)
            click.echo("publication withdrawn" if done else "was not published")
            return
        pub = service.publish(_system_actor(), sitting, note)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo(f"published at {pub.published_at.isoformat(timespec='seconds')}")


@scoring_cli.command("export")
@click.argument("sitting")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
@with_appcontext
def export(sitting: str, fmt: str, output: Path, lang: str) -> None:
    """Write a sitting's results as Excel or CSV (UTF-8 with BOM)."""
    try:
        content, _, _ = service.export_results(_system_actor(), sitting, fmt, lang)
    except ExamEngineError as exc:
        _fail(exc)
    output.write_bytes(content)
    click.echo(f"wrote {output}")


# ---- marking (the review service) --------------------------------------------------------------------------

@scoring_cli.command("suggest")
@click.argument("sitting")
@click.option("--question", "version_id", type=int, default=None, help="Only this question (item version id).")
@click.option("--refresh", is_flag=True, help="Suggest again even where a current suggestion exists.")
@with_appcontext
def suggest(sitting: str, version_id: int | None, refresh: bool) -> None:
    """Suggest scores for a sitting's unmarked short answers; apply the marking policy's draws and
    auto-confirmation."""
    from examengine.scoring import review

    try:
        r = review.suggest(_system_actor(), sitting, version_id, refresh=refresh)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo(f"{r.suggested} suggestions over {r.questions} questions, {r.auto_confirmed} auto-confirmed")


def _fig(value: float | None, fmt: str = ".3f") -> str:
    return "-" if value is None else format(value, fmt)


@scoring_cli.command("agreement")
@click.argument("sitting")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@with_appcontext
def agreement(sitting: str, as_json: bool) -> None:
    """Marking agreement on the 0-10 scale: human-human and human-machine, per question and per grader."""
    from examengine.scoring import review

    try:
        report = review.agreement_report(_system_actor(), sitting)
    except ExamEngineError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for kind in ("human_human", "human_machine"):
        part = report[kind]
        lines = [("overall", part["overall"])] + [(f"question {q['item']} v{q['version']}", q)
                                                  for q in part["by_question"]]
        lines += [(f"grader {g['grader']}", g) for g in part["by_grader"]]
        click.echo(kind.replace("_", "-"))
        for label, f in lines:
            click.echo(f"  {label}: n={f['n']} qwk={_fig(f['qwk'])} exact={_fig(f['exact'])} "
                       f"adjacent={_fig(f['adjacent'])} adjustment={_fig(f['mean_adjustment'], '+.2f')}")


@scoring_cli.command("regrade")
@click.argument("item")
@click.option("--sitting", default=None, help="Only this sitting (code or id).")
@click.option("--version", type=int, default=None, help="The item version to regrade to (default: current).")
@click.option("--reopen", is_flag=True, help="Send final short answers back to the graders.")
@click.option("--dry-run/--apply", default=True, help="Show the diff (default) or apply it.")
@click.option("--digest", default=None, help="With --apply: the digest the dry run printed (default: apply "
                                               "the diff computed now).")
@with_appcontext
def regrade(item: str, sitting: str | None, version: int | None, reopen: bool, dry_run: bool,
            digest: str | None) -> None:
    """Rescore an item's answers after a key or rubric change: a dry-run diff of every affected score, or apply
    it (audited, results recomputed)."""
    from examengine.scoring import review

    kw = {"sitting": sitting, "version": version, "reopen": reopen}
    try:
        plan = review.regrade_preview(_system_actor(), item, **kw)
        if not dry_run:
            plan = review.regrade_apply(_system_actor(), item, digest or plan.digest, **kw)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo("response\tsitting\ttype\taction\told\tnew\tsuggested")
    for r in plan.rows:
        click.echo(f"{r['response_id']}\t{r['sitting_id']}\t{r['item_type']}\t{r['action']}\t"
                   f"{_fig(r['old_points'], 'g')}\t{_fig(r['new_points'], 'g')}\t{_fig(r['new_suggested'], 'g')}")
    state = "dry run: nothing changed" if dry_run else "applied"
    click.echo(f"{plan.item} -> v{plan.version}: {len(plan.rows)} scores; digest {plan.digest}; {state}")


# `flask scoring eval FILE.jsonl`: the short-answer scorer against human scores (needs no application state).
from examengine.scoring.eval_cli import eval_command  # noqa: E402

scoring_cli.add_command(eval_command)
