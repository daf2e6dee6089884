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
from examengine.papers.models import Blueprint, Paper, PaperItem, PaperSet

__all__ = [
           "ApiToken",
           "Blueprint",
           "Item",
           "ItemStatusChange",
           "ItemVersion",
           "KnowledgePoint",
           "Level",
           "Module",
           "Paper",
           "PaperItem",
           "PaperSet",
           "Program",
           "User",
           "WorkType",
]
