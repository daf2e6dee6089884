"""Objective scoring of a submitted paper (pure: no Flask, no SQLAlchemy).

Candidates answer in the letters they were SHOWN (options are shuffled per paper); each item type scores a
response in its OWN letters. So a response is mapped back with `papers.options.to_original` and scored by the
item type's `score`, which stays the one place a type's rules live.

Exam day ends with thousands of submissions at once, and a re-score after a key change covers a whole sitting,
so the hot loop does no mapping and no scoring at all in the usual case: each item's scorer remembers the
(original response, points) of every distinct response it has scored. Papers of a sitting share their items
and option orders repeat (4 options have 24 orders), so a `cache` shared by `prepare` calls makes the scorers
shared too, and nearly every response is a dictionary hit. Short answers are not scored here (points None).

    cache = {}
    prepared = prepare(items, cache)                 # once per paper
    scored = score_paper(prepared, {position: shown_response})   # Scored(response, points) per item, in order
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from examengine.bank.itemtypes import LETTERS, get_type
from examengine.papers.options import to_original


@dataclass(frozen=True, slots=True)
class PaperItemSpec:
    """One item of one paper, as scoring needs it."""

    position: int
    section: int
    item_type: str
    points: float  # on this paper (the blueprint section's points)
    key: Any  # in the item's own letters
    option_order: list[int] | None = None  # order[j] = original index of the option shown at j
    rule: dict[str, Any] | None = None  # the section's multiple-choice rule
    module: str = ""
    version_id: int = 0  # the pinned item version: items with equal versions, orders and rules share a scorer


class Scored(NamedTuple):
    response: Any  # in the item's own letters, as scored
    points: float | None  # None: a short answer, marked by people


class ItemScorer:
    """Scores one item under one option order and rule, remembering every distinct response."""

    __slots__ = ("_content", "_letters", "_rule", "_type", "item_type", "max_points", "memo", "module", "section")

    def __init__(self, spec: PaperItemSpec) -> None:
        self.item_type = spec.item_type
        self.max_points = float(spec.points)
        self.module = spec.module
        self.section = spec.section
        self._type = get_type(spec.item_type)
        self._content = {"key": spec.key, "points": self.max_points}
        self._letters = letter_map(spec.option_order)
        self._rule = spec.rule
        # Short answers carry no memo: every text is different and nothing here can score it.
        self.memo: dict[Any, Scored] | None = {} if self._type.auto_scored else None

    def score(self, shown: Any) -> Scored:
        """The slow path: map to the item's letters, let the item type score it, remember it."""
        original = _original(self._letters, shown)
        points = self._type.score(self._content, original, self._rule)
        scored = Scored(original, None if points is None else float(points))
        if self.memo is not None:
            self.memo[_hashable(shown)] = scored
        return scored


_by_position = attrgetter("position")
_LETTER_MAPS: dict[tuple[int, ...], dict[str, str]] = {}


def letter_map(order: list[int] | None) -> dict[str, str] | None:
    """Shown letter -> the item's letter under one option order, as `to_original` maps it (computed once per
    order: a sitting has a few dozen distinct orders, and mapping letter by letter is the slow path's cost)."""
    if not order:
        return None
    k = tuple(order)
    found = _LETTER_MAPS.get(k)
    if found is None:
        found = _LETTER_MAPS[k] = {LETTERS[j]: to_original(order, LETTERS[j]) for j in range(len(order))}
    return found


def _original(letters: dict[str, str] | None, shown: Any) -> Any:
    """`to_original` through a precomputed letter map (same results; tests compare them)."""
    if letters is None or shown is None:
        return shown
    if shown.__class__ is list:
        return sorted([letters.get(x, x) for x in shown])
    return letters.get(shown, shown) if isinstance(shown, str) else shown


def _hashable(response: Any) -> Any:
    return tuple(response) if response.__class__ is list else response


@dataclass(frozen=True, slots=True)
class PreparedPaper:
    """A paper ready to score: its positions and their scorers, in position order. (Two flat tuples rather than
    a pair per item: a sitting's papers then add two objects each for the garbage collector to walk, not 100.)"""

    positions: tuple[int, ...]
    scorers: tuple[ItemScorer, ...]

    @property
    def max_total(self) -> float:
        return sum(s.max_points for s in self.scorers)


def prepare(items: Iterable[PaperItemSpec], cache: dict[tuple, ItemScorer] | None = None) -> PreparedPaper:
    """A paper's items as scorers, in position order. Papers of ONE paper set may share a `cache`: within a set
    an item version and its section fix type, key, points, rule and module, so the scorer is looked up by
    (version, section, option order) alone."""
    specs = sorted(items, key=_by_position)
    scorers = []
    for spec in specs:
        if cache is None or not spec.version_id:
            scorer = ItemScorer(spec)
        else:
            order = spec.option_order
            k = (spec.version_id, spec.section, tuple(order) if order else None)
            scorer = cache.get(k)
            if scorer is None:
                scorer = cache[k] = ItemScorer(spec)
        scorers.append(scorer)
    return PreparedPaper(tuple(s.position for s in specs), tuple(scorers))


def score_paper(prepared: PreparedPaper, responses: Mapping[int, Any]) -> list[Scored]:
    """Every item's Scored(response in the item's letters, points), in position order. `responses` maps a
    position to the response in shown letters; a position left out was not answered."""
    out: list[Scored] = []
    append, get = out.append, responses.get
    for position, scorer in zip(prepared.positions, prepared.scorers, strict=True):
        shown = get(position)
        memo = scorer.memo
        if memo is None:
            append(Scored(shown, None))
            continue
        hit = memo.get(tuple(shown) if shown.__class__ is list else shown)
        append(hit if hit is not None else scorer.score(shown))
    return out


def score_papers(papers: Iterable[tuple[PreparedPaper, Mapping[int, Any]]]) -> list[list[Scored]]:
    """Many papers at once (a sitting's submissions, a regrade). The cyclic garbage collector is paused
    meanwhile: scoring makes a million small objects and no cycles, and its collections would otherwise take
    a third of the time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return [score_paper(p, r) for p, r in papers]
    finally:
        if enabled:
            gc.enable()
