"""Timed exam sessions: start, autosave, takeover, events, submit and the sweeper. One transaction each.

The save path is the hottest code of exam day, so it is written in SQLAlchemy Core with statements built once:
lock the session row (which also reads everything the checks need), upsert the answer only if its sequence
number is newer, append to the hash-chained journal, move the head. Nothing is acknowledged before the commit.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from examengine.bank.itemtypes import get_type
from examengine.db import db, utcnow
from examengine.errors import Conflict, Forbidden, NotFound, ValidationError
from examengine.papers import service as papers
from examengine.proctor import journal, timing
from examengine.proctor.flags import PAGE_EVENTS
from examengine.proctor.models import Answer, ExamSession, JournalEntry, ProctorEvent, Seat, Sitting

SESSIONS = ExamSession.__table__
ANSWERS = Answer.__table__
JOURNAL = JournalEntry.__table__
EVENTS = ProctorEvent.__table__
MAX_ANSWER_CHARS = 20_000
MAX_EVENTS_PER_CALL = 50


class SessionClosed(Conflict):
    code = "SESSION_CLOSED"
    title = "The session is closed"


# SQLite has one writer at a time. Threads of one process queue here instead of in SQLite's busy handler, which
# sleeps in growing steps and turns a short wait into tens of milliseconds. Other processes still use the busy
# timeout; PostgreSQL needs none of this.
_SQLITE_WRITER = threading.Lock()


def _writing():
    return _SQLITE_WRITER if db.engine.dialect.name == "sqlite" else nullcontext()


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def grace() -> timedelta:
    return timedelta(seconds=current_app.config["SAVE_GRACE_SECONDS"])


# ---- statements built once ---------------------------------------------------------------------------------

_LOCKED = (SESSIONS.c.status, SESSIONS.c.close_at, SESSIONS.c.key_hash, SESSIONS.c.previous_key_hash,
           SESSIONS.c.layout, SESSIONS.c.journal_n, SESSIONS.c.journal_head, SESSIONS.c.holder_ip,
           SESSIONS.c.holder_agent)
# The session row is locked for the whole save, so saves of one session append to its chain one at a time and a
# submission cannot slip between the check and the write. PostgreSQL locks the row; SQLite takes its write lock
# with a (harmless) write, since it has no row locks.
_LOCK = {"postgresql": select(*_LOCKED).where(SESSIONS.c.id == bindparam("sid")).with_for_update(),
         "sqlite": (update(SESSIONS).where(SESSIONS.c.id == bindparam("sid")).values(last_save_at=bindparam("now"))
                    .returning(*_LOCKED))}
_HEAD = (update(SESSIONS).where(SESSIONS.c.id == bindparam("sid"))
         .values(journal_n=bindparam("n"), journal_head=bindparam("head"), last_save_at=bindparam("now")))
_APPEND = insert(JOURNAL).values(session_id=bindparam("sid"), n=bindparam("n"), kind=bindparam("kind"),
                                 position=bindparam("pos"), seq=bindparam("seq"), payload=bindparam("payload"),
                                 at=bindparam("now"), hash=bindparam("hash"))
_UPSERTS: dict[str, Any] = {}


def _upsert(dialect: str):
    """INSERT ... ON CONFLICT DO UPDATE ... WHERE the stored seq is older: a repeated or older save changes nothing
    and returns no row."""
    stmt = _UPSERTS.get(dialect)
    if stmt is None:
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        ins = make(ANSWERS).values(session_id=bindparam("sid"), position=bindparam("pos"),
                                   response=bindparam("response"), flagged=bindparam("flagged"),
                                   seq=bindparam("seq"), saved_at=bindparam("now"))
        stmt = _UPSERTS[dialect] = ins.on_conflict_do_update(
            index_elements=[ANSWERS.c.session_id, ANSWERS.c.position],
            set_={"response": ins.excluded.response, "flagged": ins.excluded.flagged, "seq": ins.excluded.seq,
                  "saved_at": ins.excluded.saved_at},
            where=ANSWERS.c.seq < ins.excluded.seq,
        ).returning(ANSWERS.c.seq)
    return stmt


# PostgreSQL takes the journal entry and the new head in one round trip (a data-modifying CTE).
_APPEND_AND_HEAD = _HEAD.add_cte(_APPEND.cte("appended"))


def _append(conn: Connection, sid: int, n: int, head: str, kind: str, now: datetime, position: int | None = None,
            seq: int | None = None, payload: Any = None) -> str:
    h = journal.entry_hash(head, n, kind, position, seq, payload, now)
    params = {"sid": sid, "n": n, "kind": kind, "pos": position, "seq": seq, "payload": payload, "now": now,
              "hash": h, "head": h}
    if conn.dialect.name == "postgresql":
        conn.execute(_APPEND_AND_HEAD, params)
    else:
        conn.execute(_APPEND, params)
        conn.execute(_HEAD, params)
    return h


def _check_holder(row, key: str) -> None:
    h = hash_key(key or "")
    if secrets.compare_digest(h, row.key_hash):
        return
    if row.previous_key_hash and secrets.compare_digest(h, row.previous_key_hash):
        raise Conflict("this exam was taken over by another browser; this page is read-only",
                       code="SESSION_TAKEN_OVER")
    raise Forbidden("this browser does not hold the exam session", code="SESSION_KEY_INVALID")


def _server_events(conn: Connection, sid: int, row, ip: str, agent: str, now: datetime) -> None:
    """Record a change of network address or browser under the same session (rare; off the fast path)."""
    changes = []
    if ip and row.holder_ip and ip != row.holder_ip:
        changes.append(("ip_change", {"from": row.holder_ip, "to": ip}))
    if agent and row.holder_agent and agent[:300] != row.holder_agent:
        changes.append(("agent_change", {"from": row.holder_agent, "to": agent[:300]}))
    for kind, detail in changes:
        conn.execute(insert(EVENTS).values(session_id=sid, kind=kind, source="server", at=now, detail=detail))
    if changes:
        conn.execute(update(SESSIONS).where(SESSIONS.c.id == sid).values(holder_ip=ip, holder_agent=agent[:300]))


def _normalise(layout: list, position: int, raw: Any) -> Any:
    if not 1 <= position <= len(layout):
        raise ValidationError({"position": [f"the paper has positions 1 to {len(layout)}"]}, code="POSITION_INVALID")
    type_code, n_options = layout[position - 1]
    if isinstance(raw, str) and len(raw) > MAX_ANSWER_CHARS:
        raise ValidationError({"response": [f"at most {MAX_ANSWER_CHARS} characters"]}, code="RESPONSE_INVALID")
    try:
        return get_type(type_code).normalise_response(raw, n_options)
    except ValueError as exc:
        raise ValidationError({"response": [str(exc)]}, code="RESPONSE_INVALID") from exc


def save_answer(session_id: int, key: str, position: int, body: dict[str, Any], ip: str = "", agent: str = "",
                now: datetime | None = None) -> dict[str, Any]:
    """Save one answer. Committed before it returns; a repeated or older `seq` is acknowledged unchanged."""
    seq = body.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or not 0 < seq < 2**31:
        raise ValidationError({"seq": ["a positive integer that grows with every change"]}, code="SEQ_INVALID")
    flagged = bool(body.get("flagged", False))
    now = now or utcnow()
    expired = False
    with _writing(), db.engine.begin() as conn:
        row = conn.execute(_LOCK[conn.dialect.name], {"sid": session_id, "now": now}).first()
        if row is None:
            raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
        _check_holder(row, key)
        if row.status != "open":
            raise SessionClosed("the exam has been submitted; nothing was saved")
        if now > row.close_at:
            expired = True
        else:
            response = _normalise(row.layout, position, body.get("response"))
            if (ip and ip != row.holder_ip) or (agent and agent[:300] != row.holder_agent):
                _server_events(conn, session_id, row, ip, agent, now)
            changed = conn.execute(_upsert(conn.dialect.name), {"sid": session_id, "pos": position,
                                                                 "response": response, "flagged": flagged,
                                                                 "seq": seq, "now": now}).first()
            if changed is None:
                return {"status": "unchanged", "position": position, "seq": seq}
            n = row.journal_n + 1
            payload = {"response": response, "flagged": flagged, "client_at": body.get("client_at")}
            _append(conn, session_id, n, row.journal_head, "save", now, position, seq, payload)
    if expired:
        close(session_id, "deadline", now)
        raise SessionClosed("time is up: the exam was submitted at its deadline; this answer was not saved",
                            deadline=row.close_at.isoformat())
    return {"status": "saved", "position": position, "seq": seq, "saved_at": now.isoformat(), "journal": n}


# ---- submission ----------------------------------------------------------------------------------------------

def close(session_id: int, reason: str, now: datetime | None = None) -> bool:
    """Submit the session if it is still open; True if this call submitted it. Safe to race: the conditional
    UPDATE lets exactly one caller through."""
    now = now or utcnow()
    with _writing(), db.engine.begin() as conn:
        row = conn.execute(
            update(SESSIONS).where(SESSIONS.c.id == session_id, SESSIONS.c.status == "open")
            .values(status="submitted", submitted_at=now, submit_reason=reason)
            .returning(SESSIONS.c.journal_n, SESSIONS.c.journal_head, SESSIONS.c.deadline_at)).first()
        if row is None:
            return False
        _append(conn, session_id, row.journal_n + 1, row.journal_head, "submit", now,
                payload={"reason": reason})
    # Objective items are scored the moment the submission is committed; a failure there is logged and never
    # undoes the submission (`flask scoring score-submitted` catches up). Imported here: scoring imports us.
    from examengine.scoring.service import score_after_submit

    score_after_submit(session_id)
    return True


def submit(session_id: int, key: str, now: datetime | None = None) -> dict[str, Any]:
    """The candidate submits. Submitting twice is harmless; after the deadline it is recorded as the deadline's."""
    now = now or utcnow()
    row = _session_row(session_id)
    _check_holder(row, key)
    reason = "candidate" if now <= row.deadline_at else "deadline"
    closed = close(session_id, reason, now)
    row = _session_row(session_id)
    return {"status": row.status, "submitted_at": row.submitted_at.isoformat() if row.submitted_at else None,
            "reason": row.submit_reason, "this_call": closed}


