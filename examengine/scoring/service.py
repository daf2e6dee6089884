"""Use cases of objective scoring and results: one transaction each.

The trail of a score: an objective row is made once, by the machine, when its session is submitted: its
`source` "auto", `updated_at`, the pinned item version and the response as scored say who, when and from what.
Those rows get no ScoreEvent (a sitting of 10,000 would write a million events that restate the row); every
later change of any score (marks, adjudication, regrading) writes one. Short answers start "pending" with no
points; their trail begins with the suggestion and the graders' marks.

Scoring reads the session, its answers and its paper's pinned items straight from their tables, in a few bulk
queries: a catch-up after an outage scores a whole sitting, so one query per item is not an option.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from examengine.auth.models import User
from examengine.auth.permissions import require
from examengine.bank.models import Item, ItemVersion, Module
from examengine.db import db, utcnow
from examengine.errors import Conflict, NotFound, ValidationError
from examengine.papers.models import Paper, PaperItem, PaperSet
from examengine.proctor.models import Answer, Candidate, ExamSession, Seat, Sitting
from examengine.scoring import objective, results
from examengine.scoring.models import ResponseScore, Result, ResultPublication
from examengine.scoring.shortanswer import default_step

log = logging.getLogger(__name__)

FINAL = ("scored", "final")  # statuses whose points count
SCORES = ResponseScore.__table__


class ResultsIncomplete(Conflict):
    code = "RESULTS_INCOMPLETE"
    title = "Results are not complete"


def _sitting(code_or_id: str | int) -> Sitting:
    from examengine.proctor.service import get_sitting  # the proctor component owns sittings

    return get_sitting(code_or_id)


# ---- scoring a submitted session ----------------------------------------------------------------------------

def _paper_specs(paper_id: int) -> tuple[list[objective.PaperItemSpec], dict[int, tuple[int, int]], dict[str, Any]]:
    """The paper's items as scoring needs them, (item, version) per position, and the paper set's spec."""
    spec = db.session.scalar(select(PaperSet.spec).join(Paper, Paper.paper_set_id == PaperSet.id)
                             .where(Paper.id == paper_id))
    sections = spec["sections"]
    rows = db.session.execute(
        select(PaperItem.position, PaperItem.section, PaperItem.points, PaperItem.option_order, PaperItem.item_id,
               PaperItem.item_version_id, Item.type, ItemVersion.key, Module.code)
        .join(ItemVersion, ItemVersion.id == PaperItem.item_version_id).join(Item, Item.id == PaperItem.item_id)
        .join(Module, Module.id == ItemVersion.module_id).where(PaperItem.paper_id == paper_id))
    specs, ids = [], {}
    for pos, section, points, order, item_id, version_id, type_, key, module in rows:
        rule = sections[section].get("rule") if section < len(sections) else None
        specs.append(objective.PaperItemSpec(pos, section, type_, float(points), key, order, rule, module, version_id))
        ids[pos] = (item_id, version_id)
    return specs, ids, spec


def _session(session_id: int):
    """The session's columns, read past the ORM's identity map: the submission was written with Core by
    `sessions.close`, so an ExamSession object loaded earlier in this request would still say "open"."""
    row = db.session.execute(select(ExamSession.id, ExamSession.status, ExamSession.paper_id,
                                    ExamSession.sitting_id, ExamSession.seat_id)
                             .where(ExamSession.id == session_id)).first()
    if row is None:
        raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
    return row


def _score_rows(sess, now: datetime) -> list[dict[str, Any]]:
    specs, ids, _ = _paper_specs(sess.paper_id)
    answers = dict(db.session.execute(select(Answer.position, Answer.response).where(Answer.session_id == sess.id))
                   .all())
    prepared = objective.prepare(specs)
    rows = []
    for position, scorer, scored in zip(prepared.positions, prepared.scorers,
                                        objective.score_paper(prepared, answers), strict=True):
        item_id, version_id = ids[position]
        auto = scored.points is not None
        rows.append({
            "session_id": sess.id, "position": position, "sitting_id": sess.sitting_id, "item_id": item_id,
            "item_version_id": version_id, "item_type": scorer.item_type, "section": scorer.section,
            "module": scorer.module, "max_points": Decimal(str(scorer.max_points)),
            "step": Decimal(str(default_step(scorer.max_points))), "response": scored.response,
            "points": Decimal(str(scored.points)) if auto else None, "status": "scored" if auto else "pending",
            "source": "auto" if auto else None, "needs_second": False, "needs_human": True,
            # A random order in the graders' queue, so that it never reveals who sat where.
            "queue_order": secrets.randbelow(2**31 - 1), "updated_at": now,
        })
    return rows


def _has_scores(session_id: int) -> bool:
    return db.session.scalar(select(SCORES.c.id).where(SCORES.c.session_id == session_id).limit(1)) is not None


def score_session(session_id: int) -> Result:
    """Score a submitted session: a ResponseScore per position (objective items final at once, short answers
    pending) and its Result, in one transaction. Idempotent: a session already scored is left as it is."""
    from examengine.proctor.sessions import _writing

    sess = _session(session_id)
    if sess.status != "submitted":
        raise Conflict(f"exam session {session_id} is not submitted", code="SESSION_NOT_SUBMITTED")
    if not _has_scores(session_id):
        rows = _score_rows(sess, utcnow())
        try:
            with _writing():
                if rows:
                    db.session.execute(insert(ResponseScore), rows)
                result = recompute_result(session_id, commit=False)
                db.session.commit()
            return result
        except IntegrityError:
            # Another process (the catch-up command, a second sweeper) scored it first: theirs stands.
            db.session.rollback()
    result = db.session.scalar(select(Result).where(Result.session_id == session_id))
    return result if result is not None else recompute_result(session_id)


def score_after_submit(session_id: int) -> None:
    """Called right after a submission commits. Never raises: the submission stands whatever happens here, and
    `flask scoring score-submitted` scores whatever was missed."""
    try:
        score_session(session_id)
    except Exception:
        db.session.rollback()
        log.exception("scoring session %s failed after its submission; run `flask scoring score-submitted`",
                      session_id)


def unscored_sessions(sitting_id: int | None = None) -> list[int]:
    """Submitted sessions without scores (a scoring failure, or submissions from before scoring existed)."""
    scored = select(SCORES.c.session_id).where(SCORES.c.session_id == ExamSession.id).exists()
    q = select(ExamSession.id).where(ExamSession.status == "submitted", ~scored).order_by(ExamSession.id)
    if sitting_id is not None:
        q = q.where(ExamSession.sitting_id == sitting_id)
    return list(db.session.scalars(q))


def score_submitted(sitting: str | int | None = None) -> list[int]:
    """Score every submitted session that has no scores yet; the ids scored."""
    sitting_id = _sitting(sitting).id if sitting is not None else None
    done = []
    for sid in unscored_sessions(sitting_id):
        score_session(sid)
        done.append(sid)
    return done


# ---- results --------------------------------------------------------------------------------------------------

def recompute_result(session_id: int, *, commit: bool = True) -> Result:
    """The session's Result from its current ResponseScore rows. The marking service calls it whenever a short
    answer becomes final; `commit=False` leaves the commit to a caller that has more to write in the same
    transaction."""
    sess = _session(session_id)
    spec = db.session.scalar(select(PaperSet.spec).join(Paper, Paper.paper_set_id == PaperSet.id)
                             .where(Paper.id == sess.paper_id))
    lines = [results.Line(m, s, mx, p, st in FINAL) for m, s, mx, p, st in db.session.execute(
        select(SCORES.c.module, SCORES.c.section, SCORES.c.max_points, SCORES.c.points, SCORES.c.status)
        .where(SCORES.c.session_id == session_id))]
    summary = results.summarise(lines, spec["pass_mark"], spec["sections"])
    row = db.session.scalar(select(Result).where(Result.session_id == session_id))
    if row is None:
        candidate_id = db.session.scalar(select(Seat.candidate_id).where(Seat.id == sess.seat_id))
        row = Result(session_id=session_id, sitting_id=sess.sitting_id, seat_id=sess.seat_id,
                     candidate_id=candidate_id)
        db.session.add(row)
    row.total, row.max_total, row.pass_mark = summary.total, summary.max_total, summary.pass_mark
    row.complete, row.passed, row.pending = summary.complete, summary.passed, summary.pending
    row.modules, row.sections, row.computed_at = summary.modules, summary.sections, utcnow()
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return row


def publication(sitting_id: int) -> ResultPublication | None:
    return db.session.get(ResultPublication, sitting_id)


@dataclass(frozen=True)
class Progress:
    """How far a sitting's results are from complete."""

    seats: int
    submitted: int
    open_sessions: int
    unscored: int  # submitted sessions without scores
    pending: int  # responses awaiting their final score

    @property
    def complete(self) -> bool:
        return not (self.open_sessions or self.unscored or self.pending)


