"""`flask proctor ...`: eligibility rules, registration batches, training hours, sittings, the sweeper and the
journal check."""

from __future__ import annotations

import csv
import json
import time
from datetime import timedelta
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from examengine.bank.models import Program
from examengine.db import db, utcnow
from examengine.errors import ExamEngineError
from examengine.papers.cli import _system_actor
from examengine.proctor import registration, service, sessions


@click.group("proctor", help="Candidates, eligibility, sittings and timed sessions.")
def proctor_cli() -> None:
    pass


def _fail(exc: ExamEngineError) -> None:
    click.echo(f"error [{exc.code}]: {exc.detail}", err=True)
    for f in exc.extra.get("failures", []):
        click.echo(f"  - {f['rule']}: {f['message_zh']}", err=True)
    raise SystemExit(1)


@proctor_cli.command("load")
@click.argument("path", required=False)
@with_appcontext
def load(path: str | None) -> None:
    """Load every program's eligibility.yaml under PATH (default: the shipped banks) whose program is loaded."""
    root = Path(path or current_app.config["QUESTION_BANKS_PATH"])
    for f in service.rules_files(root):
        data = yaml.safe_load(f.read_text(encoding="utf-8"))
        code = data.get("program") if isinstance(data, dict) else None
        program = db.session.scalar(select(Program).where(Program.code == code))
        if program is None:
            click.echo(f"{f}: program {code} has no syllabus loaded; skipped")
            continue
        try:
            outcome = service.load_rules(program, data, str(f.relative_to(root.parent)))
        except ExamEngineError as exc:
            _fail(exc)
        click.echo(f"{code}: eligibility rules {outcome}")


@proctor_cli.command("register")
@click.argument("sheet", type=click.Path(exists=True, dir_okay=False))
@click.option("--photos", type=click.Path(exists=True), help="A folder or a .zip of photos named 姓名_身份证号.jpg.")
@click.option("--skip-invalid", is_flag=True, help="Write the valid rows and report the others.")
@click.option("--no-photos", is_flag=True, help="The batch has no photos (they come later).")
@click.option("--training-base", default="", help="The training base's code, e.g. T01000001.")
@click.option("--enrol", "enrol_in", nargs=3, default=None, metavar="PROGRAM LEVEL WORK_TYPE",
              help="Also enrol every registered candidate (use '' for no work type).")
@click.option("--passwords", type=click.Path(dir_okay=False, writable=True),
              help="Write new candidates' initial passwords to this CSV (shown nowhere else).")
@with_appcontext
def register(sheet: str, photos: str | None, skip_invalid: bool, no_photos: bool, training_base: str,
             enrol_in: tuple[str, str, str] | None, passwords: str | None) -> None:
    """Register a training base's batch from SHEET (.xlsx). Nothing is written unless the batch is valid."""
    try:
        photo_map = registration.read_photos(photos, Path(photos).name) if photos else {}
    except registration.PhotoArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        r = service.register_batch(_system_actor(), Path(sheet), photo_map, skip_invalid=skip_invalid,
                                   batch_label=Path(sheet).name, training_base=training_base, enrol_in=enrol_in,
                                   require_photos=not no_photos)
    except ExamEngineError as exc:
        _fail(exc)
    for p in r.batch.problems:
        where = f"{p.file}" + (f" row {p.row}" if p.row else "") + f" [{p.field}]"
        click.echo(f"{where}: {p.code} {p.message_zh} ({p.message_en})", err=True)
    if not r.written:
        raise click.ClickException(f"{len(r.batch.problems)} problems in {r.batch.rows_read} rows; nothing was "
                                   "written (fix them, or use --skip-invalid)")
    if passwords and r.passwords:
        with open(passwords, "w", newline="", encoding="utf-8-sig") as fh:
            w = csv.writer(fh)
            w.writerow(["身份证号", "初始密码"])
            w.writerows(sorted(r.passwords.items()))
    click.echo(f"{len(r.created)} registered, {len(r.updated)} updated, {r.enrolled} enrolled, "
               f"{len(r.batch.problems)} rows skipped")


@proctor_cli.command("training")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--skip-invalid", is_flag=True)
@with_appcontext
def training(csv_file: str, skip_invalid: bool) -> None:
    """Import class hours from a CSV (身份证号, 课时, 项目, 级别, 工种, 课程总课时, 完成日期)."""
    raw = Path(csv_file).read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gb18030")  # Excel on Chinese Windows saves CSV in GBK
    records, problems = registration.read_training_csv(text, Path(csv_file).name)
    written = 0
    if skip_invalid or not problems:
        result = service.import_training(_system_actor(), records, Path(csv_file).name, skip_invalid=skip_invalid)
        problems += result.problems
        written = result.written
    for p in problems:
        click.echo(f"{p.file} row {p.row} [{p.field}]: {p.code} {p.message_zh}", err=True)
    if problems and not skip_invalid:
        raise click.ClickException(f"{len(problems)} problems; nothing was written")
    click.echo(f"{written} training records written")


