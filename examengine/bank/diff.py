"""Field-by-field differences between two versions of an item (pure)."""

from __future__ import annotations

import difflib
from typing import Any

from examengine.bank.content import VERSION_FIELDS


def diff_contents(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """Changed fields in display order; text fields also get a character-level diff of insertions and deletions."""
    changes = []
    for name in VERSION_FIELDS:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        change: dict[str, Any] = {"field": name, "old": a, "new": b}
        if isinstance(a, str) and isinstance(b, str):
            change["segments"] = text_segments(a, b)
        changes.append(change)
    return changes


def text_segments(a: str, b: str) -> list[dict[str, str]]:
    """[{op: equal|delete|insert, text}] at character level, which suits Chinese text (no spaces)."""
    out: list[dict[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append({"op": "equal", "text": a[i1:i2]})
        else:
            if i2 > i1:
                out.append({"op": "delete", "text": a[i1:i2]})
            if j2 > j1:
                out.append({"op": "insert", "text": b[j1:j2]})
    return out