def sweep(now: datetime | None = None, limit: int = 5000) -> list[int]:
    """Submit every session whose time (with the network grace) is up. Several sweepers may run at once on
    several hosts: each session is submitted by exactly one of them."""
    now = now or utcnow()
    with db.engine.connect() as conn:
        due = list(conn.execute(select(SESSIONS.c.id).where(SESSIONS.c.status == "open", SESSIONS.c.close_at < now)
                                .order_by(SESSIONS.c.close_at).limit(limit)).scalars())
    return [sid for sid in due if close(sid, "deadline", now)]


def _session_row(session_id: int):
    with db.engine.connect() as conn:
        row = conn.execute(select(SESSIONS).where(SESSIONS.c.id == session_id)).first()
    if row is None:
        raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
    return row


def enforce_deadline(session_id: int, now: datetime | None = None) -> None:
    """Every request that touches a session submits it first if its time is up."""
    now = now or utcnow()
    row = _session_row(session_id)
    if row.status == "open" and now > row.close_at:
        close(session_id, "deadline", now)


# ---- start, resume, takeover -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Started:
    session: ExamSession
    key: str | None  # the new browser key; None when an existing session was only looked up
    created: bool


def start(user_id: int, sitting_id: int, ip: str = "", agent: str = "", now: datetime | None = None,
          check_eligibility=None) -> Started:
    """Start the candidate's attempt: inside the window, if eligible, once. Assigns the paper and fixes the
    deadline in the database. An existing session is returned as it is (created=False, no key)."""
    now = now or utcnow()
    found = db.session.execute(select(Seat, Sitting).join(Sitting, Sitting.id == Seat.sitting_id)
                               .where(Seat.sitting_id == sitting_id, Seat.user_id == user_id)).first()
    if found is None:
        raise Forbidden("you have no seat in this sitting", code="NO_SEAT")
    seat, sitting = found
    existing = db.session.scalar(select(ExamSession).where(ExamSession.seat_id == seat.id))
    if existing is not None:
        return Started(existing, None, False)
    window = timing.Window(sitting.opens_at, sitting.closes_at, sitting.duration_minutes, sitting.late_entry_minutes)
    refusal = timing.start_refusal(window, now, seat.extra_minutes)
    if refusal:
        code, zh, en = refusal
        raise Conflict(f"{en} ({zh})", code=code, message_zh=zh)
    if check_eligibility is not None:
        check_eligibility(seat, now)
    paper_id = seat.paper_id
    if paper_id is None:
        paper_id = _walk_in_paper(seat)
    deadline = timing.deadline(window, now, seat.extra_minutes)
    key = secrets.token_urlsafe(24)
    session = ExamSession(seat_id=seat.id, sitting_id=sitting.id, user_id=user_id, paper_id=paper_id,
                          layout=papers.paper_layout(paper_id), status="open", started_at=now, deadline_at=deadline,
                          close_at=deadline + grace(), key_hash=hash_key(key), holder=1, holder_ip=ip[:64],
                          holder_agent=agent[:300], journal_n=0, journal_head=journal.GENESIS)
    db.session.add(session)
    try:
        db.session.flush()
    except IntegrityError:
        # Two browsers pressed start at once: the other one won; return its session.
        db.session.rollback()
        existing = db.session.scalar(select(ExamSession).where(ExamSession.seat_id == seat.id))
        return Started(existing, None, False)
    payload = {"paper_id": paper_id, "deadline": journal.canonical_time(deadline), "ip": ip[:64]}
    h = journal.entry_hash(journal.GENESIS, 1, "start", None, None, payload, now)
    db.session.add(JournalEntry(session_id=session.id, n=1, kind="start", payload=payload, at=now, hash=h))
    session.journal_n, session.journal_head = 1, h
    orm = db.session()
    orm.expire_on_commit = False  # the caller reads the new session; reloading it would cost a query
    try:
        orm.commit()
    finally:
        orm.expire_on_commit = True
    return Started(session, key, True)


