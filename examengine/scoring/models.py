"""Scores of each response, graders' marks, the audit trail of every score, marking policies per sitting, and
results with their publication."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examengine.db import JSONType, UTCDateTime, db, utcnow


class MarkingPolicy(db.Model):
    """How a sitting's short answers are marked: double marking, its tolerance, and auto-confirmation."""

    __tablename__ = "marking_policies"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True)
    double_mode: Mapped[str] = mapped_column(String(8), default="none")  # none | sample | all
    double_percent: Mapped[int] = mapped_column(Integer, default=20)  # share double-marked when sampling
    # Two marks further apart than this (on a 10-point scale) go to a senior grader.
    tolerance: Mapped[Decimal] = mapped_column(Numeric(4, 2), default=Decimal("2"))
    second_sees_suggestion: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_confirm: Mapped[bool] = mapped_column(Boolean, default=False)
    auto_confirm_confidence: Mapped[Decimal] = mapped_column(Numeric(4, 3), default=Decimal("0.9"))
    auto_confirm_sample_percent: Mapped[int] = mapped_column(Integer, default=10)  # still sent to humans
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ResponseScore(db.Model):
    """The score of one item of one submitted session. Objective items are final at submission; short answers
    carry the scorer's suggestion until graders' marks make them final."""

    __tablename__ = "response_scores"
    __table_args__ = (
        UniqueConstraint("session_id", "position"),
        Index("ix_response_scores_queue", "sitting_id", "item_version_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    item_type: Mapped[str] = mapped_column(String(16))
    section: Mapped[int] = mapped_column(Integer)
    module: Mapped[str] = mapped_column(String(64), default="")
    max_points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    step: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("1"))
    # The response in the item's own terms (original option letters), as scored.
    response: Mapped[Any] = mapped_column(JSONType, nullable=True)
    points: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # the final score; None until final
    # scored (objective) | pending (awaiting marks) | adjudication (marks disagree) | final
    status: Mapped[str] = mapped_column(String(12))
    # how the final score came about: auto | confirmed | double | adjudicated | auto_confirmed | regraded
    source: Mapped[str | None] = mapped_column(String(16))
    suggestion: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    suggested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_second: Mapped[bool] = mapped_column(Boolean, default=False)  # drawn for double marking
    needs_human: Mapped[bool] = mapped_column(Boolean, default=True)  # False: may be auto-confirmed
    queue_order: Mapped[int] = mapped_column(Integer, default=0)  # a random order that hides seating order
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    marks: Mapped[list[Mark]] = relationship(order_by="Mark.id", back_populates="response_score")


class Mark(db.Model):
    """One grader's mark on one response, in one role. A grader who changes a mark updates it; the audit trail
    keeps what it was."""

    __tablename__ = "marks"
    __table_args__ = (UniqueConstraint("response_score_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_score_id: Mapped[int] = mapped_column(ForeignKey("response_scores.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # first | second | adjudication | auto
    grader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)  # None: the machine
    points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    suggested_points: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # the suggestion the grader saw
    saw_suggestion: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response_score: Mapped[ResponseScore] = relationship(back_populates="marks")


class ScoreEvent(db.Model):
    """The audit trail: every change to a suggestion, a mark or a final score: who, when, from what, why."""

    __tablename__ = "score_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_score_id: Mapped[int] = mapped_column(ForeignKey("response_scores.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # scored | suggested | marked | final | adjudicated | regraded ...
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the system
    old_points: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    new_points: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Result(db.Model):
    """A session's result: total, pass/fail at the blueprint's pass mark, and the breakdown by module and
    section. Complete once every response is final."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), unique=True)
    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id"), index=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("seats.id"), unique=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    total: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    max_total: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    pass_mark: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    passed: Mapped[bool | None] = mapped_column(Boolean)  # None while any response awaits its marks
    pending: Mapped[int] = mapped_column(Integer, default=0)  # responses not final yet
    modules: Mapped[dict[str, Any]] = mapped_column(JSONType)  # {module: {"points": p, "max": m}}
    sections: Mapped[list[Any]] = mapped_column(JSONType)  # [{"title", "type", "points", "max"}]
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ResultPublication(db.Model):
    """Staff published a sitting's results: from then on candidates see their own."""

    __tablename__ = "result_publications"

    sitting_id: Mapped[int] = mapped_column(ForeignKey("sittings.id", ondelete="CASCADE"), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
