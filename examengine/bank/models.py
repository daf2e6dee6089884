"""The syllabus taxonomy and the item bank: items and their immutable versions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Column, ForeignKey, Integer, Numeric, String, Table, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from examengine.db import JSONType, UTCDateTime, db, utcnow

level_work_types = Table(
    "level_work_types",
    db.metadata,
    Column("level_id", ForeignKey("levels.id", ondelete="CASCADE"), primary_key=True),
    Column("work_type_id", ForeignKey("work_types.id", ondelete="CASCADE"), primary_key=True),
)

version_knowledge_points = Table(
    "item_version_knowledge_points",
    db.metadata,
    Column("version_id", ForeignKey("item_versions.id", ondelete="CASCADE"), primary_key=True),
    Column("knowledge_point_id", ForeignKey("knowledge_points.id"), primary_key=True, index=True),
)


class Program(db.Model):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    issuer: Mapped[str] = mapped_column(String(200), default="")
    occupation_code: Mapped[str] = mapped_column(String(40), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")

    levels: Mapped[list[Level]] = relationship(back_populates="program", order_by="Level.position")
    work_types: Mapped[list[WorkType]] = relationship(back_populates="program", order_by="WorkType.position")
    modules: Mapped[list[Module]] = relationship(back_populates="program", order_by="Module.position")


class Level(db.Model):
    __tablename__ = "levels"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    scope: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    program: Mapped[Program] = relationship(back_populates="levels")
    work_types: Mapped[list[WorkType]] = relationship(secondary=level_work_types, order_by="WorkType.position")


class WorkType(db.Model):
    __tablename__ = "work_types"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    program: Mapped[Program] = relationship(back_populates="work_types")


class Module(db.Model):
    """A course of the syllabus (公共基础 or 专业课程)."""

    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    kind: Mapped[str] = mapped_column(String(20))
    work_type_id: Mapped[int | None] = mapped_column(ForeignKey("work_types.id"))
    levels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0)

    program: Mapped[Program] = relationship(back_populates="modules")
    work_type: Mapped[WorkType | None] = relationship()
    knowledge_points: Mapped[list[KnowledgePoint]] = relationship(
        back_populates="module", order_by="KnowledgePoint.position"
    )


class KnowledgePoint(db.Model):
    __tablename__ = "knowledge_points"
    __table_args__ = (UniqueConstraint("module_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)

    module: Mapped[Module] = relationship(back_populates="knowledge_points")


class Item(db.Model):
    """An item's identity and workflow state; its content lives in immutable versions."""

    __tablename__ = "items"
    __table_args__ = (UniqueConstraint("program_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    type: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("item_versions.id", use_alter=True, name="fk_items_current_version_id_item_versions")
    )
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    origin: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    program: Mapped[Program] = relationship()
    current_version: Mapped[ItemVersion | None] = relationship(foreign_keys=[current_version_id], post_update=True)
    versions: Mapped[list[ItemVersion]] = relationship(
        back_populates="item", foreign_keys="ItemVersion.item_id", order_by="ItemVersion.number"
    )
    author = relationship("User", foreign_keys=[author_id])
    reviewer = relationship("User", foreign_keys=[reviewer_id])


class ItemVersion(db.Model):
    """One immutable state of an item's content. Papers pin versions, so rows are never updated."""

    __tablename__ = "item_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    stem: Mapped[str] = mapped_column(Text)
    options: Mapped[list[str]] = mapped_column(JSONType, default=list)
    key: Mapped[Any] = mapped_column(JSONType, nullable=True)
    explanation: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    difficulty: Mapped[int] = mapped_column(Integer, index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    levels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    references: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rubric: Mapped[list[dict]] = mapped_column(JSONType, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    content_hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[Item] = relationship(back_populates="versions", foreign_keys=[item_id])
    module: Mapped[Module] = relationship()
    knowledge_points: Mapped[list[KnowledgePoint]] = relationship(
        secondary=version_knowledge_points, order_by="KnowledgePoint.position"
    )
    created_by = relationship("User", foreign_keys=[created_by_id])


class ItemStatusChange(db.Model):
    """The review trail: every status transition, by whom and why."""

    __tablename__ = "item_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


@event.listens_for(Session, "before_flush")
def _versions_are_immutable(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in session.dirty:
        if isinstance(obj, ItemVersion) and session.is_modified(obj, include_collections=False):
            raise RuntimeError(f"item version {obj.id} is immutable")
    for obj in session.deleted:
        if isinstance(obj, ItemVersion):
            raise RuntimeError(f"item version {obj.id} may not be deleted")
