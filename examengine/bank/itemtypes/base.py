"""What every item type shares: the content shape, common checks and the type interface.

Item content is plain data (a dict) so that the same validation serves the API, the bank files and the
importers. Canonical content keys: stem, options (list of option texts, letters implied by order), key,
explanation, points, difficulty; short answers add references and rubric.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any, ClassVar

LETTERS = "ABCDEFGH"
MAX_OPTIONS = len(LETTERS)


@dataclass(frozen=True)
class Issue:
    """One problem with one field: a stable code and a message in English and Chinese."""

    field: str
    code: str
    message: str
    message_zh: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": self.message, "message_zh": self.message_zh}


@dataclass
class Issues:
    items: list[Issue] = field(default_factory=list)

    def add(self, field_: str, code: str, message: str, message_zh: str) -> None:
        self.items.append(Issue(field_, code, message, message_zh))

    def __bool__(self) -> bool:
        return bool(self.items)

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for i in self.items:
            out.setdefault(i.field, []).append(f"{i.message} ({i.message_zh})")
        return out


def clean_text(value: Any) -> str:
    """NFC-normalised text with Windows line endings and outer whitespace removed."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.strip()


def letter_of(raw: Any) -> str | None:
    """'b', ' B ', 'Ｂ', 'B.' -> 'B'; anything else -> None."""
    if not isinstance(raw, str):
        return None
    s = unicodedata.normalize("NFKC", raw).strip().rstrip(".、)）").upper()
    return s if len(s) == 1 and s in LETTERS else None


class ItemType:
    """Base of the item-type registry; one subclass per type, one module per subclass."""

    code: ClassVar[str]
    label_zh: ClassVar[str]
    label_en: ClassVar[str]
    has_options: ClassVar[bool] = False
    auto_scored: ClassVar[bool] = True
    default_points: ClassVar[float] = 1.0

    # ---- content -------------------------------------------------------------------------------------
    def normalise(self, content: dict[str, Any]) -> dict[str, Any]:
        """Return canonical content (trimmed text, canonical key); unknown keys are dropped."""
        points = content.get("points", self.default_points)
        difficulty = content.get("difficulty", 3)
        options = content.get("options")
        out = {
            "stem": clean_text(content.get("stem")),
            "options": [clean_text(o) for o in options] if isinstance(options, list | tuple) else (options or []),
            "key": self.normalise_key(content.get("key"), content.get("options")),
            "explanation": clean_text(content.get("explanation")),
            "points": _number(points),
            "difficulty": difficulty if isinstance(difficulty, int) and not isinstance(difficulty, bool) else _int(difficulty),
        }
        out.update(self.normalise_extra(content))
        return out

    def normalise_extra(self, content: dict[str, Any]) -> dict[str, Any]:
        return {}

    def normalise_key(self, raw: Any, options: Any) -> Any:
        raise NotImplementedError

    def validate(self, content: dict[str, Any]) -> Issues:
        """Check canonical content; returns the problems found (empty when valid)."""
        issues = Issues()
        if not content.get("stem"):
            issues.add("stem", "STEM_EMPTY", "the stem must not be empty", "题干不能为空")
        points = content.get("points")
        if not isinstance(points, int | float) or points <= 0:
            issues.add("points", "POINTS_NOT_POSITIVE", "points must be a positive number", "分值必须为正数")
        elif round(points * 100) != points * 100:
            issues.add("points", "POINTS_PRECISION", "points allow at most two decimals", "分值最多两位小数")
        if content.get("difficulty") not in (1, 2, 3, 4, 5):
            issues.add("difficulty", "DIFFICULTY_RANGE", "difficulty must be an integer from 1 to 5", "难度必须是1到5的整数")
        self.validate_options(content, issues)
        self.validate_extra(content, issues)
        return issues

    def validate_options(self, content: dict[str, Any], issues: Issues) -> None:
        if content.get("options"):
            issues.add("options", "OPTIONS_NOT_ALLOWED", f"a {self.label_en} item has no options",
                       f"{self.label_zh}题不能有选项")

    def validate_extra(self, content: dict[str, Any], issues: Issues) -> None:
        pass

    # ---- responses -------------------------------------------------------------------------------------
    def normalise_response(self, raw: Any, n_options: int) -> Any:
        """Canonical form of what a candidate answered; None for a blank answer.

        Raises ValueError for a response that cannot be an answer to this item."""
        raise NotImplementedError

    def score(self, content: dict[str, Any], response: Any, rule: dict[str, Any] | None = None) -> float | None:
        """Points earned for a canonical response; None when a human (or the scorer) must mark it."""
        raise NotImplementedError

    # ---- views -------------------------------------------------------------------------------------------
    def candidate_view(self, content: dict[str, Any]) -> dict[str, Any]:
        """What a candidate's page may show: never the key, explanation, rubric or references."""
        view: dict[str, Any] = {"type": self.code, "stem": content["stem"], "points": content["points"]}
        if self.has_options:
            view["options"] = [{"label": LETTERS[i], "text": t} for i, t in enumerate(content["options"])]
        return view

    def key_text(self, content: dict[str, Any]) -> str:
        """The key as staff read it (e.g. 'ABD', '对')."""
        return ""


def _number(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return value


def _int(value: Any) -> Any:
    try:
        f = float(str(value).strip())
    except (TypeError, ValueError):
        return value
    return int(f) if f.is_integer() else value
