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

__all__ = [
           "Answer",
           "ApiToken",
           "Blueprint",
           "Candidate",
           "CandidatePhoto",
           "EligibilityRules",
           "Enrolment",
           "ExamSession",
           "HeldCertificate",
           "Item",
           "ItemStatusChange",
           "ItemVersion",
           "JournalEntry",
           "KnowledgePoint",
           "Level",
           "Module",
           "Paper",
           "PaperItem",
           "PaperSet",
           "ProctorEvent",
           "Program",
           "Seat",
           "Sitting",
           "TrainingRecord",
           "User",
           "WorkType",
]
