"""GIFT, Moodle's plain-text question format: import to and export from the bank's canonical item shape.

A question is a block of lines ended by a blank line: an optional `::title::`, an optional format tag
([html], [moodle], [plain], [markdown]), the stem and one answer block `{...}`. `//` lines are comments and
`$CATEGORY: path` sets the category of the questions that follow.

Escaped specials (\\~ \\= \\# \\{ \\} \\:) are swapped for placeholder characters before anything else, so the
structure is found with plain forward searches; every step is one pass over its text, so parsing stays linear
even for hostile files (nested braces, huge lines, unclosed tags).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from examengine.bank.formats.base import FormatReject, ImportEntry, decode_text, render_message
from examengine.bank.itemtypes import LETTERS, get_type

# Unicode noncharacters are reserved for a program's internal use, so real text does not contain them.
_SPECIALS = "~=#{}:"
_PLACEHOLDER = {c: chr(0xFDD0 + i) for i, c in enumerate(_SPECIALS)}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})
_BACKSLASH = chr(0xFDD0 + len(_SPECIALS))       # an escaped backslash, while the others are replaced
_ALNUM = re.compile(r"[^\W_]")
_MAX_ANSWERS = 100                              # far beyond any real question; keeps hostile blocks cheap

_FORMAT_TAG = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.IGNORECASE)
_WEIGHT = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")
_CONTEXT = re.compile(r"\$[A-Za-z0-9_]+\$(/|$)")   # $course$/, $system$/, $module$/ ...
_TOP = re.compile(r"top(/|$)")                    # Moodle's hidden root category
_TRUE, _FALSE = {"T", "TRUE"}, {"F", "FALSE"}

_MESSAGES: dict[str, tuple[str, str]] = {
    # rejections
    "MATCHING_UNSUPPORTED": ("matching questions (->) are not supported", "不支持匹配题（->）"),
    "NUMERICAL_UNSUPPORTED": ("numerical questions ({{#...}}) are not supported", "不支持数值题（{{#...}}）"),
    "MISSING_WORD_UNSUPPORTED": ("missing-word questions (an answer block in mid-sentence) are not supported",
                                 "不支持句中填空式选择题（答案块位于句子中间）"),
    "MULTIPLE_ANSWER_BLOCKS": ("several answer blocks in one question: separate questions with a blank line "
                               "(embedded answers are not supported)",
                               "一道题中有多个答案块：题目之间须空一行（不支持嵌入式答案）"),
    "BRACES_UNBALANCED": ("unbalanced braces: a question has one {{...}} answer block; write a literal brace "
                          "as \\{{ or \\}}", "花括号不配对：每道题只有一个{{...}}答案块，文字中的花括号应写作\\{{或\\}}"),
    "NO_ANSWER_BLOCK": ("no answer block {{...}}: a description or plain text is not a question",
                        "没有答案块{{...}}：说明文字不是试题"),
    "TITLE_UNTERMINATED": ("the ::title:: is not closed with ::", "题目名称::…::缺少结尾的::"),
    "ANSWERS_UNRECOGNISED": ("the answer block is not a question type we recognise",
                             "无法识别答案块所表示的题型"),
    "NO_CORRECT_ANSWER": ("no answer is marked correct (= or a positive %weight%)",
                          "没有标记正确答案（=或正的%权重%）"),
    "TOO_MANY_OPTIONS": ("{count} options: at most {limit} are allowed", "共{count}个选项，最多允许{limit}个"),
    "TOO_MANY_ANSWERS": ("more than {limit} answers in one block", "一个答案块中的答案超过{limit}个"),
    "BAD_WEIGHT": ("answer weight {weight}% is outside -100..100", "答案权重{weight}%超出-100到100的范围"),
    # warnings
    "HTML_CONVERTED": ("HTML converted to plain text; formatting tags dropped{images_en}",
                       "HTML已转换为纯文本，格式标签已删除{images_zh}"),
    "FEEDBACK_LOST": ("{count} answer feedback text(s) dropped: the bank keeps only the general feedback, as the "
                      "explanation", "已丢弃{count}条答案反馈：题库只保留总体反馈（作为解析）"),
    "PARTIAL_CREDIT_LOST": ("partial-credit weights dropped ({detail_en}): the item is scored by its key only",
                            "部分得分权重已丢弃（{detail_zh}）：本题只按正确答案计分"),
    "WILDCARD_LOST": ("wildcard (*) answers are not supported: {detail_en}", "不支持通配符（*）答案：{detail_zh}"),
    "TRAILING_TEXT_DROPPED": ("text after the answer block dropped: “{text}”", "已删除答案块后的文字：“{text}”"),
    "SHORT_NEEDS_RUBRIC_ESSAY": ("an essay becomes a draft short-answer item: write its reference answers and "
                                 "rubric", "问答题已导入为简答题草稿：请补写参考答案和评分要点"),
    "SHORT_NEEDS_RUBRIC": ("the accepted answers became reference answers; the item stays a draft until its "
                           "rubric is written", "可接受的答案已作为参考答案；补写评分要点前本题保持草稿状态"),
}


_Reject = FormatReject


def _message(code: str, **detail: Any) -> tuple[str, str]:
    return render_message(_MESSAGES, code, **detail)


@dataclass
class _Notes:
    """What was lost while reading one question; turned into one warning per code."""

    html_dropped: bool = False
    images: int = 0
    feedback: int = 0
    partial: list[tuple[str, str]] = field(default_factory=list)      # (English, Chinese) descriptions
    wildcards: list[tuple[str, str]] = field(default_factory=list)
    trailing: str = ""
    short: str = ""                                                    # "", "essay" or "answers"

    def warn_into(self, entry: ImportEntry) -> None:
        if self.html_dropped:
            images_en = f", {self.images} image(s) lost" if self.images else ""
            images_zh = f"，{self.images}张图片丢失" if self.images else ""
            entry.warn("HTML_CONVERTED", *_message("HTML_CONVERTED", images_en=images_en, images_zh=images_zh))
        if self.feedback:
            entry.warn("FEEDBACK_LOST", *_message("FEEDBACK_LOST", count=self.feedback))
        if self.partial:
            entry.warn("PARTIAL_CREDIT_LOST", *_message(
                "PARTIAL_CREDIT_LOST", detail_en=", ".join(e for e, _ in self.partial),
                detail_zh="，".join(z for _, z in self.partial)))
        if self.wildcards:
            entry.warn("WILDCARD_LOST", *_message(
                "WILDCARD_LOST", detail_en="; ".join(e for e, _ in self.wildcards),
                detail_zh="；".join(z for _, z in self.wildcards)))
        if self.trailing:
            entry.warn("TRAILING_TEXT_DROPPED", *_message("TRAILING_TEXT_DROPPED", text=self.trailing))
        if self.short:
            variant = "SHORT_NEEDS_RUBRIC_ESSAY" if self.short == "essay" else "SHORT_NEEDS_RUBRIC"
            entry.warn("SHORT_NEEDS_RUBRIC", *_message(variant))


@dataclass
class _Answer:
    marker: str          # "~" or "="
    weight: float        # percent of the mark: "=" alone is 100, "~" alone is 0
    text: str
    feedback: str


# ---- import ---------------------------------------------------------------------------------------------

def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    """One ImportEntry per question block; UnreadableFile only when the file cannot be decoded at all."""
    text = decode_text(data).replace("\r\n", "\n").replace("\r", "\n")
    entries: list[ImportEntry] = []
    category = ""
    for lines in _blocks(text):
        first = lines[0][1].strip()
        if first[:10].upper() == "$CATEGORY:":
            category = _category_path(first[10:])
            lines = lines[1:]
            if not lines:
                continue
        entries.append(_entry(lines, category, filename))
    return entries


def _blocks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Blank-line separated blocks of (line number, line), comment lines left out."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if not stripped:
            if block:
                yield block
                block = []
        elif not stripped.startswith("//"):
            block.append((number, line))
    if block:
        yield block


def _category_path(raw: str) -> str:
    """'$course$/top/碳市场/配额' -> '碳市场/配额': the context and Moodle's 'top' mean nothing here."""
    path = raw.strip()
    match = _CONTEXT.match(path)
    path = path[match.end():] if match else path
    match = _TOP.match(path)
    return (path[match.end():] if match else path).strip("/").strip()