def _walk_in_paper(seat: Seat) -> int:
    sitting = seat.sitting
    if sitting.paper_set_id is None:
        raise Conflict("no papers have been prepared for this sitting", code="PAPERS_NOT_PREPARED")
    (paper_id,) = papers.extend_set(sitting.paper_set_id, 1)
    seat.paper_id = paper_id
    return paper_id


def take_over(user_id: int, session_id: int, ip: str = "", agent: str = "", now: datetime | None = None) -> str:
    """This browser takes the session over: a new key; the previous browser turns read-only. Recorded."""
    now = now or utcnow()
    enforce_deadline(session_id, now)
    key = secrets.token_urlsafe(24)
    with _writing(), db.engine.begin() as conn:
        row = conn.execute(
            update(SESSIONS).where(SESSIONS.c.id == session_id, SESSIONS.c.user_id == user_id)
            .values(previous_key_hash=SESSIONS.c.key_hash, key_hash=hash_key(key), holder=SESSIONS.c.holder + 1,
                    holder_ip=ip[:64], holder_agent=agent[:300])
            .returning(SESSIONS.c.status, SESSIONS.c.journal_n, SESSIONS.c.journal_head, SESSIONS.c.holder)).first()
        if row is None:
            raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
        conn.execute(insert(EVENTS).values(session_id=session_id, kind="takeover", source="server", at=now,
                                           detail={"holder": row.holder, "ip": ip[:64], "agent": agent[:300]}))
        _append(conn, session_id, row.journal_n + 1, row.journal_head, "takeover", now,
                payload={"holder": row.holder, "ip": ip[:64]})
    return key