def progress(sitting_id: int) -> Progress:
    seats = db.session.scalar(select(func.count()).select_from(Seat).where(Seat.sitting_id == sitting_id))
    by_status = dict(db.session.execute(select(ExamSession.status, func.count()).where(
        ExamSession.sitting_id == sitting_id).group_by(ExamSession.status)).all())
    pending = db.session.scalar(select(func.count()).select_from(SCORES).where(
        SCORES.c.sitting_id == sitting_id, SCORES.c.status.not_in(FINAL)))
    return Progress(seats or 0, by_status.get("submitted", 0), by_status.get("open", 0),
                    len(unscored_sessions(sitting_id)), pending or 0)


def publish(actor: User | None, sitting: str | int, note: str = "") -> ResultPublication:
    """Publish a sitting's results: candidates see their own from now on. Refused (RESULTS_INCOMPLETE) while a
    session is still open, a submission is unscored or any response awaits its final score. Publishing again
    keeps the first publication."""
    actor = require(actor, "results.manage")
    row = _sitting(sitting)
    existing = publication(row.id)
    if existing is not None:
        return existing
    p = progress(row.id)
    if not p.complete:
        parts_zh, parts_en = [], []
        for n, zh, en in ((p.open_sessions, "场考试仍在作答", "sessions still open"),
                          (p.unscored, "份答卷尚未评分", "submissions not scored"),
                          (p.pending, "道答题待评分", "responses awaiting their marks")):
            if n:
                parts_zh.append(f"{n} {zh}")
                parts_en.append(f"{n} {en}")
        zh = "成绩尚未全部评定，不能发布：" + "，".join(parts_zh)
        raise ResultsIncomplete(f"results are incomplete: {', '.join(parts_en)} ({zh})", message_zh=zh,
                                pending=p.pending, open_sessions=p.open_sessions, unscored=p.unscored)
    pub = ResultPublication(sitting_id=row.id, published_at=utcnow(), published_by_id=actor.id, note=note[:2000])
    db.session.add(pub)
    try:
        db.session.commit()
    except IntegrityError:  # two staff pressed publish at once
        db.session.rollback()
        return publication(row.id)
    log.info("results of sitting %s published by user %s", row.code, actor.id)
    return pub


