"""Use cases of candidates, eligibility, enrolment and sittings: one transaction each.

The timed session itself (start, save, submit, sweep) lives in `sessions.py`."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from examengine.auth.models import User
from examengine.auth.permissions import require
from examengine.bank.models import Item, ItemVersion, Level, Program
from examengine.bank.service import get_program
from examengine.db import db, utcnow
from examengine.errors import Conflict, NotFound, ValidationError
from examengine.papers import service as papers
from examengine.papers.models import Blueprint as BlueprintRow
from examengine.papers.models import PaperItem
from examengine.proctor import eligibility, flags, registration, sessions, timing
from examengine.proctor.models import (
    Answer,
    Candidate,
    CandidatePhoto,
    EligibilityRules,
    Enrolment,
    ExamSession,
    HeldCertificate,
    JournalEntry,
    ProctorEvent,
    Seat,
    Sitting,
    TrainingRecord,
)

# ---- eligibility rules -------------------------------------------------------------------------------------


def load_rules(program: Program, data: dict[str, Any], source: str = "") -> str:
    """Store a program's eligibility rules after checking them; 'created', 'updated' or 'unchanged'."""
    try:
        rules = eligibility.parse_rules(data, source)
    except eligibility.RulesError as exc:
        raise ValidationError({exc.path: [str(exc)]}, code=exc.code, file=source) from exc
    levels = {lv.code for lv in db.session.scalars(select(Level).where(Level.program_id == program.id))}
    unknown = sorted(set(rules.levels) - levels)
    if unknown:
        raise ValidationError({"levels": [f"not levels of {program.code}: {', '.join(unknown)}"]},
                              code="ELIG_RULES_INVALID", file=source)
    digest = hashlib.sha256(repr(sorted(rules.as_dict().items())).encode()).hexdigest()
    row = db.session.scalar(select(EligibilityRules).where(EligibilityRules.program_id == program.id))
    if row is not None and row.content_hash == digest:
        return "unchanged"
    outcome = "updated" if row else "created"
    if row is None:
        row = EligibilityRules(program_id=program.id)
        db.session.add(row)
    row.data, row.content_hash, row.source_path, row.loaded_at = data, digest, source, utcnow()
    db.session.commit()
    return outcome


# Parsed rules by content hash: the text decides, so a reload elsewhere is seen at once (a new hash).
_PARSED: dict[str, eligibility.ProgramRules] = {}


def program_rules(program_id: int) -> eligibility.ProgramRules:
    row = db.session.execute(select(EligibilityRules.content_hash, EligibilityRules.data, EligibilityRules.source_path)
                             .where(EligibilityRules.program_id == program_id)).first()
    if row is None:
        raise Conflict("this program has no eligibility rules loaded; run `flask proctor load`",
                       code="ELIG_RULES_MISSING")
    if row.content_hash not in _PARSED:
        _PARSED[row.content_hash] = eligibility.parse_rules(row.data, row.source_path)
    return _PARSED[row.content_hash]


_ZONES: dict[int, ZoneInfo] = {}


def _zone(program_id: int) -> ZoneInfo:
    """A program's time zone (it is set when the syllabus is loaded and does not change during a sitting)."""
    if program_id not in _ZONES:
        tz = db.session.scalar(select(Program.timezone).where(Program.id == program_id))
        _ZONES[program_id] = ZoneInfo(tz or current_app.config["TIMEZONE"])
    return _ZONES[program_id]


