"""判断 true/false: a statement; no options."""

from __future__ import annotations

import unicodedata
from typing import Any

from examengine.bank.itemtypes.base import Issues, ItemType

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "T", "TRUE", "Y", "YES", "是", "A", "1"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "N", "NO", "否", "B", "0"}


def parse_truth(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):
        return bool(raw)
    if not isinstance(raw, str):
        return None
    s = unicodedata.normalize("NFKC", raw).strip().upper()
    if s in TRUE_WORDS:
        return True
    if s in FALSE_WORDS:
        return False
    return None


class TrueFalse(ItemType):
    code = "truefalse"
    label_zh = "判断"
    label_en = "true/false"

    def normalise_key(self, raw: Any, options: Any) -> Any:
        value = parse_truth(raw)
        return raw if value is None else value

    def validate_extra(self, content: dict[str, Any], issues: Issues) -> None:
        if not isinstance(content.get("key"), bool):
            issues.add("key", "KEY_NOT_BOOLEAN", "a true/false key must be true or false",
                       "判断题答案必须为“对”或“错”")

    def normalise_response(self, raw: Any, n_options: int) -> Any:
        if raw is None or raw == "":
            return None
        value = parse_truth(raw)
        if value is None:
            raise ValueError("true or false expected")
        return value

    def score(self, content: dict[str, Any], response: Any, rule: dict[str, Any] | None = None) -> float:
        return content["points"] if response is not None and response is content["key"] else 0.0

    def candidate_view(self, content: dict[str, Any]) -> dict[str, Any]:
        view = super().candidate_view(content)
        view["options"] = [{"label": "T", "text": "对"}, {"label": "F", "text": "错"}]
        return view

    def key_text(self, content: dict[str, Any]) -> str:
        return "对" if content["key"] else "错"
