"""Imports every component's tables, so that the metadata (and Alembic) sees the whole schema."""

from examengine.auth.models import ApiToken, User
from examengine.bank.models import (
           Item,
           ItemStatusChange,
           ItemVersion,
           KnowledgePoint,
           Level,
           Module,
           Program,
           WorkType,
)

__all__ = ["ApiToken", "Item", "ItemStatusChange", "ItemVersion", "KnowledgePoint", "Level", "Module", "Program",
           "User", "WorkType"]