def _local_today(program: Program, now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(ZoneInfo(program.timezone or current_app.config["TIMEZONE"])).date()


def candidate_facts(candidate: Candidate, program: Program, level: str, work_type: str,
                    enrolment: Enrolment | None, before: datetime | None = None) -> eligibility.CandidateFacts:
    """What the rules look at, gathered from the candidate's records."""
    certs = tuple(eligibility.HeldCertificate(c.program, c.level, c.work_type, c.issued_on)
                  for c in db.session.scalars(select(HeldCertificate)
                                              .where(HeldCertificate.candidate_id == candidate.id)))
    training = db.session.scalars(select(TrainingRecord).where(
        TrainingRecord.candidate_id == candidate.id, TrainingRecord.program_id == program.id,
        TrainingRecord.level == level, TrainingRecord.work_type.in_({work_type or "", ""}))).all()
    hours = max((float(t.hours) for t in training), default=0.0)
    course = max((float(t.course_hours) for t in training if t.course_hours is not None), default=None)
    attempts = []
    q = (select(Sitting.opens_at, ExamSession.id).join(Seat, Seat.sitting_id == Sitting.id)
         .outerjoin(ExamSession, ExamSession.seat_id == Seat.id)
         .where(Seat.candidate_id == candidate.id, Sitting.program_id == program.id, Sitting.level == level,
                Sitting.work_type == (work_type or ""), ExamSession.id.is_not(None)))
    if before is not None:
        q = q.where(Sitting.opens_at < before)
    tz = ZoneInfo(program.timezone or "Asia/Shanghai")
    found = db.session.execute(q).all()
    # An earlier attempt counts as passed or failed once its sitting's results are published; until then it is
    # not yet scored (ELIG_RESULT_PENDING). Imported here: scoring imports the proctor package.
    from examengine.scoring.service import published_outcomes

    outcomes = published_outcomes(sid for _, sid in found)
    for opens_at, sid in found:
        attempts.append(eligibility.Attempt(opens_at.astimezone(tz).date(), outcomes.get(sid)))
    return eligibility.CandidateFacts(
        education=candidate.education, work_started_on=candidate.work_started_on,
        related_work_years=float(candidate.related_work_years) if candidate.related_work_years is not None else None,
        certificates=certs, training_hours=hours, course_hours=course,
        enrolled_on=enrolment.enrolled_on if enrolment else None, attempts=tuple(attempts))


def check_eligibility(candidate: Candidate, program: Program, level: str, work_type: str, on: date,
                      enrolment: Enrolment | None, before: datetime | None = None) -> eligibility.Decision:
    facts = candidate_facts(candidate, program, level, work_type, enrolment, before)
    return eligibility.evaluate(program_rules(program.id), level, work_type or None, facts, on)


def refusal(decision: eligibility.Decision) -> ValidationError:
    return ValidationError({f.rule: [f"{f.message_zh} ({f.message_en})"] for f in decision.failures},
                           code="NOT_ELIGIBLE", failures=[{"rule": f.rule, "message_zh": f.message_zh,
                                                           "message_en": f.message_en, "detail": f.detail}
                                                          for f in decision.failures])


# ---- candidates -------------------------------------------------------------------------------------------------

def get_candidate(id_number: str) -> Candidate:
    found = db.session.scalar(select(Candidate).where(Candidate.id_number == id_number.strip().upper()))
    if found is None:
        raise NotFound(f"no candidate with ID number {id_number}", code="CANDIDATE_NOT_FOUND")
    return found


@dataclass
class RegistrationResult:
    batch: registration.Batch
    created: list[Candidate] = field(default_factory=list)
    updated: list[Candidate] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)  # ID number -> initial password, shown once
    enrolled: int = 0
    written: bool = False


