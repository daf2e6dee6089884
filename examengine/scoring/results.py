"""A session's result from its responses' scores (pure: no Flask, no SQLAlchemy).

Total, maximum, pass/fail at the blueprint's pass mark, and the breakdown by module and by section. Sums are
taken in Decimal (scores have two decimals; floats would make 59.99999 of a 60). `passed` is None while any
response still awaits its final score: a total that can only grow must not be called a fail."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Line:
    """One response: where it counts, what it may earn, and its final points (None while not final)."""

    module: str
    section: int
    max_points: Decimal | float
    points: Decimal | float | None
    final: bool


@dataclass(frozen=True)
class Summary:
    total: Decimal
    max_total: Decimal
    pass_mark: Decimal
    complete: bool
    passed: bool | None
    pending: int
    modules: dict[str, dict[str, float]] = field(default_factory=dict)  # {module: {"points", "max", "pending"}}
    sections: list[dict[str, Any]] = field(default_factory=list)  # [{"title", "type", "points", "max", "pending"}]


def _dec(value: Decimal | float | int) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _num(value: Decimal) -> float:
    return float(value.quantize(CENT))


def summarise(lines: Iterable[Line], pass_mark: Decimal | float, sections: Sequence[dict[str, Any]] = ()) -> Summary:
    """`sections` are the paper set's spec sections (title, type); a section with no lines still appears."""
    total = max_total = Decimal(0)
    pending = 0
    modules: dict[str, list] = {}
    by_section: dict[int, list] = {i: [Decimal(0), Decimal(0), 0] for i in range(len(sections))}
    for line in lines:
        mx = _dec(line.max_points)
        pts = _dec(line.points) if line.final and line.points is not None else Decimal(0)
        waiting = 0 if line.final else 1
        total += pts
        max_total += mx
        pending += waiting
        for acc in (modules.setdefault(line.module, [Decimal(0), Decimal(0), 0]),
                    by_section.setdefault(line.section, [Decimal(0), Decimal(0), 0])):
            acc[0] += pts
            acc[1] += mx
            acc[2] += waiting
    mark = _dec(pass_mark)
    complete = pending == 0
    return Summary(
        total=total.quantize(CENT), max_total=max_total.quantize(CENT), pass_mark=mark.quantize(CENT),
        complete=complete, passed=(total >= mark) if complete else None, pending=pending,
        modules={m: {"points": _num(p), "max": _num(x), "pending": n} for m, (p, x, n) in sorted(modules.items())},
        sections=[{"index": i, "title": sections[i].get("title", "") if i < len(sections) else "",
                   "type": sections[i].get("type", "") if i < len(sections) else "",
                   "points": _num(p), "max": _num(x), "pending": n} for i, (p, x, n) in sorted(by_section.items())],
    )
