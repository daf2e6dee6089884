"""Agreement between two sets of scores, the way automated-scoring practice reports it (ETS RSMTool):
quadratic weighted kappa on an integer scale, Pearson r, exact and adjacent agreement, standardized mean
difference, and the mean adjustment (how far the second rater moves the first on average)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Agreement:
    n: int
    qwk: float
    r: float
    exact: float
    adjacent: float
    smd: float
    mean_adjustment: float  # mean of (b - a): how much b marks above a

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def to_scale(scores: Sequence[float], max_points: float, scale: int = 10) -> np.ndarray:
    """Scores rescaled to 0..scale and rounded to integers (half up), so that items of any size compare."""
    a = np.asarray(scores, dtype=float)
    if max_points <= 0:
        raise ValueError("max_points must be positive")
    return np.floor(a / max_points * scale + 0.5).astype(int)


def qwk(a: Sequence[int], b: Sequence[int], low: int | None = None, high: int | None = None) -> float:
    """Quadratic weighted kappa of two integer ratings. 1.0 when the ratings match and have no spread."""
    x, y = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    if len(x) != len(y):
        raise ValueError("ratings differ in length")
    if len(x) == 0:
        return float("nan")
    lo = int(min(x.min(), y.min())) if low is None else low
    hi = int(max(x.max(), y.max())) if high is None else high
    k = hi - lo + 1
    observed = np.zeros((k, k))
    np.add.at(observed, (x - lo, y - lo), 1)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / len(x)
    idx = np.arange(k)
    weights = (idx[:, None] - idx[None, :]) ** 2 / max((k - 1) ** 2, 1)
    denom = (weights * expected).sum()
    if denom == 0:
        return 1.0 if (weights * observed).sum() == 0 else 0.0
    return float(1 - (weights * observed).sum() / denom)


def pearson(a: Sequence[float], b: Sequence[float]) -> float:
    x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return 0.0
    return float(np.corrcoef(x, y)[0, 1])


def smd(human: Sequence[float], machine: Sequence[float]) -> float:
    """(mean machine - mean human) / pooled standard deviation; 0 when neither varies."""
    h, m = np.asarray(human, dtype=float), np.asarray(machine, dtype=float)
    pooled = math.sqrt((h.var(ddof=1) + m.var(ddof=1)) / 2) if len(h) > 1 else 0.0
    return float((m.mean() - h.mean()) / pooled) if pooled > 0 else 0.0


def agreement(a: Sequence[int], b: Sequence[int]) -> Agreement:
    """Agreement of rater b with rater a on one integer scale (a is the reference, e.g. the human)."""
    x, y = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
    n = len(x)
    if n == 0:
        return Agreement(0, float("nan"), float("nan"), float("nan"), float("nan"), float("nan"), float("nan"))
    diff = np.abs(x - y)
    return Agreement(
        n=n,
        qwk=qwk(x, y),
        r=pearson(x, y),
        exact=float((diff == 0).mean()),
        adjacent=float((diff <= 1).mean()),
        smd=smd(x, y),
        mean_adjustment=float((y - x).mean()),
    )
