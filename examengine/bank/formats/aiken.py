"""Aiken, Moodle's simplest text format: single-choice questions, one after another.

    Stem (one or more lines)
    A) option        also "A. option", "A)option", full-width "Ａ．option" and "A、option"
    B) option
    ANSWER: B        also "答案：B"

Read line by line as Moodle does: a line that is neither an option nor an ANSWER line starts a new question
once the current one has options, so one broken question never swallows the next. Text is kept as written
(Aiken has no markup, so `<b> &` stays literal).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from examengine.bank.formats.base import FormatReject, ImportEntry, decode_text, render_message
from examengine.bank.itemtypes import LETTERS, REGISTRY, get_type

_ANSWER_LINE = re.compile(r"(?:ANSWER|答案|正确答案)\s*:\s*(.*)", re.IGNORECASE)
_SEPARATORS = (".", ")", "、")                     # after NFKC, so "．" and "）" count too
_TRUTH = {"TRUE": True, "对": True, "正确": True, "FALSE": False, "错": False, "错误": False}

_MESSAGES: dict[str, tuple[str, str]] = {
    "OPTION_WITHOUT_STEM": ("an option line with no question stem before it", "选项前没有题干"),
    "ANSWER_WITHOUT_QUESTION": ("an ANSWER line with no question before it", "答案行之前没有试题"),
    "ANSWER_MISSING_NEXT": ("no ANSWER line before the next question starts on line {line}",
                            "缺少答案行（ANSWER:），第{line}行已开始下一题"),
    "ANSWER_MISSING_END": ("no ANSWER line before the end of the file", "文件结束前缺少答案行（ANSWER:）"),
    "TOO_FEW_OPTIONS": ("{count} option(s) before the ANSWER line on line {line}: at least 2 are needed",
                        "第{line}行答案之前只有{count}个选项，至少需要2个"),
    "TOO_MANY_OPTIONS": ("{count} options: at most {limit} are allowed", "共{count}个选项，最多允许{limit}个"),
    "OPTION_LABELS_OUT_OF_ORDER": ("option labels {labels} are not A, B, C... in order",
                                   "选项标号{labels}未按A、B、C……顺序排列"),
    "ANSWER_INVALID": ("the ANSWER line on line {line} does not name an option letter",
                       "第{line}行的答案不是选项字母"),
    "ANSWER_NOT_SINGLE": ("the ANSWER line on line {line} names several options; Aiken has single answers only",
                          "第{line}行的答案包含多个选项；Aiken格式只支持单选"),
    "ANSWER_NOT_AN_OPTION": ("answer {key} on line {line} is not one of the options", "第{line}行的答案{key}不在选项中"),
    "AIKEN_TYPE_UNSUPPORTED": ("Aiken holds single-choice and true/false items only; a {type_en} item is "
                               "skipped", "Aiken格式只能导出单选题和判断题，已跳过{type_zh}题"),
    "AIKEN_STEM_UNREADABLE": ("the stem is empty or would be read back as an option or ANSWER line",
                              "题干为空，或会被误读为选项行或答案行"),
}


_Reject = FormatReject


def _message(code: str, **detail: Any) -> tuple[str, str]:
    return render_message(_MESSAGES, code, **detail)


# ---- line shapes ----------------------------------------------------------------------------------------

def option_line(line: str) -> tuple[str, str] | None:
    """(label, text) for "A) text", "A. text", "A)text", "Ａ．text", "A、text"; None for any other line."""
    label = unicodedata.normalize("NFKC", line[:1])
    rest = line[1:].lstrip(" \t")
    if not ("A" <= label <= "Z") or unicodedata.normalize("NFKC", rest[:1]) not in _SEPARATORS or not rest:
        return None
    return label, rest[1:].strip()


def answer_line(line: str) -> str | None:
    """What follows "ANSWER:" / "答案：", or None when the line is not an answer line."""
    match = _ANSWER_LINE.match(unicodedata.normalize("NFKC", line))
    return match.group(1).strip() if match else None


def _truth(text: str) -> bool | None:
    return _TRUTH.get(unicodedata.normalize("NFKC", text).strip().rstrip("。.").upper())


def _answer_letters(value: str) -> str:
    text = unicodedata.normalize("NFKC", value).upper().rstrip("。.")
    for sep in (" ", ",", "、", ";", "，"):
        text = text.replace(sep, "")
    return text


# ---- import ---------------------------------------------------------------------------------------------

@dataclass
class _Pending:
    start: int
    stem: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)     # only the first few are kept
    option_count: int = 0
    gap: bool = False                 # a blank line after the stem: more text would be a new question


class _Reader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.entries: list[ImportEntry] = []
        self.current: _Pending | None = None
        self.orphan = False           # inside a run of option lines that had no stem

    def feed(self, number: int, line: str) -> None:
        if not line:
            if self.current and not self.current.option_count:
                self.current.gap = True
            return
        option = option_line(line)
        if option is not None:
            self._option(number, *option)
            return
        value = answer_line(line)
        if value is not None:
            self._answer(number, value)
        else:
            self._stem(number, line)

    def finish(self) -> None:
        if self.current is not None:
            self._reject(self.current.start, "ANSWER_MISSING_END")
            self.current = None

    def _stem(self, number: int, line: str) -> None:
        self.orphan = False
        current = self.current
        if current is not None and not current.option_count and not current.gap:
            current.stem.append(line)
            return
        if current is not None:
            self._reject(current.start, "ANSWER_MISSING_NEXT", line=number)
        self.current = _Pending(number, [line])

    def _option(self, number: int, label: str, text: str) -> None:
        if self.current is not None:
            self.current.option_count += 1
            if len(self.current.options) <= len(LETTERS):    # a hostile run of options costs no memory
                self.current.options.append((label, text))
        elif not self.orphan:            # one rejection for a whole run of stray options
            self._reject(number, "OPTION_WITHOUT_STEM")
            self.orphan = True

    def _answer(self, number: int, value: str) -> None:
        self.orphan = False
        current, self.current = self.current, None
        if current is None:
            self._reject(number, "ANSWER_WITHOUT_QUESTION")
            return
        entry = ImportEntry(f"line {current.start}", None)
        try:
            entry.data = _item(current, value, number)
        except _Reject as rejection:
            entry.reject(rejection.code, *_message(rejection.code, **rejection.detail))
        else:
            entry.data["source"] = f"Aiken {self.filename} line {current.start}".replace("  ", " ")
        self.entries.append(entry)

    def _reject(self, number: int, variant: str, **detail: Any) -> None:
        entry = ImportEntry(f"line {number}", None)
        code = "ANSWER_MISSING" if variant.startswith("ANSWER_MISSING") else variant
        entry.reject(code, *_message(variant, **detail))
        self.entries.append(entry)


def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    """One ImportEntry per question (or per stray line group); UnreadableFile only for an unreadable file."""
    reader = _Reader(filename)
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    for number, line in enumerate(text.split("\n"), 1):
        reader.feed(number, line.strip())
    reader.finish()
    return reader.entries


def _item(question: _Pending, value: str, line: int) -> dict[str, Any]:
    stem = "\n".join(question.stem)
    texts = [text for _, text in question.options]
    if not texts and _truth(value) is not None:
        return _data("truefalse", stem, [], _truth(value))     # a 判断题 written with "答案：对"
    if len(texts) < 2:
        raise _Reject("TOO_FEW_OPTIONS", count=len(texts), line=line)
    if question.option_count > len(LETTERS):
        raise _Reject("TOO_MANY_OPTIONS", count=question.option_count, limit=len(LETTERS))
    labels = "".join(label for label, _ in question.options)
    if labels != LETTERS[:len(labels)]:
        raise _Reject("OPTION_LABELS_OUT_OF_ORDER", labels=labels)
    letters = _answer_letters(value)
    if len(letters) > 1 and all(c in labels for c in letters):
        raise _Reject("ANSWER_NOT_SINGLE", line=line)
    if len(letters) != 1 or not ("A" <= letters <= "Z"):
        raise _Reject("ANSWER_INVALID", line=line)
    if letters not in labels:
        raise _Reject("ANSWER_NOT_AN_OPTION", key=letters, line=line)
    truths = [_truth(t) for t in texts]
    if len(texts) == 2 and set(truths) == {True, False}:
        return _data("truefalse", stem, [], truths[labels.index(letters)])
    return _data("single", stem, texts, letters)


def _data(kind: str, stem: str, options: list[str], key: Any) -> dict[str, Any]:
    return {"type": kind, "stem": stem, "options": options, "key": key, "explanation": "",
            "points": get_type(kind).default_points, "difficulty": 3, "tags": [], "category": "",
            "status": "active", "source": ""}


# ---- export ---------------------------------------------------------------------------------------------

def export(items: list[dict[str, Any]]) -> bytes:
    """Single-choice and true/false items as Aiken; see export_with_skipped for what is left out."""
    return export_with_skipped(items)[0]


def export_with_skipped(items: list[dict[str, Any]]) -> tuple[bytes, list[dict[str, Any]]]:
    """(UTF-8 Aiken text, skipped items) where each skipped entry says which item and why:
    {"index", "code", "type", "reason", "message", "message_zh"}. Explanations have no place in Aiken."""
    blocks: list[str] = []
    skipped: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        try:
            blocks.append(_export_item(item))
        except _Reject as problem:
            en, zh = _message(problem.code, **problem.detail)
            skipped.append({"index": index, "code": item.get("code"), "type": item.get("type"),
                            "reason": problem.code, "message": en, "message_zh": zh})
    data = ("\n\n".join(blocks) + "\n").encode("utf-8") if blocks else b""
    return data, skipped


def _export_item(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if kind == "single":
        options, key = [str(o) for o in item.get("options") or []], str(item.get("key"))
    elif kind == "truefalse":
        options, key = ["对", "错"], "A" if item.get("key") is True else "B"
    else:
        known = get_type(kind) if kind in REGISTRY else None
        raise _Reject("AIKEN_TYPE_UNSUPPORTED", type_en=known.label_en if known else kind,
                      type_zh=known.label_zh if known else kind)
    lines = _stem_lines(str(item.get("stem") or ""))
    lines += [f"{LETTERS[i]}) {' '.join(text.split())}" for i, text in enumerate(options)]
    lines.append(f"ANSWER: {key}")
    return "\n".join(lines)


def _stem_lines(stem: str) -> list[str]:
    """Non-empty stem lines; a line that would read as an option or ANSWER line joins the line before."""
    lines: list[str] = []
    for raw in stem.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = " ".join(raw.split())
        if not line:
            continue
        if option_line(line) is not None or answer_line(line) is not None:
            if not lines:
                raise _Reject("AIKEN_STEM_UNREADABLE")
            lines[-1] += " " + line
        else:
            lines.append(line)
    if not lines:
        raise _Reject("AIKEN_STEM_UNREADABLE")
    return lines
