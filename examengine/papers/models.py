"""Blueprints as loaded from the bank files, paper sets, papers and the item versions each paper pinned."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from examengine.db import JSONType, UTCDateTime, db, utcnow


class Blueprint(db.Model):
    """The current text of one blueprint file. Papers keep their own snapshot, so reloading changes none."""

    __tablename__ = "blueprints"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(32))
    work_type: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    content_hash: Mapped[str] = mapped_column(String(64))
    source_path: Mapped[str] = mapped_column(String(500), default="")
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program = relationship("Program")


class PaperSet(db.Model):
    """The papers of one sitting (or one generation run): the exposure cap counts within a set."""

    __tablename__ = "paper_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    blueprint_id: Mapped[int] = mapped_column(ForeignKey("blueprints.id"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    mode: Mapped[str] = mapped_column(String(10), default="unique")  # unique | fixed
    planned: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    spec: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the blueprint as it was when the set was made
    max_overlap: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    blueprint: Mapped[Blueprint] = relationship()


class Paper(db.Model):
    """One candidate's paper, or one fixed form. The seed and pinned versions reproduce it exactly."""

    __tablename__ = "papers"
    __table_args__ = (UniqueConstraint("paper_set_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_set_id: Mapped[int] = mapped_column(ForeignKey("paper_sets.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(BigInteger)
    is_form: Mapped[bool] = mapped_column(Boolean, default=False)
    form_id: Mapped[int | None] = mapped_column(ForeignKey("papers.id"))
    method: Mapped[str] = mapped_column(String(10), default="fast")  # fast | ilp | form
    expected_score: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    total_points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    # Per position, [item type, option count]: what a save needs to check a response, without reading items.
    layout: Mapped[list[Any] | None] = mapped_column(JSONType, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    paper_set: Mapped[PaperSet] = relationship()
    items: Mapped[list[PaperItem]] = relationship(order_by="PaperItem.position", back_populates="paper")


class PaperItem(db.Model):
    __tablename__ = "paper_items"
    __table_args__ = (
        UniqueConstraint("paper_id", "position"),
        Index("ix_paper_items_item_id", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)  # 1-based, across sections
    section: Mapped[int] = mapped_column(Integer)  # index into the set's spec sections
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_versions.id"))
    points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    option_order: Mapped[list[int] | None] = mapped_column(JSONType, nullable=True)

    paper: Mapped[Paper] = relationship(back_populates="items")
    item_version = relationship("ItemVersion")