def register_batch(actor: User | None, sheet: Any, photos: Any, *, skip_invalid: bool = False, batch_label: str = "",
                   training_base: str = "", enrol_in: tuple[str, str, str] | None = None,
                   today: date | None = None, require_photos: bool = True) -> RegistrationResult:
    """Register a training base's batch: nothing is written unless every row and photo is valid, or
    `skip_invalid` writes the valid rows and reports the rest. New candidates get a login (their ID number)
    with an initial password; known ID numbers are updated. `enrol_in` = (program, level, work type)."""
    require(actor, "candidates.manage")
    batch = registration.read_registration(sheet, photos, today=today, require_photos=require_photos)
    result = RegistrationResult(batch)
    if batch.problems and not skip_invalid:
        return result
    program = get_program(enrol_in[0]) if enrol_in else None
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    for r in batch.registrants:
        cand = db.session.scalar(select(Candidate).where(Candidate.id_number == r.id_number))
        if cand is None:
            password = secrets.token_urlsafe(9)
            user = db.session.scalar(select(User).where(User.username == r.id_number))
            if user is None:
                user = User(username=r.id_number, display_name=r.name, role="candidate",
                            password_hash=generate_password_hash(password, method=method))
                db.session.add(user)
                db.session.flush()
                result.passwords[r.id_number] = password
            cand = Candidate(user_id=user.id, id_number=r.id_number)
            db.session.add(cand)
            result.created.append(cand)
        else:
            result.updated.append(cand)
        cand.name, cand.gender, cand.birth_date = r.name, r.gender, r.birth_date
        cand.education, cand.ethnicity, cand.phone = r.education, r.ethnicity, r.phone
        cand.employer, cand.industry, cand.email = r.employer, r.industry, r.email
        cand.related_work_years = Decimal(str(r.related_work_years))
        cand.work_started_on = r.work_started_on
        cand.batch, cand.training_base = batch_label[:200], training_base[:64]
        db.session.flush()
        if r.photo is not None:
            photo = db.session.get(CandidatePhoto, cand.id) or CandidatePhoto(candidate_id=cand.id)
            photo.file_name, photo.format, photo.data = r.photo_name or "", r.photo_format or "", r.photo
            photo.sha256, photo.uploaded_at = hashlib.sha256(r.photo).hexdigest(), utcnow()
            db.session.add(photo)
        if program is not None:
            _enrol(actor, cand, program, enrol_in[1], enrol_in[2], today or _local_today(program), check=False)
            result.enrolled += 1
    db.session.commit()
    result.written = True
    return result


@dataclass
class TrainingResult:
    written: int
    problems: list[registration.Problem]


def import_training(actor: User | None, records: list[registration.TrainingRecord], source: str = "",
                    skip_invalid: bool = False) -> TrainingResult:
    """Class hours from a training base (CSV or API). Unknown candidates or courses are reported by row; nothing
    is written while any row is bad, unless `skip_invalid`."""
    require(actor, "candidates.manage")
    problems: list[registration.Problem] = []
    ready = []
    programs: dict[str, Program | None] = {}
    for rec in records:
        cand = db.session.scalar(select(Candidate).where(Candidate.id_number == rec.id_number))
        if rec.program not in programs:
            programs[rec.program] = db.session.scalar(select(Program).where(Program.code == rec.program))
        program = programs[rec.program]
        if cand is None:
            problems.append(registration.Problem(source, rec.row, "id_number", "TRAINING_UNKNOWN_CANDIDATE",
                                                 f"身份证号{rec.id_number}的考生未注册",
                                                 f"no candidate is registered with ID number {rec.id_number}"))
            continue
        if program is None or rec.level not in {lv.code for lv in program.levels}:
            problems.append(registration.Problem(source, rec.row, "program", "TRAINING_UNKNOWN_COURSE",
                                                 f"未知的项目或级别：{rec.program} {rec.level}",
                                                 f"unknown program or level: {rec.program} {rec.level}"))
            continue
        ready.append((cand, program, rec))
    if problems and not skip_invalid:
        return TrainingResult(0, problems)
    for cand, program, rec in ready:
        wt = rec.work_type or ""
        row = db.session.scalar(select(TrainingRecord).where(
            TrainingRecord.candidate_id == cand.id, TrainingRecord.program_id == program.id,
            TrainingRecord.level == rec.level, TrainingRecord.work_type == wt))
        if row is None:
            row = TrainingRecord(candidate_id=cand.id, program_id=program.id, level=rec.level, work_type=wt)
            db.session.add(row)
        row.hours = Decimal(str(rec.hours))
        row.course_hours = Decimal(str(rec.course_hours)) if rec.course_hours is not None else None
        row.completed_on, row.source, row.recorded_at = rec.completed_on, source[:200], utcnow()
    db.session.commit()
    return TrainingResult(len(ready), problems)


# ---- enrolment ---------------------------------------------------------------------------------------------------

# Training comes after enrolment, and the enrolment is what is being made: neither can refuse an enrolment.
_NOT_AT_ENROLMENT = {"ELIG_TRAINING_HOURS", "ELIG_NOT_ENROLLED", "ELIG_ENROLMENT_EXPIRED"}


