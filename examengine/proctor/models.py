"""Candidates and their records, enrolments, sittings, seats, exam sessions, answers, the answer journal and
proctor events."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examengine.db import JSONType, UTCDateTime, db, utcnow


class Candidate(db.Model):
    """A person who sits exams, as the registration form describes them. Logs in as `user`."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    gender: Mapped[str] = mapped_column(String(1))  # M | F
    birth_date: Mapped[date] = mapped_column(Date)
    education: Mapped[str | None] = mapped_column(String(32))
    ethnicity: Mapped[str] = mapped_column(String(32), default="")
    phone: Mapped[str] = mapped_column(String(20), default="")
    employer: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(16), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    related_work_years: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    work_started_on: Mapped[date | None] = mapped_column(Date)
    training_base: Mapped[str] = mapped_column(String(64), default="")  # e.g. T01000001
    batch: Mapped[str] = mapped_column(String(200), default="")  # the sheet it came from
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")


class CandidatePhoto(db.Model):
    """Kept in the database like everything else, so every host serves the same photo."""

    __tablename__ = "candidate_photos"

    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(200))
    format: Mapped[str] = mapped_column(String(8))  # JPEG | PNG | BMP
    data: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HeldCertificate(db.Model):
    """A certificate the candidate already holds (e.g. 四级 before 三级)."""

    __tablename__ = "held_certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    program: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(32))
    work_type: Mapped[str | None] = mapped_column(String(32))
    number: Mapped[str] = mapped_column(String(64), default="")
    issued_on: Mapped[date] = mapped_column(Date)


class TrainingRecord(db.Model):
    """Class hours completed for one course; a later import of the same course replaces the hours."""

    __tablename__ = "training_records"
    __table_args__ = (UniqueConstraint("candidate_id", "program_id", "level", "work_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    level: Mapped[str] = mapped_column(String(32))
    work_type: Mapped[str] = mapped_column(String(32), default="")  # "" when the course covers every work type
    hours: Mapped[Decimal] = mapped_column(Numeric(6, 1))
    course_hours: Mapped[Decimal | None] = mapped_column(Numeric(6, 1))
    completed_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EligibilityRules(db.Model):
    """A program's eligibility rules as loaded from its `eligibility.yaml`."""

    __tablename__ = "eligibility_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Enrolment(db.Model):
    """A candidate enrolled in a program, level and work type; valid for the program's months."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("candidate_id", "program_id", "level", "work_type", "enrolled_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"))
    level: Mapped[str] = mapped_column(String(32))
    work_type: Mapped[str] = mapped_column(String(32), default="")
    enrolled_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    basis: Mapped[str | None] = mapped_column(String(64))  # which alternative condition qualified
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    candidate: Mapped[Candidate] = relationship()
    program = relationship("Program")


class Sitting(db.Model):
    """One timed exam: a window in which enrolled candidates may start, and how long each may take."""

    __tablename__ = "sittings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    work_type: Mapped[str] = mapped_column(String(32), default="")
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id"))
    paper_set_id: Mapped[int | None] = mapped_column(ForeignKey("paper_sets.id"))
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    late_entry_minutes: Mapped[int] = mapped_column(Integer, default=30)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    program = relationship("Program")
    blueprint = relationship("Blueprint")


class Seat(db.Model):
    """A candidate's place in a sitting: one attempt, with any extra time granted."""

    __tablename__ = "seats"
    __table_args__ = (UniqueConstraint("sitting_id", "candidate_id"), Index("ix_seats_user_id", "user_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    enrolment_id: Mapped[int | None] = mapped_column(ForeignKey("enrolments.id"))
    extra_minutes: Mapped[int] = mapped_column(Integer, default=0)
    attempt_kind: Mapped[str] = mapped_column(String(16), default="first")  # first | free_retake | paid_retake
    # Every rule was met when the seat was given; until this date (the enrolment's end) a start needs no recheck.
    eligible_until: Mapped[date | None] = mapped_column(Date)
    paper_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sitting: Mapped[Sitting] = relationship()
    candidate: Mapped[Candidate] = relationship()


class ExamSession(db.Model):
    """A candidate's timed attempt. The deadline is fixed at start; `key_hash` is the browser holding it."""

    __tablename__ = "exam_sessions"
    __table_args__ = (Index("ix_exam_sessions_open_close", "status", "close_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"), unique=True)  # one attempt per seat
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id"))
    # Per position: [item type, option count], so a save is validated without reading the paper.
    layout: Mapped[list[Any]] = mapped_column(JSONType)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | submitted
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    close_at: Mapped[datetime] = mapped_column(UTCDateTime)  # deadline + network grace: last save accepted
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submit_reason: Mapped[str | None] = mapped_column(String(16))  # candidate | deadline | staff
    key_hash: Mapped[str] = mapped_column(String(64))
    previous_key_hash: Mapped[str | None] = mapped_column(String(64))
    holder: Mapped[int] = mapped_column(Integer, default=1)  # how many browsers have held it
    holder_ip: Mapped[str] = mapped_column(String(64), default="")
    holder_agent: Mapped[str] = mapped_column(String(300), default="")
    journal_n: Mapped[int] = mapped_column(Integer, default=0)
    journal_head: Mapped[str] = mapped_column(String(64))
    last_save_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    seat: Mapped[Seat] = relationship()
    sitting: Mapped[Sitting] = relationship()


class Answer(db.Model):
    """The latest answer to one position; `seq` is the client's sequence number of that answer."""

    __tablename__ = "answers"

    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, primary_key=True)
    response: Mapped[Any] = mapped_column(JSONType, nullable=True)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class JournalEntry(db.Model):
    """Append-only: each entry's hash covers the previous entry's hash, so no entry can change unseen."""

    __tablename__ = "answer_journal"

    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # start | save | takeover | submit
    position: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[Any] = mapped_column(JSONType, nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    hash: Mapped[str] = mapped_column(String(64))


class ProctorEvent(db.Model):
    """Something a proctor may want to see: from the page (focus, copy, ...) or the server (IP change, ...)."""

    __tablename__ = "proctor_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    source: Mapped[str] = mapped_column(String(8))  # page | server
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    client_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)


__all__ = ["Answer", "Candidate", "CandidatePhoto", "EligibilityRules", "Enrolment", "ExamSession",
           "HeldCertificate", "JournalEntry", "ProctorEvent", "Seat", "Sitting", "TrainingRecord"]
