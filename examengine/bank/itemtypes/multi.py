"""多选 multiple choice: two or more correct options; the paper's section chooses the scoring rule."""

from __future__ import annotations

from typing import Any

from examengine.bank.itemtypes.base import LETTERS, Issues, ItemType
from examengine.bank.itemtypes.choice import parse_letters, validate_option_list

RULES = ("all_or_nothing", "partial", "proportional")


class MultipleChoice(ItemType):
    code = "multi"
    label_zh = "多选"
    label_en = "multiple choice"
    has_options = True
    default_points = 2.0

    def normalise_key(self, raw: Any, options: Any) -> Any:
        letters = parse_letters(raw)
        return raw if letters is None else letters

    def validate_options(self, content: dict[str, Any], issues: Issues) -> None:
        options = validate_option_list(content, issues, minimum=3)
        key = content.get("key")
        if not isinstance(key, list) or len(key) < 2:
            issues.add("key", "KEY_TOO_FEW", "a multiple-choice item needs at least two keys",
                       "多选题至少需要两个正确答案")
        elif options is not None:
            bad = [k for k in key if k not in LETTERS[: len(options)]]
            if bad:
                issues.add("key", "KEY_NOT_AN_OPTION", f"keys {''.join(bad)} are not among the options",
                           f"答案{''.join(bad)}不在选项中")

    def normalise_response(self, raw: Any, n_options: int) -> Any:
        letters = parse_letters(raw)
        if letters is None or any(x not in LETTERS[:n_options] for x in letters):
            raise ValueError("option letters expected")
        return letters or None

    def score(self, content: dict[str, Any], response: Any, rule: dict[str, Any] | None = None) -> float:
        """all_or_nothing; partial (少选得部分分、错选不得分: a correct proper subset earns
        `partial_fraction`, default half); proportional (share of the keys chosen, zero on any wrong)."""
        if not response:
            return 0.0
        rule = rule or {}
        name = rule.get("name", "all_or_nothing")
        points = content["points"]
        key, chosen = set(content["key"]), set(response)
        if chosen == key:
            return points
        if chosen - key:
            return 0.0
        if name == "partial":
            return round(points * float(rule.get("partial_fraction", 0.5)), 2)
        if name == "proportional":
            return round(points * len(chosen) / len(key), 2)
        return 0.0

    def key_text(self, content: dict[str, Any]) -> str:
        return "".join(content["key"])
