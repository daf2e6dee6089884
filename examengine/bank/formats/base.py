"""What every import/export format shares (pure: no Flask, no SQLAlchemy).

A parser turns a file's bytes into ImportEntry objects, one per question found, each with its location in the
file, its outcome and the item data in the bank's canonical shape (the shape `bank.content.check_item` takes):

    {"type": "single"|"truefalse"|"multi"|"short", "stem": str, "options": [str, ...], "key": ...,
     "explanation": str, "points": float, "difficulty": int (1-5, default 3), "tags": [str],
     "category": str (the other system's category path or 知识点/模块 text, mapped to a module later),
     "references": [str] (short), "rubric": [] (short), "status": "active"|"draft", "source": str}

Keys: single "B"; multi ["A", "C"]; truefalse True/False; short None. Only a file that cannot be read at all
(bad encoding, malformed XML, missing header row, hostile archive) raises UnreadableFile; a bad question gives
a rejected entry and parsing goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

IMPORTED, WARNING, REJECTED = "imported", "warning", "rejected"

MAX_FILE_BYTES = 20 * 1024 * 1024       # any single uploaded file
MAX_ARCHIVE_MEMBERS = 2000              # IMS content packages
MAX_UNPACKED_BYTES = 50 * 1024 * 1024   # total uncompressed size of an archive


@dataclass(frozen=True)
class Message:
    """A stable code with an English and a Chinese message."""

    code: str
    message: str
    message_zh: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_zh": self.message_zh}


@dataclass
class ImportEntry:
    location: str                     # "row 5", "line 12", "question 3", "item.xml"
    data: dict[str, Any] | None       # None when rejected before an item could be formed
    messages: list[Message] = field(default_factory=list)
    rejected: bool = False

    @property
    def outcome(self) -> str:
        if self.rejected:
            return REJECTED
        return WARNING if self.messages else IMPORTED

    def warn(self, code: str, message: str, message_zh: str) -> None:
        self.messages.append(Message(code, message, message_zh))

    def reject(self, code: str, message: str, message_zh: str) -> None:
        self.messages.append(Message(code, message, message_zh))
        self.rejected = True


class UnreadableFile(Exception):
    """The whole file cannot be read; nothing in it is imported."""

    def __init__(self, code: str, message: str, message_zh: str, location: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.message_zh, self.location = code, message, message_zh, location


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), then GB18030 (which covers GBK/GB2312, common in Chinese exports)."""
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("FILE_TOO_LARGE", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB",
                             f"文件超过{MAX_FILE_BYTES // 2**20} MB")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("BAD_ENCODING", "the file is neither UTF-8 nor GB18030 text", "文件编码无法识别（应为UTF-8或GBK）")


class FormatReject(Exception):
    """Raised inside a parser for one question; the parser turns it into a rejected entry."""

    def __init__(self, code: str, **detail: Any) -> None:
        super().__init__(code)
        self.code, self.detail = code, detail


def render_message(table: dict[str, tuple[str, str]], code: str, **detail: Any) -> tuple[str, str]:
    """English and Chinese text of `code` from a format's message table, filled with `detail`."""
    en, zh = table[code]
    return en.format(**detail), zh.format(**detail)