def _entry(lines: list[tuple[int, str]], category: str, filename: str) -> ImportEntry:
    number = lines[0][0]
    entry = ImportEntry(f"line {number}", None)
    notes = _Notes()
    try:
        data = _question("\n".join(line for _, line in lines), notes)
    except _Reject as rejection:
        entry.reject(rejection.code, *_message(rejection.code, **rejection.detail))
        return entry
    data.update(category=category, source=f"GIFT {filename} line {number}".replace("  ", " "))
    entry.data = data
    notes.warn_into(entry)
    return entry


def _question(raw: str, notes: _Notes) -> dict[str, Any]:
    text = _unescape(raw).strip()
    title = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end < 0:
            raise _Reject("TITLE_UNTERMINATED")
        title, text = _restore(text[2:end]).strip(), text[end + 2:]
    fmt, text = _split_format(text, "moodle")
    head, body, tail = _answer_block(text)
    tail_text = _plain(tail, fmt, None)
    if _ALNUM.search(tail_text):
        raise _Reject("MISSING_WORD_UNSUPPORTED")
    answers, _, general = body.partition("####")
    item = _read_answers(answers, fmt, notes)
    notes.trailing = tail_text
    explanation = _formatted(general, fmt, notes)
    kind = item["type"]
    data: dict[str, Any] = {
        "type": kind, "title": title, "stem": _plain(head, fmt, notes), "options": [], "key": None,
        "explanation": explanation, "points": get_type(kind).default_points, "difficulty": 3, "tags": [],
        "status": "draft" if kind == "short" else "active",
    }
    data.update(item)
    return data