def unpublish(actor: User | None, sitting: str | int) -> bool:
    """Withdraw a publication (e.g. to correct a score); True if there was one."""
    actor = require(actor, "results.manage")
    row = _sitting(sitting)
    pub = publication(row.id)
    if pub is None:
        return False
    db.session.delete(pub)
    db.session.commit()
    log.info("results of sitting %s withdrawn by user %s", row.code, actor.id)
    return True


# ---- staff's view and export ------------------------------------------------------------------------------------

def _ticket(code: str, n: int) -> str:
    """The admission number (准考证号): the sitting's code and the seat's number in the order seats were given."""
    return f"{code}-{n:04d}"


def module_names(program_id: int, lang: str = "zh") -> dict[str, str]:
    rows = db.session.execute(select(Module.code, Module.name, Module.name_en).where(Module.program_id == program_id)
                              .order_by(Module.position))
    return {c: (n if lang == "zh" else en or n) for c, n, en in rows}


def _outcome(sess: ExamSession | None, res: Result | None) -> str:
    if sess is None:
        return "absent"
    if sess.status != "submitted":
        return "open"
    if res is None:
        return "unscored"
    if res.passed is None:
        return "pending"
    return "passed" if res.passed else "failed"


def _result_dict(res: Result) -> dict[str, Any]:
    return {"total": float(res.total), "max_total": float(res.max_total), "pass_mark": float(res.pass_mark),
            "complete": res.complete, "passed": res.passed, "pending": res.pending, "modules": res.modules,
            "sections": res.sections}


def sitting_results(actor: User | None, sitting: str | int, lang: str = "zh") -> dict[str, Any]:
    """Every seat of a sitting with its result (or why there is none), the progress and the publication."""
    require(actor, "results.manage")
    row = _sitting(sitting)
    found = db.session.execute(
        select(Seat, Candidate, ExamSession, Result).join(Candidate, Candidate.id == Seat.candidate_id)
        .outerjoin(ExamSession, ExamSession.seat_id == Seat.id).outerjoin(Result, Result.seat_id == Seat.id)
        .where(Seat.sitting_id == row.id).order_by(Seat.id)).all()
    names = module_names(row.program_id, lang)
    used: set[str] = set()
    seats = []
    for n, (seat, cand, sess, res) in enumerate(found, start=1):
        entry = {"ticket": _ticket(row.code, n), "seat": seat.id, "name": cand.name, "id_number": cand.id_number,
                 "session_id": sess.id if sess else None, "outcome": _outcome(sess, res), "result": None}
        if res is not None:
            entry["result"] = _result_dict(res)
            used.update(res.modules)
        seats.append(entry)
    modules = [(c, names.get(c, c)) for c in [*names, *sorted(used - set(names))] if c in used]
    return {"sitting": row, "publication": publication(row.id), "progress": progress(row.id), "modules": modules,
            "seats": seats}