def _enrol(actor: User | None, cand: Candidate, program: Program, level: str, work_type: str, on: date,
           check: bool = True) -> Enrolment:
    rules = program_rules(program.id)
    existing = db.session.scalar(select(Enrolment).where(
        Enrolment.candidate_id == cand.id, Enrolment.program_id == program.id, Enrolment.level == level,
        Enrolment.work_type == (work_type or ""), Enrolment.enrolled_on <= on, Enrolment.valid_until >= on))
    if existing is not None:
        return existing  # enrolling twice is harmless
    decision = check_eligibility(cand, program, level, work_type, on, None)
    failures = [f for f in decision.failures if f.rule not in _NOT_AT_ENROLMENT]
    if check and failures:
        raise refusal(eligibility.Decision(False, tuple(failures), decision.attempt_kind, None))
    row = Enrolment(candidate_id=cand.id, program_id=program.id, level=level, work_type=work_type or "",
                    enrolled_on=on, valid_until=eligibility.add_months(on, rules.enrolment_valid_months),
                    basis=decision.satisfied_by, created_by_id=getattr(actor, "id", None))
    db.session.add(row)
    db.session.flush()
    return row


def enrol(actor: User | None, id_number: str, program_code: str, level: str, work_type: str = "",
          on: date | None = None) -> Enrolment:
    """Enrol a candidate; a refusal names every rule the candidate does not meet."""
    require(actor, "candidates.manage")
    program = get_program(program_code)
    if level not in {lv.code for lv in program.levels}:
        raise ValidationError({"level": [f"not a level of {program_code}"]}, code="LEVEL_NOT_FOUND")
    if work_type and work_type not in {w.code for w in program.work_types}:
        raise ValidationError({"work_type": [f"not a work type of {program_code}"]}, code="WORK_TYPE_NOT_FOUND")
    row = _enrol(actor, get_candidate(id_number), program, level, work_type, on or _local_today(program))
    db.session.commit()
    return row


def current_enrolment(cand: Candidate, program_id: int, level: str, work_type: str, on: date) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(
        Enrolment.candidate_id == cand.id, Enrolment.program_id == program_id, Enrolment.level == level,
        Enrolment.work_type == (work_type or ""), Enrolment.enrolled_on <= on)
        .order_by(Enrolment.enrolled_on.desc()).limit(1))


def eligibility_for(actor: User | None, id_number: str, program_code: str, level: str, work_type: str = "",
                    on: date | None = None) -> eligibility.Decision:
    require(actor, "candidates.manage")
    program = get_program(program_code)
    cand = get_candidate(id_number)
    on = on or _local_today(program)
    return check_eligibility(cand, program, level, work_type, on,
                             current_enrolment(cand, program.id, level, work_type, on))


# ---- sittings --------------------------------------------------------------------------------------------------

def _local(value: datetime | str, tz: str) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError({"time": [f"{value!r} is not a date and time (YYYY-MM-DD HH:MM)"]}) from exc
    return value.replace(tzinfo=ZoneInfo(tz)) if value.tzinfo is None else value


def create_sitting(actor: User | None, code: str, blueprint_code: str, opens_at: datetime | str,
                   closes_at: datetime | str | None = None, *, title: str = "", duration_minutes: int | None = None,
                   late_entry_minutes: int = 30) -> Sitting:
    """A sitting of one blueprint (which fixes program, level and work type). Times without a zone are in the
    program's zone; the window's end defaults to start + duration."""
    actor = require(actor, "sittings.manage")
    bp = db.session.scalar(select(BlueprintRow).where(BlueprintRow.code == blueprint_code))
    if bp is None:
        raise NotFound(f"blueprint {blueprint_code} does not exist", code="BLUEPRINT_NOT_FOUND")
    if db.session.scalar(select(Sitting.id).where(Sitting.code == code)) is not None:
        raise Conflict(f"sitting {code} exists", code="SITTING_EXISTS")
    tz = bp.program.timezone or current_app.config["TIMEZONE"]
    duration = int(duration_minutes or bp.data["duration_minutes"])
    opens = _local(opens_at, tz)
    closes = _local(closes_at, tz) if closes_at else opens + timedelta(minutes=duration)
    fields: dict[str, list[str]] = {}
    if not code or len(code) > 64:
        fields["code"] = ["1 to 64 characters"]
    if not 1 <= duration <= 600:
        fields["duration_minutes"] = ["between 1 and 600"]
    if closes <= opens:
        fields["closes_at"] = ["must be after opens_at"]
    if not 0 <= late_entry_minutes <= (closes - opens).total_seconds() / 60:
        fields["late_entry_minutes"] = ["between 0 and the window's length"]
    if fields:
        raise ValidationError(fields)
    row = Sitting(code=code, title=title or f"{bp.title} {opens.strftime('%Y-%m-%d %H:%M')}",
                  program_id=bp.program_id, level=bp.level, work_type=bp.work_type or "", blueprint_id=bp.id,
                  opens_at=opens, closes_at=closes, duration_minutes=duration, late_entry_minutes=late_entry_minutes,
                  created_by_id=actor.id)
    db.session.add(row)
    db.session.commit()
    return row