def _unescape(raw: str) -> str:
    """Escapes -> placeholders (\\n -> newline, \\\\ -> backslash); str.replace keeps it linear and fast."""
    text = raw.replace("\\\\", _BACKSLASH)
    for c in _SPECIALS:
        text = text.replace("\\" + c, _PLACEHOLDER[c])
    return text.replace("\\n", "\n").replace(_BACKSLASH, "\\")


def _answer_block(text: str) -> tuple[str, str, str]:
    """(stem, answer block, text after it) with the braces checked."""
    start = text.find("{")
    if start < 0:
        raise _Reject("NO_ANSWER_BLOCK")
    end = text.find("}", start)
    if end < 0 or "{" in text[start + 1:end] or "}" in text[:start]:
        raise _Reject("BRACES_UNBALANCED")
    tail = text[end + 1:]
    if "{" in tail:
        raise _Reject("MULTIPLE_ANSWER_BLOCKS")
    if "}" in tail:
        raise _Reject("BRACES_UNBALANCED")
    return text[:start], text[start + 1:end], tail


def _split_format(text: str, default: str) -> tuple[str, str]:
    if not text.lstrip().startswith("["):
        return default, text
    match = _FORMAT_TAG.match(text)
    return (match.group(1).lower(), text[match.end():]) if match else (default, text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _plain(raw: str, fmt: str, notes: _Notes | None) -> str:
    """Placeholder text -> plain text: escapes restored and [html] converted (noting what was dropped)."""
    text = _restore(raw)
    if fmt == "html":
        text, dropped, images = html_to_text(text)
        if notes is not None and dropped:
            notes.html_dropped = True
            notes.images += images
    return text.strip()


def _formatted(raw: str, default: str, notes: _Notes | None) -> str:
    """Plain text of a part that may start with its own format tag (else it has the question's format)."""
    fmt, text = _split_format(raw, default)
    return _plain(text, fmt, notes)


def _read_answers(part: str, fmt: str, notes: _Notes) -> dict[str, Any]:
    """Type-specific fields (type, options, key, references, rubric) from the answers before `####`."""
    stripped = part.strip()
    if not stripped:
        notes.short = "essay"
        return {"type": "short", "references": [], "rubric": []}
    if stripped.startswith("#"):
        raise _Reject("NUMERICAL_UNSUPPORTED")
    token, _, feedback = stripped.partition("#")
    if token.strip().upper() in _TRUE | _FALSE:
        # T#feedback-if-wrong#feedback-if-right: both are per-answer feedback we cannot keep.
        notes.feedback += sum(1 for f in feedback.split("#") if _formatted(f, fmt, None))
        return {"type": "truefalse", "key": token.strip().upper() in _TRUE}
    if "~" in stripped:
        return _choice(_split_answers(stripped, fmt, notes), notes)
    if "->" in stripped:
        raise _Reject("MATCHING_UNSUPPORTED")
    if stripped.startswith("="):
        return _short(_split_answers(stripped, fmt, notes), notes)
    raise _Reject("ANSWERS_UNRECOGNISED")


def _split_answers(part: str, fmt: str, notes: _Notes) -> list[_Answer]:
    if part.count("~") + part.count("=") > _MAX_ANSWERS:
        raise _Reject("TOO_MANY_ANSWERS", limit=_MAX_ANSWERS)
    marks = [m.start() for m in re.finditer("[~=]", part)]
    if part[:marks[0]].strip():
        raise _Reject("ANSWERS_UNRECOGNISED")
    bounds = [*marks, len(part)]
    answers = [_answer(part[pos], part[pos + 1:bounds[i + 1]], fmt, notes) for i, pos in enumerate(marks)]
    notes.feedback += sum(1 for a in answers if a.feedback)
    return answers


def _answer(marker: str, body: str, fmt: str, notes: _Notes) -> _Answer:
    weight = 100.0 if marker == "=" else 0.0
    match = _WEIGHT.match(body)
    if match:
        weight, body = float(match.group(1)), body[match.end():]
        if not -100 <= weight <= 100:
            raise _Reject("BAD_WEIGHT", weight=match.group(1))
    text, _, feedback = body.partition("#")
    return _Answer(marker, weight, _formatted(text, fmt, notes), _formatted(feedback, fmt, None))


def _choice(answers: list[_Answer], notes: _Notes) -> dict[str, Any]:
    if len(answers) > len(LETTERS):
        raise _Reject("TOO_MANY_OPTIONS", count=len(answers), limit=len(LETTERS))
    positive = [i for i, a in enumerate(answers) if a.weight > 0]
    if not positive:
        raise _Reject("NO_CORRECT_ANSWER")
    full = [i for i in positive if answers[i].weight >= 100]
    options = [a.text for a in answers]
    if len(positive) == 1 or len(full) == 1:
        key = full[0] if full else positive[0]
        # Anything but 100 % for the key and 0 % for the rest is credit our single choice cannot give.
        notes.partial += [_weight_note(i, a.weight) for i, a in enumerate(answers)
                          if a.weight != (100 if i == key else 0)]
        return {"type": "single", "options": options, "key": LETTERS[key]}
    keys = full or positive
    weights = [answers[i].weight for i in keys]
    # Moodle's multiple response: equal key weights summing to 100 (or several "="), wrong options
    # negative. Our multi scores keys alike and gives nothing for a wrong choice, so that loses nothing.
    standard = max(weights) - min(weights) < 0.01 and (abs(sum(weights) - 100) < 0.1 or bool(full))
    notes.partial += [_weight_note(i, answers[i].weight) for i in positive
                      if i not in keys or not standard]
    return {"type": "multi", "options": options, "key": [LETTERS[i] for i in keys]}


def _weight_note(index: int, weight: float) -> tuple[str, str]:
    return f"{LETTERS[index]} {weight:g}%", f"{LETTERS[index]} {weight:g}%"


def _short(answers: list[_Answer], notes: _Notes) -> dict[str, Any]:
    kept: list[_Answer] = []
    for a in answers:
        if a.text and not a.text.strip("*"):
            notes.wildcards.append((f"catch-all “{a.text}” dropped", f"通配答案“{a.text}”已删除"))
            continue
        if "*" in a.text:
            notes.wildcards.append((f"“{a.text}” kept as plain text", f"“{a.text}”按普通文字保留"))
        kept.append(a)
    best = max((a.weight for a in kept), default=0.0)
    if best <= 0:
        raise _Reject("NO_CORRECT_ANSWER")
    notes.partial += [(f"“{a.text}” {a.weight:g}%", f"“{a.text}” {a.weight:g}%")
                      for a in kept if a.weight != best or best != 100]
    notes.short = "answers"
    return {"type": "short", "references": [a.text for a in kept if a.weight == best], "rubric": []}


# ---- HTML to text ---------------------------------------------------------------------------------------

_BREAKS = {"br", "/p", "/div", "/li", "/tr", "/blockquote", "/h1", "/h2", "/h3", "/h4", "/h5", "/h6"}
_CONVERTED = {"br", "p", "/p"}                       # become line breaks: nothing is lost
_TAG_NAME = re.compile(r"/?[A-Za-z0-9]*")
_SKIP_CONTENT = {"script": re.compile(r"</script", re.IGNORECASE), "style": re.compile(r"</style", re.IGNORECASE)}
_SPACES = re.compile(r"\s+")


def html_to_text(source: str) -> tuple[str, bool, int]:
    """(plain text, whether tags other than <p>/<br> were dropped, images dropped).

    Entities are unescaped, whitespace collapses as a browser would, <br> and </p> end lines. A `<` that
    does not start a tag is text; one forward pass, so an unclosed `<` cannot make it quadratic."""
    parts: list[str] = []
    dropped, images, i, n = False, 0, 0, len(source)
    while i < n:
        j = source.find("<", i)
        if j < 0:
            parts.append(_SPACES.sub(" ", source[i:]))
            break
        parts.append(_SPACES.sub(" ", source[i:j]))
        following = source[j + 1:j + 2]
        if not (following.isalpha() or following in ("/", "!", "?")):
            parts.append("<")
            i = j + 1
            continue
        closer = "-->" if source.startswith("<!--", j) else ">"
        k = source.find(closer, j + 1)
        if k < 0:
            parts.append(_SPACES.sub(" ", source[j:]) if closer == ">" else "")
            break
        i = k + len(closer)
        if closer == "-->":
            continue
        name = _TAG_NAME.match(source, j + 1).group().lower()  # type: ignore[union-attr]
        parts.append("\n" if name in _BREAKS else "")
        dropped = dropped or name not in _CONVERTED
        images += int(name == "img")
        if name in _SKIP_CONTENT:
            end = _SKIP_CONTENT[name].search(source, i)
            i = end.start() if end else n
    text = html.unescape("".join(parts)).replace("\xa0", " ")
    return _tidy_lines(text), dropped, images


def _tidy_lines(text: str) -> str:
    """Collapse spaces in each line, keep at most one empty line in a row, trim empty ends."""
    lines: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if line or (lines and lines[-1]):
            lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines)