OUTCOME_TEXT = {"passed": ("合格", "pass"), "failed": ("不合格", "fail"), "pending": ("待评定", "pending"),
                "unscored": ("未评分", "not scored"), "open": ("作答中", "in progress"), "absent": ("缺考", "absent")}


def _cell(value: Any) -> Any:
    # A text cell that a spreadsheet would run as a formula is written as text.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def results_table(view: dict[str, Any], lang: str = "zh") -> tuple[list[str], list[list[Any]]]:
    """The export's header and rows: admission number, name, ID number, total, pass/fail, one column per
    module, responses still pending."""
    zh = lang == "zh"
    header = (["准考证号", "姓名", "身份证号", "总分", "满分", "结果"] if zh else
              ["Admission number", "Name", "ID number", "Total", "Out of", "Result"])
    header += [f"{name} ({code})" for code, name in view["modules"]]
    header.append("待评题数" if zh else "Pending responses")
    rows = []
    for s in view["seats"]:
        res = s["result"]
        text = OUTCOME_TEXT[s["outcome"]][0 if zh else 1]
        line: list[Any] = [s["ticket"], _cell(s["name"]), s["id_number"], res["total"] if res else None,
                           res["max_total"] if res else None, text]
        line += [res["modules"].get(code, {}).get("points") if res else None for code, _ in view["modules"]]
        line.append(res["pending"] if res else None)
        rows.append(line)
    return header, rows


EXPORT_FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "csv": "text/csv; charset=utf-8"}


def export_results(actor: User | None, sitting: str | int, fmt: str = "xlsx", lang: str = "zh"
                   ) -> tuple[bytes, str, str]:
    """(content, file name, media type). CSV is UTF-8 with a byte-order mark, so Excel opens the Chinese."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError({"format": [f"one of {', '.join(EXPORT_FORMATS)}"]}, code="EXPORT_FORMAT")
    view = sitting_results(actor, sitting, lang)
    header, rows = results_table(view, lang)
    name = f"results-{view['sitting'].code}.{fmt}"
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in r] for r in rows])
        return out.getvalue().encode("utf-8-sig"), name, EXPORT_FORMATS[fmt]
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "成绩" if lang == "zh" else "Results"
    ws.append(header)
    for r in rows:
        ws.append(r)
    ws.freeze_panes = "A2"
    for col, width in zip("ABC", (16, 12, 22), strict=True):
        ws.column_dimensions[col].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), name, EXPORT_FORMATS[fmt]


# ---- candidates ---------------------------------------------------------------------------------------------------

def own_results(actor: User | None, lang: str = "zh") -> list[dict[str, Any]]:
    """The candidate's submitted sittings; a result's numbers only once its sitting's results are published."""
    actor = require(actor, "results.own")
    rows = db.session.execute(
        select(Sitting, ExamSession, Result, ResultPublication).join(ExamSession, ExamSession.sitting_id == Sitting.id)
        .outerjoin(Result, Result.session_id == ExamSession.id)
        .outerjoin(ResultPublication, ResultPublication.sitting_id == Sitting.id)
        .where(ExamSession.user_id == actor.id, ExamSession.status == "submitted")
        .order_by(Sitting.opens_at.desc())).all()
    out = []
    for sitting, sess, res, pub in rows:
        entry: dict[str, Any] = {"sitting": sitting.code, "title": sitting.title, "opens_at": sitting.opens_at,
                                 "submitted_at": sess.submitted_at, "published": pub is not None,
                                 "published_at": pub.published_at if pub else None, "result": None}
        if pub is not None and res is not None and res.complete:
            names = module_names(sitting.program_id, lang)
            entry["result"] = {**_result_dict(res), "module_names": {c: names.get(c, c) for c in res.modules}}
        out.append(entry)
    return out


def published_outcomes(session_ids: Iterable[int]) -> dict[int, bool | None]:
    """Pass (True) or fail (False) of sessions whose sitting's results are published and complete; others are
    absent. Eligibility (retakes, already passed) reads earlier attempts through this."""
    ids = list(session_ids)
    if not ids:
        return {}
    rows = db.session.execute(select(Result.session_id, Result.passed)
                              .join(ResultPublication, ResultPublication.sitting_id == Result.sitting_id)
                              .where(Result.session_id.in_(ids), Result.complete.is_(True)))
    return {sid: passed for sid, passed in rows}
