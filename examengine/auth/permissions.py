"""Who may do what. Pure: roles and permissions are plain strings.

Services call `require()` at the start of every use case, so the API, the pages and the CLI share one
set of rules."""

from __future__ import annotations

from typing import Protocol

from examengine.errors import Forbidden, Unauthorized

ROLES = ("candidate", "grader", "senior_grader", "item_writer", "staff", "admin")
ROLE_LABELS = {
    "candidate": ("考生", "Candidate"),
    "grader": ("阅卷员", "Grader"),
    "senior_grader": ("阅卷组长", "Senior grader"),
    "item_writer": ("命题员", "Item writer"),
    "staff": ("考务人员", "Exam staff"),
    "admin": ("管理员", "Administrator"),
}

_ALL = frozenset(ROLES)
PERMISSIONS: dict[str, frozenset[str]] = {
    "syllabus.read": _ALL,
    # Reading items shows keys and rubrics: never candidates.
    "items.read": frozenset({"grader", "senior_grader", "item_writer", "staff", "admin"}),
    "items.write": frozenset({"item_writer", "admin"}),
    "items.submit": frozenset({"item_writer", "admin"}),
    # Approval needs a second pair of eyes: an item writer may approve only items written by someone else.
    "items.approve": frozenset({"item_writer", "staff", "admin"}),
    "items.retire": frozenset({"staff", "admin"}),
    # Blueprints show the paper's make-up, not its items; papers with keys are for exam staff.
    "blueprints.read": frozenset({"item_writer", "staff", "admin"}),
    "papers.manage": frozenset({"staff", "admin"}),
    # Candidates' records, sittings and the live view of sessions are exam staff's work.
    "candidates.manage": frozenset({"staff", "admin"}),
    "sittings.manage": frozenset({"staff", "admin"}),
    "sessions.monitor": frozenset({"staff", "admin"}),
    # Only candidates sit exams; a staff account never holds a seat.
    "exam.take": frozenset({"candidate"}),
    # Graders mark short answers blind; a senior grader also settles marks that disagree.
    "marks.write": frozenset({"grader", "senior_grader", "admin"}),
    "marks.adjudicate": frozenset({"senior_grader", "admin"}),
    # Marking policies, regrading, agreement, results and their publication are exam staff's work.
    "results.manage": frozenset({"staff", "admin"}),
    # A candidate reads their own published result.
    "results.own": frozenset({"candidate"}),
    "users.read": frozenset({"staff", "admin"}),
    "users.manage": frozenset({"admin"}),
}


class Actor(Protocol):
    id: int
    role: str
    active: bool


def can(role: str | None, permission: str) -> bool:
    return role is not None and role in PERMISSIONS[permission]


def require(actor: Actor | None, permission: str) -> Actor:
    """The actor if allowed; Unauthorized without one, Forbidden when the role lacks the permission."""
    if actor is None or not actor.active:
        raise Unauthorized("log in or send a bearer token")
    if not can(actor.role, permission):
        raise Forbidden(f"role {actor.role} may not {permission}", permission=permission)
    return actor