# ---- export ---------------------------------------------------------------------------------------------

def export(items: list[dict[str, Any]]) -> bytes:
    """Our items as GIFT (UTF-8). Short answers with references export as `{=ref ...}`, without as essays."""
    blocks: list[str] = []
    category: str | None = None
    for item in items:
        item_category = " ".join(str(item.get("category") or "").split())
        if item_category != (category or ""):
            # Moodle files categories under its hidden 'top'; '$course$/top' alone is the default category.
            blocks.append("$CATEGORY: $course$/top" + (f"/{item_category}" if item_category else ""))
        category = item_category
        blocks.append(_export_item(item))
    return ("\n\n".join(blocks) + "\n").encode("utf-8") if blocks else b""


def _export_item(item: dict[str, Any]) -> str:
    kind = item.get("type")
    title = item.get("code") or item.get("title")
    head = f"::{_escape(str(title))}::" if title else ""
    lines = [head + _safe_start(_escape(str(item.get("stem") or ""))) + "{"]
    lines += [f"\t{line}" for line in _export_answers(kind, item)]
    if item.get("explanation"):
        lines.append("\t####" + _safe_start(_escape(str(item["explanation"]))))
    if len(lines) == 1:
        return lines[0] + "}"
    return "\n".join(lines) + "\n}"