def get_sitting(code_or_id: str | int) -> Sitting:
    q = select(Sitting).where(Sitting.id == int(code_or_id)) if str(code_or_id).isdigit() else \
        select(Sitting).where(Sitting.code == str(code_or_id))
    row = db.session.scalar(q)
    if row is None:
        raise NotFound(f"sitting {code_or_id} does not exist", code="SITTING_NOT_FOUND")
    return row


@dataclass
class SeatResult:
    seated: list[Seat]
    refused: dict[str, list[dict[str, Any]]]  # ID number -> failures


def seat_candidates(actor: User | None, sitting_code: str, id_numbers: list[str] | None = None,
                    extra_minutes: dict[str, int] | None = None) -> SeatResult:
    """Give seats to candidates (default: everyone with a valid enrolment in the sitting's course), checking
    eligibility on the sitting's date. Refusals are reported per candidate with the failed rules."""
    require(actor, "sittings.manage")
    sitting = get_sitting(sitting_code)
    program = sitting.program
    on = _local_today(program, sitting.opens_at)
    extra_minutes = extra_minutes or {}
    if id_numbers is None:
        cands = list(db.session.scalars(select(Candidate).join(Enrolment, Enrolment.candidate_id == Candidate.id)
                                        .where(Enrolment.program_id == program.id, Enrolment.level == sitting.level,
                                               Enrolment.work_type == sitting.work_type,
                                               Enrolment.valid_until >= on).distinct()))
    else:
        cands = [get_candidate(n) for n in id_numbers]
    result = SeatResult([], {})
    for cand in cands:
        seat = db.session.scalar(select(Seat).where(Seat.sitting_id == sitting.id, Seat.candidate_id == cand.id))
        extra = int(extra_minutes.get(cand.id_number, seat.extra_minutes if seat else 0))
        if not 0 <= extra <= 240:
            raise ValidationError({f"extra_minutes.{cand.id_number}": ["between 0 and 240"]})
        enrolment = current_enrolment(cand, program.id, sitting.level, sitting.work_type, on)
        decision = check_eligibility(cand, program, sitting.level, sitting.work_type, on, enrolment,
                                     before=sitting.opens_at)
        if not decision.eligible:
            result.refused[cand.id_number] = [{"rule": f.rule, "message_zh": f.message_zh,
                                               "message_en": f.message_en} for f in decision.failures]
            continue
        if seat is None:
            seat = Seat(sitting_id=sitting.id, candidate_id=cand.id, user_id=cand.user_id)
            db.session.add(seat)
        seat.enrolment_id, seat.extra_minutes, seat.attempt_kind = enrolment.id, extra, decision.attempt_kind
        seat.eligible_until = enrolment.valid_until
        result.seated.append(seat)
    db.session.commit()
    return result


def prepare_papers(actor: User | None, sitting_code: str, seed: int | None = None) -> int:
    """Assemble one paper per seat before the sitting, so that starting is a lookup. Returns papers made."""
    actor = require(actor, "sittings.manage")
    require(actor, "papers.manage")
    sitting = get_sitting(sitting_code)
    seats = list(db.session.scalars(select(Seat).where(Seat.sitting_id == sitting.id, Seat.paper_id.is_(None))
                                    .order_by(Seat.id)))
    if not seats:
        return 0
    if sitting.paper_set_id is None:
        made = papers.generate(actor, sitting.blueprint.code, len(seats), seed, label=f"sitting {sitting.code}")
        sitting.paper_set_id = made.paper_set.id
        ids = papers.paper_ids(made.paper_set.id)
    else:
        ids = papers.extend_set(sitting.paper_set_id, len(seats))
    for seat, pid in zip(seats, ids, strict=True):
        seat.paper_id = pid
    db.session.commit()
    return len(seats)


