"""Per-candidate option order: the content a candidate sees and the way back to the item's letters (pure).

A paper stores, per item, `order[j]` = the original index of the option shown at position j. The candidate
sees only positions (A, B, C … in shown order) and answers in them; scoring maps the answer back.
"""

from __future__ import annotations

from typing import Any

from examengine.bank.itemtypes.base import LETTERS


def shown_content(content: dict[str, Any], order: list[int] | None) -> dict[str, Any]:
    """The item's content as one candidate sees it: options reordered, the key in shown letters."""
    if not order:
        return content
    out = dict(content)
    out["options"] = [content["options"][i] for i in order]
    position = {orig: shown for shown, orig in enumerate(order)}
    key = content.get("key")
    if isinstance(key, list):
        out["key"] = sorted(LETTERS[position[LETTERS.index(k)]] for k in key)
    elif isinstance(key, str) and key in LETTERS:
        out["key"] = LETTERS[position[LETTERS.index(key)]]
    return out


def to_original(order: list[int] | None, shown: Any) -> Any:
    """A response in shown letters ('B' or ['A', 'C']) as the item's own letters."""
    if not order or shown is None:
        return shown
    if isinstance(shown, list):
        return sorted(LETTERS[order[LETTERS.index(x)]] for x in shown)
    if isinstance(shown, str) and shown in LETTERS:
        return LETTERS[order[LETTERS.index(shown)]]
    return shown