def _export_answers(kind: Any, item: dict[str, Any]) -> list[str]:
    options = [str(o) for o in item.get("options") or []]
    key = item.get("key")
    if kind == "single":
        return [_marked(LETTERS[i] == key, o) for i, o in enumerate(options)]
    if kind == "multi":
        keys = set(key or [])
        weight = f"{100 / max(len(keys), 1):.5f}".rstrip("0").rstrip(".")
        return [f"~%{weight if LETTERS[i] in keys else '-100'}%{_option_text(o)}" for i, o in enumerate(options)]
    if kind == "truefalse":
        return ["T" if key is True else "F"]
    if kind == "short":
        return [_marked(True, str(r)) for r in item.get("references") or [] if str(r).strip()]
    raise ValueError(f"cannot export item type {kind!r} as GIFT")


def _marked(correct: bool, text: str) -> str:
    """`=text` or `~text`; text starting with % gets an explicit weight so it is not read as one."""
    marker = "=" if correct else "~"
    if text.strip().startswith("%"):
        marker += "%100%" if correct else "%0%"
    return marker + _option_text(text)


def _option_text(text: str) -> str:
    return _safe_start(_escape(text))


def _escape(text: str) -> str:
    """Backslash-escape GIFT's specials; newlines become \\n so a question stays one block."""
    text = text.strip().replace("\r\n", "\n").replace("\r", "\n").replace("\\", "\\\\")
    for c in _SPECIALS:
        text = text.replace(c, "\\" + c)
    return text.replace("\n", "\\n")


def _safe_start(text: str) -> str:
    """Text that would read as a format tag or a comment gets an explicit [plain] tag in front."""
    return "[plain]" + text if _FORMAT_TAG.match(text) or text.startswith("//") else text
