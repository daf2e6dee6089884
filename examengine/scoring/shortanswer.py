"""The short-answer scorer (pure): a suggested score with its evidence for one answer to one item.

Interface (stable; the internals evolve):
    spec = ItemSpec.from_content(content)            # a short item's canonical content
    scorer = Scorer(spec)                            # cold: rubric (or points proposed from the references)
    scorer.fit(answers, points)                      # warm: graders' confirmed scores for this item
    suggestion = scorer.score(text)                  # Suggestion(points, confidence, confident, evidence...)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoringPoint:
    """One 得分点: its text, weight in the item's points, and alternative phrasings."""

    text: str
    weight: float
    synonyms: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemSpec:
    stem: str
    references: tuple[str, ...]
    rubric: tuple[ScoringPoint, ...] = ()
    max_points: float = 10.0
    step: float = 1.0

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> ItemSpec:
        """From a short item's canonical content (stem, references, rubric, points, optional step)."""
        points = float(content.get("points") or 10.0)
        rubric = tuple(
            ScoringPoint(p["point"], float(p["weight"]), tuple(p.get("synonyms") or ()))
            for p in content.get("rubric") or [] if isinstance(p, dict) and p.get("point")
        )
        return cls(stem=content.get("stem") or "", references=tuple(r for r in content.get("references") or [] if r),
                   rubric=rubric, max_points=points, step=float(content.get("step") or default_step(points)))


def default_step(max_points: float) -> float:
    """Marks move in whole points on items of 5 points or more, in half points below."""
    return 1.0 if max_points >= 5 else 0.5


@dataclass(frozen=True)
class Evidence:
    """A scoring point found in the answer: `start`/`end` index the answer as the candidate typed it."""

    point: str
    weight: float
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Suggestion:
    points: float  # on the item's scale, a multiple of its step
    confidence: float  # 0..1: how likely a grader keeps it (within one step)
    confident: bool
    matched: tuple[Evidence, ...] = ()
    missing: tuple[str, ...] = ()
    contradicted: tuple[Evidence, ...] = ()
    similarity: float = 0.0  # to the nearest reference answer, 0..1
    nearest_reference: int = 0
    method: str = "rubric"  # rubric | proposed (points from the references) | learned (fitted on confirmations)
    features: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def round_to_step(points: float, step: float, max_points: float) -> float:
    """Nearest multiple of `step` within 0..max_points (halves round up)."""
    n = int(points / step + 0.5 + 1e-9)
    return round(min(max(n * step, 0.0), max_points), 2)


class Scorer:
    """Scores answers to one item. Create one per item; `fit` it as graders confirm scores."""

    def __init__(self, spec: ItemSpec, dictionary: Sequence[str] = ()) -> None:
        self.spec = spec
        self.n_fitted = 0

    def proposed_points(self) -> list[ScoringPoint]:
        """Scoring points proposed from the references, for an item without a rubric."""
        raise NotImplementedError

    def fit(self, answers: Sequence[str], points: Sequence[float]) -> None:
        raise NotImplementedError

    def score(self, answer: str) -> Suggestion:
        return self.score_many([answer])[0]

    def score_many(self, answers: Sequence[str]) -> list[Suggestion]:
        raise NotImplementedError
