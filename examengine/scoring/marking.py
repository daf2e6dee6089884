"""The marking rules (pure): which answers are double-marked, which may be auto-confirmed, how two marks
resolve, and the states a short answer passes through on its way to a final score.

Draws are a hash of the sitting, the response and what is drawn, not a random number: a retry, another worker
or a policy change re-draws exactly the same answers (a larger percentage only adds answers to the sample)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum

from examengine.scoring.shortanswer import round_to_step

DOUBLE_MODES = ("none", "sample", "all")
EPS = 1e-9


class MarkingError(ValueError):
    """A mark that the rules do not allow; `code` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Policy:
    double_mode: str = "none"  # none | sample | all
    double_percent: int = 20
    tolerance: float = 2.0  # on a 10-point scale
    second_sees_suggestion: bool = False
    auto_confirm: bool = False
    auto_confirm_confidence: float = 0.9
    auto_confirm_sample_percent: int = 10  # of the auto-confirmable answers, still sent to a human


def policy_problems(p: Policy) -> dict[str, str]:
    """Field -> stable error code, for a policy that cannot be used (empty when valid)."""
    problems = {}
    if p.double_mode not in DOUBLE_MODES:
        problems["double_mode"] = "POLICY_MODE_INVALID"
    if not 0 <= p.double_percent <= 100:
        problems["double_percent"] = "POLICY_PERCENT_INVALID"
    if not p.tolerance > 0 or p.tolerance > 10:
        problems["tolerance"] = "POLICY_TOLERANCE_INVALID"
    if not 0 <= p.auto_confirm_confidence <= 1:
        problems["auto_confirm_confidence"] = "POLICY_CONFIDENCE_INVALID"
    if not 0 <= p.auto_confirm_sample_percent <= 100:
        problems["auto_confirm_sample_percent"] = "POLICY_PERCENT_INVALID"
    return problems


# ---- draws -----------------------------------------------------------------------------------------------

def draw(sitting_id: int, response_id: int, purpose: str) -> float:
    """A uniform number in [0, 100) fixed by its arguments: the same on every host and every retry."""
    digest = hashlib.sha256(f"{purpose}:{sitting_id}:{response_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 * 100


def needs_second(p: Policy, sitting_id: int, response_id: int) -> bool:
    if p.double_mode == "all":
        return True
    if p.double_mode == "sample":
        return draw(sitting_id, response_id, "double") < p.double_percent
    return False


def in_human_sample(p: Policy, sitting_id: int, response_id: int) -> bool:
    """Of the answers the machine could settle, this share still goes to a grader, to keep the machine honest."""
    return draw(sitting_id, response_id, "human") < p.auto_confirm_sample_percent


def may_auto_confirm(p: Policy, sitting_id: int, response_id: int, confident: bool, confidence: float) -> bool:
    """Only when staff switched it on, only for confident suggestions above the threshold, never for an answer
    drawn for double marking (two humans were asked for) nor for the human sample."""
    return (p.auto_confirm and confident and confidence >= p.auto_confirm_confidence - EPS
            and not needs_second(p, sitting_id, response_id) and not in_human_sample(p, sitting_id, response_id))


# ---- two marks -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Resolution:
    adjudicate: bool
    points: float | None  # the final points when not adjudicated


def tolerance_points(tolerance: float, max_points: float) -> float:
    """The tolerance is given on a 10-point scale; on an item of `max_points` it is proportionally larger."""
    return tolerance * max_points / 10


def resolve(first: float, second: float, max_points: float, step: float, tolerance: float) -> Resolution:
    """Marks further apart than the tolerance go to a senior grader; otherwise the mean, rounded to the step."""
    if abs(first - second) > tolerance_points(tolerance, max_points) + EPS:
        return Resolution(True, None)
    return Resolution(False, round_to_step((first + second) / 2, step, max_points))


def check_points(points: float, max_points: float, step: float) -> str | None:
    """None when `points` is a multiple of `step` within 0..max_points; otherwise a stable error code."""
    if not 0 <= points <= max_points + EPS:
        return "MARK_OUT_OF_RANGE"
    n = points / step
    if abs(n - round(n)) > 1e-6:
        return "MARK_NOT_ON_STEP"
    return None


# ---- the state machine -----------------------------------------------------------------------------------

class Stage(StrEnum):
    PENDING = "pending"  # no mark yet
    AWAITING_SECOND = "awaiting_second"  # first mark given, drawn for double marking
    ADJUDICATION = "adjudication"  # two marks too far apart
    FINAL = "final"


# The mark each stage waits for.
EXPECTED_ROLE = {Stage.PENDING: "first", Stage.AWAITING_SECOND: "second", Stage.ADJUDICATION: "adjudication"}


def stage_of(status: str, roles: set[str]) -> Stage:
    """The stage of a short answer from its stored status and the roles of its marks."""
    if status in ("final", "scored"):
        return Stage.FINAL
    if status == "adjudication":
        return Stage.ADJUDICATION
    return Stage.AWAITING_SECOND if "first" in roles else Stage.PENDING


@dataclass(frozen=True)
class Outcome:
    stage: Stage
    points: float | None = None  # set when final
    source: str | None = None  # confirmed | double | adjudicated


def after_mark(stage: Stage, role: str, points: float, *, double: bool, first: float | None = None,
               max_points: float = 10.0, step: float = 1.0, tolerance: float = 2.0) -> Outcome:
    """Where a mark in `role` takes an answer in `stage`; MarkingError for a mark the stage does not wait for.

    `double`: the answer is drawn for double marking; `first`: the first mark's points (for a second mark)."""
    if EXPECTED_ROLE.get(stage) != role:
        raise MarkingError("MARK_NOT_EXPECTED", f"an answer {stage.value} takes no {role} mark")
    if role == "first":
        return Outcome(Stage.AWAITING_SECOND) if double else Outcome(Stage.FINAL, points, "confirmed")
    if role == "second":
        if first is None:
            raise MarkingError("MARK_NOT_EXPECTED", "a second mark needs the first")
        res = resolve(first, points, max_points, step, tolerance)
        return Outcome(Stage.ADJUDICATION) if res.adjudicate else Outcome(Stage.FINAL, res.points, "double")
    return Outcome(Stage.FINAL, points, "adjudicated")


def status_of(stage: Stage) -> str:
    """The ResponseScore.status that stores a stage (awaiting a second mark is still `pending`)."""
    return {Stage.PENDING: "pending", Stage.AWAITING_SECOND: "pending", Stage.ADJUDICATION: "adjudication",
            Stage.FINAL: "final"}[stage]


# ---- evidence in the answer ------------------------------------------------------------------------------

def segments(text: str, spans: list[tuple[int, int, str, str]]) -> list[dict[str, str | None]]:
    """The answer cut into plain and highlighted pieces, in order: spans are (start, end, kind, point) with
    kind matched | contradicted. Overlaps keep the earlier span; spans outside the text are clipped or dropped,
    so a page can render the pieces without ever slicing the text itself."""
    out: list[dict[str, str | None]] = []
    at = 0
    for start, end, kind, point in sorted(spans, key=lambda s: (s[0], -s[1])):
        start, end = max(start, at, 0), min(end, len(text))
        if end <= start:
            continue
        if start > at:
            out.append({"text": text[at:start], "kind": None, "point": None})
        out.append({"text": text[start:end], "kind": kind, "point": point})
        at = end
    if at < len(text) or not out:
        out.append({"text": text[at:], "kind": None, "point": None})
    return out