# ---- what the page reads ------------------------------------------------------------------------------------

def state(session_id: int, key: str, lang: str = "zh", now: datetime | None = None) -> dict[str, Any]:
    """Everything the exam page needs to (re)build itself: paper, saved answers, deadline and the server's now."""
    now = now or utcnow()
    enforce_deadline(session_id, now)
    row = _session_row(session_id)
    _check_holder(row, key)
    paper = papers.candidate_paper(row.paper_id, lang)
    answers = db.session.execute(select(Answer.position, Answer.response, Answer.flagged, Answer.seq, Answer.saved_at)
                                 .where(Answer.session_id == session_id))
    sitting = db.session.get(Sitting, row.sitting_id)
    return {
        "session_id": session_id, "status": row.status, "server_now": now.isoformat(),
        "started_at": row.started_at.isoformat(), "deadline": row.deadline_at.isoformat(),
        "grace_seconds": int(grace().total_seconds()), "submitted_at": row.submitted_at.isoformat()
        if row.submitted_at else None, "submit_reason": row.submit_reason, "sitting": sitting.title,
        "paper": paper,
        "answers": {str(a.position): {"response": a.response, "flagged": a.flagged, "seq": a.seq,
                                      "saved_at": a.saved_at.isoformat()} for a in answers},
    }


def record_events(session_id: int, key: str, events: list[dict[str, Any]], now: datetime | None = None) -> int:
    """Proctor events from the page, stamped with the server's time (the client's is kept beside it)."""
    now = now or utcnow()
    if not isinstance(events, list) or len(events) > MAX_EVENTS_PER_CALL:
        raise ValidationError({"events": [f"a list of at most {MAX_EVENTS_PER_CALL} events"]}, code="EVENTS_INVALID")
    rows = []
    for i, e in enumerate(events):
        kind = e.get("kind") if isinstance(e, dict) else None
        if kind not in PAGE_EVENTS:
            raise ValidationError({f"events.{i}.kind": [f"one of {', '.join(sorted(PAGE_EVENTS))}"]},
                                  code="EVENTS_INVALID")
        client_at = _parse_time(e.get("at"))
        detail = e.get("detail") if isinstance(e.get("detail"), dict) else None
        rows.append({"session_id": session_id, "kind": kind, "source": "page", "at": now, "client_at": client_at,
                     "detail": detail})
    row = _session_row(session_id)
    _check_holder(row, key)
    if rows:
        with db.engine.begin() as conn:
            conn.execute(insert(EVENTS), rows)
    return len(rows)


def _parse_time(raw: Any) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else None


# ---- for staff -------------------------------------------------------------------------------------------------

def verify(session_id: int) -> journal.Verdict:
    """Recompute the session's hash chain from its first entry."""
    row = _session_row(session_id)
    entries = db.session.execute(select(JournalEntry).where(JournalEntry.session_id == session_id)
                                 .order_by(JournalEntry.n)).scalars()
    return journal.verify((journal.Entry(e.n, e.kind, e.position, e.seq, e.payload, e.at, e.hash) for e in entries),
                          row.journal_head, row.journal_n)
