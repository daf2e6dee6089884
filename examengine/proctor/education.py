"""Education levels as registration forms and eligibility rules name them (pure).

One ordered scale, so that a rule says "bachelor or above" and a sheet may say 本科, 大学本科 or bachelor."""

from __future__ import annotations

import unicodedata

# (code, rank, Chinese label, English label). Equal ranks are alternatives at the same stage.
LEVELS: tuple[tuple[str, int, str, str], ...] = (
    ("junior_high", 1, "初中", "Junior high school"),
    ("high_school", 2, "高中", "Senior high school"),
    ("secondary_vocational", 2, "中专/中职/技校", "Secondary vocational school"),
    ("associate", 3, "大专", "Associate degree (college)"),
    ("bachelor", 4, "本科", "Bachelor's degree"),
    ("master", 5, "硕士研究生", "Master's degree"),
    ("doctor", 6, "博士研究生", "Doctorate"),
)
RANK = {code: rank for code, rank, _, _ in LEVELS}
LABEL_ZH = {code: zh for code, _, zh, _ in LEVELS}
LABEL_EN = {code: en for code, _, _, en in LEVELS}

# What sheets actually say, beyond the codes and the labels above.
_ALIASES = {
    "初中": "junior_high", "初中及以下": "junior_high",
    "高中": "high_school", "普通高中": "high_school",
    "中专": "secondary_vocational", "中职": "secondary_vocational", "技校": "secondary_vocational",
    "职高": "secondary_vocational", "中等职业教育": "secondary_vocational", "中专/中职/技校": "secondary_vocational",
    "大专": "associate", "专科": "associate", "高职": "associate", "大学专科": "associate",
    "本科": "bachelor", "大学本科": "bachelor", "学士": "bachelor",
    "硕士": "master", "研究生": "master", "硕士研究生": "master",
    "博士": "doctor", "博士研究生": "doctor",
    "college": "associate", "undergraduate": "bachelor", "phd": "doctor",
}


def parse_education(raw: object) -> str | None:
    """The code for what a form says (code, Chinese or English label, common alias); None if unknown."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        return None
    if text in RANK:
        return text
    low = text.lower()
    for code, _, zh, en in LEVELS:
        if text == zh or low == en.lower():
            return code
    return _ALIASES.get(text) or _ALIASES.get(low)


def at_least(education: str | None, minimum: str) -> bool:
    """True when `education` is `minimum` or above on the scale (unknown education never qualifies)."""
    return education in RANK and RANK[education] >= RANK[minimum]