def start_check(seat: Seat, now: datetime) -> None:
    """Eligibility at the moment of starting. A seat is given only when every rule is met, and what can lapse
    since is the enrolment's date, kept on the seat: a start inside it needs no queries (exam-day starts come in
    thousands a minute). Otherwise, or for a seat given without the check, every rule is evaluated again."""
    sitting = seat.sitting
    if seat.eligible_until is not None and now.astimezone(_zone(sitting.program_id)).date() <= seat.eligible_until:
        return
    program = sitting.program
    enrolment = db.session.get(Enrolment, seat.enrolment_id) if seat.enrolment_id else None
    decision = check_eligibility(seat.candidate, program, sitting.level, sitting.work_type,
                                 _local_today(program, now), enrolment, before=sitting.opens_at)
    if not decision.eligible:
        raise refusal(decision)


# ---- for staff: sittings, sessions, flags, history -------------------------------------------------------------

def list_sittings(actor: User | None) -> list[tuple[Sitting, int, int]]:
    """Sittings with their seat and session counts, latest first."""
    require(actor, "sessions.monitor")
    seats = select(Seat.sitting_id, func.count().label("n")).group_by(Seat.sitting_id).subquery()
    sessions = select(ExamSession.sitting_id, func.count().label("n")).group_by(ExamSession.sitting_id).subquery()
    rows = db.session.execute(select(Sitting, func.coalesce(seats.c.n, 0), func.coalesce(sessions.c.n, 0))
                              .outerjoin(seats, seats.c.sitting_id == Sitting.id)
                              .outerjoin(sessions, sessions.c.sitting_id == Sitting.id)
                              .order_by(Sitting.opens_at.desc()))
    return [(s, a, b) for s, a, b in rows]


def _text_lengths(paper_ids: set[int]) -> dict[int, dict[int, int]]:
    """Characters to read per position (stem and shown options) of several papers, in one query rather than
    one paper view each: a sitting's staff page covers thousands of papers."""
    out: dict[int, dict[int, int]] = {pid: {} for pid in paper_ids}
    rows = db.session.execute(select(PaperItem.paper_id, PaperItem.position, Item.type, ItemVersion.stem,
                                     ItemVersion.options)
                              .join(ItemVersion, ItemVersion.id == PaperItem.item_version_id)
                              .join(Item, Item.id == ItemVersion.item_id).where(PaperItem.paper_id.in_(paper_ids)))
    for pid, pos, type_, stem, options in rows:
        shown = ["对", "错"] if type_ == "truefalse" else (options or [])
        out[pid][pos] = len(stem) + sum(len(o) for o in shown)
    return out


def session_flags(session: ExamSession, lengths: dict[int, int] | None = None) -> list[flags.Flag]:
    kinds = list(db.session.scalars(select(ProctorEvent.kind).where(ProctorEvent.session_id == session.id)))
    saves = [(at, pos) for at, pos in db.session.execute(
        select(JournalEntry.at, JournalEntry.position).where(JournalEntry.session_id == session.id,
                                                             JournalEntry.kind == "save").order_by(JournalEntry.n))]
    activity = flags.SessionActivity(session.started_at, kinds, saves,
                                     lengths if lengths is not None else _text_lengths({session.paper_id})[session.paper_id])
    return flags.flags(activity)


