"""Resident identity card numbers (GB 11643-1999): check digit, birth date, sex (pure).

Training bases submit candidates in batches; a mistyped ID number must be caught at registration, with the
reason, not at the exam hall door."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"  # ISO 7064 MOD 11-2: remainder -> check character
# Province-level codes of the first two digits (including 71 Taiwan, 81 Hong Kong, 82 Macao).
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82})


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: date
    sex: str  # "M" | "F"


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str, message_zh: str) -> None:
        super().__init__(message)
        self.code, self.message, self.message_zh = code, message, message_zh


def check_digit(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS, strict=True)) % 11]


def parse_id_number(raw: str, today: date | None = None) -> IdNumber:
    """The normalised 18-character number with its birth date and sex; IdNumberError says what is wrong."""
    s = unicodedata.normalize("NFKC", str(raw or "")).strip().upper().replace(" ", "")
    if len(s) != 18:
        raise IdNumberError("ID_LENGTH", f"an ID number has 18 characters, this one {len(s)}",
                            f"身份证号应为18位，实际{len(s)}位")
    if not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        raise IdNumberError("ID_CHARACTERS", "17 digits and a final digit or X expected",
                            "身份证号应为17位数字加1位数字或X")
    if int(s[:2]) not in PROVINCES:
        raise IdNumberError("ID_REGION", f"{s[:2]} is not a province code", f"{s[:2]}不是有效的省级行政区划代码")
    try:
        born = date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        raise IdNumberError("ID_BIRTH_DATE", f"{s[6:14]} is not a date", f"出生日期{s[6:14]}无效") from None
    today = today or date.today()
    if born.year < 1900 or born > today:
        raise IdNumberError("ID_BIRTH_DATE", f"birth date {born.isoformat()} is impossible",
                            f"出生日期{born.isoformat()}不合理")
    expected = check_digit(s[:17])
    if s[17] != expected:
        raise IdNumberError("ID_CHECK_DIGIT", f"check digit should be {expected}, not {s[17]}",
                            f"校验码应为{expected}，实际为{s[17]}")
    return IdNumber(s, born, "M" if int(s[16]) % 2 else "F")
