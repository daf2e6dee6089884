"""Shared option checks for the two choice types."""

from __future__ import annotations

from typing import Any

from examengine.bank.itemtypes.base import LETTERS, MAX_OPTIONS, Issues, letter_of


def validate_option_list(content: dict[str, Any], issues: Issues, minimum: int) -> list[str] | None:
    options = content.get("options")
    if not isinstance(options, list) or len(options) < minimum:
        issues.add("options", "OPTIONS_TOO_FEW", f"at least {minimum} options are required",
                   f"至少需要{minimum}个选项")
        return None
    if len(options) > MAX_OPTIONS:
        issues.add("options", "OPTIONS_TOO_MANY", f"at most {MAX_OPTIONS} options (A-H) are allowed",
                   f"最多{MAX_OPTIONS}个选项（A-H）")
        return None
    for i, text in enumerate(options):
        if not text:
            issues.add(f"options.{i}", "OPTION_EMPTY", f"option {LETTERS[i]} is empty", f"选项{LETTERS[i]}为空")
    seen: dict[str, int] = {}
    for i, text in enumerate(options):
        if text and text in seen:
            issues.add(f"options.{i}", "OPTION_DUPLICATE",
                       f"option {LETTERS[i]} repeats option {LETTERS[seen[text]]}",
                       f"选项{LETTERS[i]}与选项{LETTERS[seen[text]]}重复")
        seen.setdefault(text, i)
    return options


def parse_letters(raw: Any) -> list[str] | None:
    """'ABD', 'A,B', 'A、B', 'a b', ['A', 'B'] -> ['A', 'B', 'D'] (sorted, unique); None if unreadable."""
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        letters = [letter_of(x) for x in raw]
        if any(x is None for x in letters):
            return None
        return sorted(set(letters))  # type: ignore[arg-type]
    if not isinstance(raw, str):
        return None
    import unicodedata

    s = unicodedata.normalize("NFKC", raw).upper()
    for sep in (",", "、", ";", "，", "；", " ", "|", "/"):
        s = s.replace(sep, "")
    if not s:
        return []
    if not all(c in LETTERS for c in s):
        return None
    return sorted(set(s))
