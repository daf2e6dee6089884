"""单选 single choice: exactly one correct option."""

from __future__ import annotations

from typing import Any

from examengine.bank.itemtypes.base import LETTERS, Issues, ItemType
from examengine.bank.itemtypes.choice import parse_letters, validate_option_list


class SingleChoice(ItemType):
    code = "single"
    label_zh = "单选"
    label_en = "single choice"
    has_options = True

    def normalise_key(self, raw: Any, options: Any) -> Any:
        letters = parse_letters(raw)
        if letters is None:
            return raw
        return letters[0] if len(letters) == 1 else letters

    def validate_options(self, content: dict[str, Any], issues: Issues) -> None:
        options = validate_option_list(content, issues, minimum=2)
        key = content.get("key")
        if not isinstance(key, str):
            issues.add("key", "KEY_NOT_SINGLE", "a single-choice item needs exactly one key",
                       "单选题必须有且只有一个正确答案")
        elif options is not None and key not in LETTERS[: len(options)]:
            issues.add("key", "KEY_NOT_AN_OPTION", f"key {key} is not one of the options",
                       f"答案{key}不在选项中")

    def normalise_response(self, raw: Any, n_options: int) -> Any:
        letters = parse_letters(raw)
        if letters is None or len(letters) > 1 or any(x not in LETTERS[:n_options] for x in letters):
            raise ValueError("one option letter expected")
        return letters[0] if letters else None

    def score(self, content: dict[str, Any], response: Any, rule: dict[str, Any] | None = None) -> float:
        return content["points"] if response is not None and response == content["key"] else 0.0

    def key_text(self, content: dict[str, Any]) -> str:
        return content["key"]
