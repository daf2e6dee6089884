"""`flask scoring eval FILE.jsonl`: the short-answer scorer measured against human scores."""

from __future__ import annotations

import json

import click

from examengine.scoring import evaluation


@click.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(["cold", "warm"]), default="cold", show_default=True,
              help="cold: from the question, references and rubric alone; warm: fitted on a share of the answers.")
@click.option("--warm-fraction", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.3,
              show_default=True, help="Share of each question's answers that plays the graders' confirmations.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the warm draw.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON before the last line.")
def eval_command(path: str, mode: str, warm_fraction: float, seed: int, as_json: bool) -> None:
    """Score every answer in FILE.jsonl and report agreement with the human scores, per question, per group
    of questions (the part of q_id before the dash) and overall, on the 0-10 scale."""
    try:
        questions = evaluation.read(path)
    except evaluation.EvalFileError as exc:
        raise click.ClickException(f"[{exc.code}] {exc}") from exc
    if not questions:
        raise click.ClickException(f"[EVAL_FILE_EMPTY] {path} holds no answers")
    rep = evaluation.report(evaluation.run(questions, mode, warm_fraction, seed), mode)
    lines = evaluation.text_report(rep)
    if as_json:
        click.echo(json.dumps(rep.as_dict(), ensure_ascii=False, indent=1))
    else:
        for text in lines[:-1]:
            click.echo(text)
    click.echo(lines[-1])