def sitting_overview(actor: User | None, sitting_code: str) -> dict[str, Any]:
    """Every seat with its session's state and flags, for the staff page."""
    require(actor, "sessions.monitor")
    sitting = get_sitting(sitting_code)
    rows = db.session.execute(select(Seat, Candidate, ExamSession).join(Candidate, Candidate.id == Seat.candidate_id)
                              .outerjoin(ExamSession, ExamSession.seat_id == Seat.id)
                              .where(Seat.sitting_id == sitting.id).order_by(Candidate.name))
    answered = dict(db.session.execute(
        select(ExamSession.id, func.count()).join(Seat, Seat.id == ExamSession.seat_id)
        .join(Answer, Answer.session_id == ExamSession.id)
        .where(Seat.sitting_id == sitting.id).group_by(ExamSession.id)).all())
    rows = rows.all()
    lengths_by_paper = _text_lengths({sess.paper_id for _, _, sess in rows if sess is not None})
    seats = []
    for seat, cand, sess in rows:
        entry: dict[str, Any] = {"seat": seat.id, "name": cand.name, "id_number": cand.id_number,
                                 "extra_minutes": seat.extra_minutes, "attempt_kind": seat.attempt_kind,
                                 "paper_id": seat.paper_id, "session": None}
        if sess is not None:
            entry["session"] = {"id": sess.id, "status": sess.status, "started_at": sess.started_at,
                                "deadline_at": sess.deadline_at, "submitted_at": sess.submitted_at,
                                "submit_reason": sess.submit_reason, "holder": sess.holder,
                                "answered": answered.get(sess.id, 0), "items": len(sess.layout),
                                "flags": [f.as_dict() for f in session_flags(sess, lengths_by_paper[sess.paper_id])]}
        seats.append(entry)
    return {"sitting": sitting, "seats": seats}


def session_history(actor: User | None, session_id: int) -> dict[str, Any]:
    """The full record of one session for an appeal: journal (with the chain checked), events, final answers."""
    require(actor, "sessions.monitor")
    sess = db.session.get(ExamSession, session_id)
    if sess is None:
        raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
    entries = db.session.scalars(select(JournalEntry).where(JournalEntry.session_id == session_id)
                                 .order_by(JournalEntry.n)).all()
    events = db.session.scalars(select(ProctorEvent).where(ProctorEvent.session_id == session_id)
                                .order_by(ProctorEvent.at, ProctorEvent.id)).all()
    answers = db.session.scalars(select(Answer).where(Answer.session_id == session_id)
                                 .order_by(Answer.position)).all()
    cand = sess.seat.candidate
    return {
        "session": sess, "candidate": {"name": cand.name, "id_number": cand.id_number},
        "sitting": sess.sitting, "verdict": sessions.verify(session_id),
        "journal": [{"n": e.n, "kind": e.kind, "position": e.position, "seq": e.seq, "payload": e.payload,
                     "at": e.at, "hash": e.hash} for e in entries],
        "events": [{"kind": e.kind, "source": e.source, "at": e.at, "client_at": e.client_at, "detail": e.detail}
                   for e in events],
        "answers": [{"position": a.position, "response": a.response, "flagged": a.flagged, "seq": a.seq,
                     "saved_at": a.saved_at} for a in answers],
        "flags": [f.as_dict() for f in session_flags(sess)],
    }


def rules_files(root: Path) -> list[Path]:
    return sorted(root.glob("*/eligibility.yaml"))


def candidate_seats(actor: User | None) -> list[dict[str, Any]]:
    """The candidate's own seats with their sitting, session (deadline enforced first) and why a start would be
    refused now."""
    actor = require(actor, "exam.take")
    now = utcnow()
    rows = db.session.execute(select(Seat, Sitting, ExamSession).join(Sitting, Sitting.id == Seat.sitting_id)
                              .outerjoin(ExamSession, ExamSession.seat_id == Seat.id)
                              .where(Seat.user_id == actor.id).order_by(Sitting.opens_at.desc())).all()
    out = []
    for seat, sitting, sess in rows:
        if sess is not None and sess.status == "open" and now > sess.close_at:
            sessions.enforce_deadline(sess.id, now)
            db.session.refresh(sess)
        window = timing.Window(sitting.opens_at, sitting.closes_at, sitting.duration_minutes,
                               sitting.late_entry_minutes)
        out.append({"seat": seat, "sitting": sitting, "session": sess,
                    "duration": sitting.duration_minutes + seat.extra_minutes,
                    "entry_until": sitting.opens_at + timedelta(minutes=sitting.late_entry_minutes),
                    "refusal": timing.start_refusal(window, now, seat.extra_minutes) if sess is None else None})
    return out