@proctor_cli.command("enrol")
@click.argument("id_number")
@click.argument("program")
@click.argument("level")
@click.argument("work_type", default="")
@with_appcontext
def enrol(id_number: str, program: str, level: str, work_type: str) -> None:
    """Enrol one candidate; a refusal names every rule not met."""
    try:
        row = service.enrol(_system_actor(), id_number, program, level, work_type)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo(f"enrolled on {row.enrolled_on}, valid until {row.valid_until} ({row.basis})")


@proctor_cli.command("sitting")
@click.argument("code")
@click.argument("blueprint")
@click.argument("opens_at")
@click.option("--closes-at", help="Default: start + the blueprint's duration.")
@click.option("--duration", type=int, help="Minutes per candidate; default: the blueprint's.")
@click.option("--late-entry", type=int, default=30, show_default=True, help="Minutes after the start.")
@click.option("--title", default="")
@with_appcontext
def sitting(code: str, blueprint: str, opens_at: str, closes_at: str | None, duration: int | None, late_entry: int,
            title: str) -> None:
    """Schedule sitting CODE of BLUEPRINT opening at OPENS_AT ('2026-11-28 09:00', the program's zone)."""
    try:
        row = service.create_sitting(_system_actor(), code, blueprint, opens_at, closes_at, title=title,
                                     duration_minutes=duration, late_entry_minutes=late_entry)
    except ExamEngineError as exc:
        _fail(exc)
    click.echo(f"sitting {row.code}: {row.opens_at.isoformat()} – {row.closes_at.isoformat()}, "
               f"{row.duration_minutes} min")


@proctor_cli.command("seat")
@click.argument("sitting_code")
@click.argument("id_numbers", nargs=-1)
@click.option("--extra", multiple=True, metavar="ID_NUMBER=MINUTES", help="Extra time (accommodation).")
@with_appcontext
def seat(sitting_code: str, id_numbers: tuple[str, ...], extra: tuple[str, ...]) -> None:
    """Give seats in SITTING_CODE (default: to every candidate with a valid enrolment) and prepare papers."""
    extra_minutes = {}
    for e in extra:
        k, _, v = e.partition("=")
        extra_minutes[k] = int(v)
    try:
        r = service.seat_candidates(_system_actor(), sitting_code, list(id_numbers) or None, extra_minutes)
        made = service.prepare_papers(_system_actor(), sitting_code)
    except ExamEngineError as exc:
        _fail(exc)
    for n, failures in r.refused.items():
        for f in failures:
            click.echo(f"{n}: {f['rule']} {f['message_zh']}", err=True)
    click.echo(f"{len(r.seated)} seated, {len(r.refused)} refused, {made} papers prepared")


@proctor_cli.command("sweep")
@click.option("--every", type=float, default=0, help="Keep running, sweeping every this many seconds.")
@with_appcontext
def sweep(every: float) -> None:
    """Submit every session whose time is up. Safe to run from several hosts at once (cron, systemd timer)."""
    while True:
        closed = sessions.sweep()
        if closed or not every:
            click.echo(f"{utcnow().isoformat(timespec='seconds')} submitted {len(closed)} sessions at their deadline")
        if not every:
            return
        db.session.remove()
        time.sleep(every)


@proctor_cli.command("verify")
@click.argument("session_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@with_appcontext
def verify(session_id: int, as_json: bool) -> None:
    """Recompute SESSION_ID's answer-journal hash chain; exit 1 if it is broken."""
    try:
        v = sessions.verify(session_id)
    except ExamEngineError as exc:
        _fail(exc)
    if as_json:
        click.echo(json.dumps(v.as_dict()))
    elif v.ok:
        click.echo(f"session {session_id}: journal intact, {v.entries} entries")
    else:
        click.echo(f"session {session_id}: journal BROKEN at entry {v.first_bad}: {v.reason}")
    if not v.ok:
        raise SystemExit(1)


@proctor_cli.command("demo")
@with_appcontext
def demo() -> None:
    """A demo sitting open now for the demo candidate (for `make run`)."""
    from examengine.proctor import demo as demo_data

    click.echo(demo_data.create(utcnow() - timedelta(minutes=1)))
