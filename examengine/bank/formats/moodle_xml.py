"""Moodle XML import and export (pure: no Flask, no SQLAlchemy).

Import maps Moodle's multichoice, truefalse, shortanswer and essay questions to the bank's canonical shape
and rejects the other types with a stable code. Locations are "question N", N counting only real questions
(category records are not counted), so question 3 is the third question a Moodle user sees in the file;
messages also name the question by its <name>.

Moodle refuses a whole file when one question has a grade outside its list (question/format.php,
`match_grade_options` in 'error' mode); we reject that question (INVALID_FRACTION) and import the others,
so one bad grade costs one question, not the file.

`load_xml`, `PlainText` and the tag sets are shared with the QTI module: one hardened XML loader and one
HTML-to-text layout for every XML format.
"""

from __future__ import annotations

import codecs
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import Element, ParseError

import defusedxml
import defusedxml.ElementTree as SafeET

from examengine.bank.formats.base import MAX_FILE_BYTES, ImportEntry, UnreadableFile, decode_text
from examengine.bank.itemtypes.base import LETTERS, clean_text

# Moodle's grade list (question_bank::fraction_options_full), in percent; anything else is an invalid grade.
_POSITIVE = (100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333, 30.0, 25.0, 20.0,
             16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0)
ALLOWED_FRACTIONS = (0.0, *_POSITIVE, *(-f for f in _POSITIVE))
_TOLERANCE = 0.001  # Moodle compares fractions (0..1) within 0.00001, i.e. 0.001 in percent

UNSUPPORTED_TYPES = {
    "cloze": "CLOZE_UNSUPPORTED", "multianswer": "CLOZE_UNSUPPORTED",
    "matching": "MATCHING_UNSUPPORTED", "match": "MATCHING_UNSUPPORTED",
    "randomsamatch": "MATCHING_UNSUPPORTED", "ddmatch": "MATCHING_UNSUPPORTED",
    "numerical": "NUMERICAL_UNSUPPORTED", "calculated": "NUMERICAL_UNSUPPORTED",
    "calculatedsimple": "NUMERICAL_UNSUPPORTED", "calculatedmulti": "NUMERICAL_UNSUPPORTED",
}
_UNSUPPORTED_ZH = {"CLOZE_UNSUPPORTED": "完形填空（cloze）", "MATCHING_UNSUPPORTED": "匹配题",
                   "NUMERICAL_UNSUPPORTED": "数值/计算题", "TYPE_UNSUPPORTED": "该题型"}
_FEEDBACK_ZH = {"answer feedback": "答案反馈", "combined feedback": "整体反馈", "hints": "提示"}


# ---- shared XML and text helpers ---------------------------------------------------------------------------

_XML_DECL = re.compile(rb"""\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _xml_text(data: bytes) -> str:
    """Decode as the XML declaration says, falling back to UTF-8/GB18030 (Chinese tools mislabel GBK files).

    Expat cannot read multi-byte legacy encodings such as GBK from bytes, so it is always handed text."""
    if len(data) > MAX_FILE_BYTES:
        return decode_text(data)  # raises FILE_TOO_LARGE
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    declared = _XML_DECL.match(data.removeprefix(codecs.BOM_UTF8))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        try:
            return data.decode(declared.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_text(data)


def load_xml(data: bytes) -> Element:
    """Parse with defusedxml: any entity declaration (billion laughs, external entities) is refused."""
    text = _xml_text(data)
    try:
        return SafeET.fromstring(text, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except defusedxml.DefusedXmlException as exc:
        raise UnreadableFile("XML_UNSAFE",
                             f"the XML declares entities or external references ({type(exc).__name__})",
                             "XML文件包含实体声明或外部引用，出于安全原因拒绝读取") from exc
    except ParseError as exc:
        line, column = exc.position
        raise UnreadableFile("XML_MALFORMED",
                             f"the XML is not well-formed at line {line}, column {column + 1}",
                             f"XML格式错误：第{line}行第{column + 1}列", location=f"line {line}") from exc


def local(tag: Any) -> str:
    """Tag name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class PlainText:
    """Text laid out as a browser would: spaces collapse, a block starts a new line unless one has just
    started, <br> always breaks one. Built line by line, so it stays linear on hostile input."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._line: list[str] = []
        self._filled = False  # the current line has more than spaces

    def data(self, text: str) -> None:
        if text:
            collapsed = re.sub(r"[ \t\r\n\f]+", " ", text)
            self._line.append(collapsed)
            self._filled = self._filled or bool(collapsed.strip(" "))

    def block(self) -> None:
        if self._filled:
            self.br()

    def br(self) -> None:
        self._lines.append("".join(self._line))
        self._line = []
        self._filled = False

    def text(self) -> str:
        lines = [re.sub(" {2,}", " ", line).strip(" ").replace("\xa0", " ")
                 for line in [*self._lines, "".join(self._line)]]
        return clean_text("\n".join(lines))


SIMPLE_TAGS = frozenset({"p", "br", "div", "blockquote"})  # layout only: a line break loses nothing
BLOCK_TAGS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "dl", "dt", "dd", "tr", "table", "pre",
                        "hr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "header", "footer",
                        "figure", "figcaption", "address", "caption"})
MEDIA_TAGS = frozenset({"img", "object", "embed", "video", "audio", "iframe", "svg"})


def media_name(tag: str, source: str | None, alt: str | None) -> str:
    """A dropped image as a warning names it: its file and its alt text (which may be what the item needs)."""
    name = source or tag
    return f"{name} (alt: {clean_text(alt)})" if clean_text(alt) else name


_TAG_NAME = re.compile(r"/?([A-Za-z][A-Za-z0-9]*)")
_ATTRIBUTE_NAME = re.compile(r"\s*([^\s=\"'>/]+)")
_EQUALS = re.compile(r"\s*=\s*")
_UNQUOTED = re.compile(r"[^\s>]*")
_HIDDEN_END = {tag: re.compile(f"</{tag}", re.IGNORECASE) for tag in ("script", "style")}


@dataclass
class _HtmlText:
    out: PlainText = field(default_factory=PlainText)
    dropped: set[str] = field(default_factory=set)
    media: list[str] = field(default_factory=list)

    def tag(self, name: str, closing: bool, attributes: str) -> None:
        if name in MEDIA_TAGS:
            if not closing:
                found = _attributes(attributes)
                source = found.get("src") or found.get("data")
                self.media.append(media_name(name, source and html.unescape(source),
                                             html.unescape(found.get("alt") or "")))
            return
        if name not in SIMPLE_TAGS:
            self.dropped.add(name)
        if name == "br":
            self.out.br()
        elif name in BLOCK_TAGS:
            self.out.block()
        elif name in ("td", "th") and not closing:
            self.out.data(" ")


def _attributes(text: str) -> dict[str, str]:
    """Attribute values of one tag, in a single forward pass (a regex over hostile attributes backtracks)."""
    found: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        name = _ATTRIBUTE_NAME.match(text, i)
        if name is None:
            i += 1
            continue
        i = name.end()
        equals = _EQUALS.match(text, i)
        if equals is None:
            continue  # a boolean attribute
        i = equals.end()
        if i < n and text[i] in "\"'":
            close = text.find(text[i], i + 1)
            end = n if close < 0 else close
            value, i = text[i + 1:end], end + 1
        else:
            unquoted = _UNQUOTED.match(text, i)
            value, i = unquoted.group(), unquoted.end()  # type: ignore[union-attr]
        found.setdefault(name.group(1).lower(), value)
    return found


def html_to_text(source: str) -> tuple[str, set[str], list[str]]:
    """Plain text, the tags whose meaning was dropped, and the images/media removed.

    One forward pass with str.find (html.parser is quadratic on some hostile input, e.g. '<a <a <a ...')."""
    result = _HtmlText()
    i, n = 0, len(source)
    while i < n:
        j = source.find("<", i)
        result.out.data(html.unescape(source[i:j if j >= 0 else n]))
        if j < 0:
            break
        if source.startswith("<!--", j):
            end = source.find("-->", j + 4)
            i = n if end < 0 else end + 3
            continue
        name = _TAG_NAME.match(source, j + 1)
        if name is None and not source.startswith(("<!", "<?"), j):
            result.out.data("<")  # 'x < 2': a bare '<' is text
            i = j + 1
            continue
        end = source.find(">", j + 1)
        if end < 0:  # an unclosed tag swallows the rest, as in a browser
            break
        i = end + 1
        if name is None:  # <!DOCTYPE ...>, <?xml ...?>
            continue
        tag = name.group(1).lower()
        closing = source[j + 1] == "/"
        result.tag(tag, closing, source[name.end():end])
        if tag in _HIDDEN_END and not closing:
            result.dropped.add(tag)
            hidden_end = _HIDDEN_END[tag].search(source, i)
            i = n if hidden_end is None else hidden_end.start()
    return result.out.text(), result.dropped, result.media


# ---- import ------------------------------------------------------------------------------------------------

@dataclass
class _Answer:
    text: str
    raw_fraction: str
    fraction: float | None
    has_feedback: bool


@dataclass
class _Reading:
    """One question being read: its entry and what the conversion loses, reported once at the end."""

    entry: ImportEntry
    name: str
    dropped: set[str] = field(default_factory=set)
    media: list[str] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    def text(self, parent: Element | None, record: bool = True) -> str:
        """Plain text of parent/<text>, converted from parent's format."""
        if parent is None:
            return ""
        node = parent.find("text")
        raw = "".join(node.itertext()) if node is not None else ""
        if node is not None and len(node) and record:
            self.dropped.add("unescaped XHTML")
        fmt = parent.get("format", "html")
        if fmt in ("plain_text", "markdown"):
            return clean_text(raw)
        if fmt == "moodle_auto_format":  # Moodle's own format: HTML allowed, newlines are line breaks
            raw = raw.replace("\r\n", "\n").replace("\n", "<br>")
        text, dropped, media = html_to_text(raw)
        if record:
            self.dropped |= dropped
            self.media += media
        return text

    def lose_feedback(self, kind: str) -> None:
        if kind not in self.feedback:
            self.feedback.append(kind)

    def reject(self, code: str, message: str, message_zh: str) -> None:
        self.entry.reject(code, f"“{self.name}”: {message}", f"“{self.name}”：{message_zh}")
        self.entry.data = None

    def warn(self, code: str, message: str, message_zh: str) -> None:
        if not any(m.code == code for m in self.entry.messages):
            self.entry.warn(code, f"“{self.name}”: {message}", f"“{self.name}”：{message_zh}")

    def report_losses(self) -> None:
        if self.feedback:
            self.warn("FEEDBACK_LOST", f"not imported: {', '.join(self.feedback)}",
                      f"未导入：{'、'.join(_FEEDBACK_ZH[k] for k in self.feedback)}")
        if self.dropped:
            tags = ", ".join(sorted(self.dropped))
            self.warn("HTML_CONVERTED", f"formatting converted to plain text (dropped: {tags})",
                      f"HTML格式已转为纯文本（丢弃：{tags}）")
        if self.media:
            shown = ", ".join(self.media[:3]) + (" ..." if len(self.media) > 3 else "")
            self.warn("IMAGE_LOST", f"{len(self.media)} image(s)/media dropped: {shown}",
                      f"已丢弃{len(self.media)}个图片/媒体：{shown}")


def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    """One entry per question (category records set the category of the questions after them).

    data["title"] is the question's <name>; data["source"] says where the item came from, as the other
    importers do ("Moodle XML quiz.xml question 3")."""
    root = load_xml(data)
    if local(root.tag) != "quiz":
        raise UnreadableFile("NOT_MOODLE_XML", f"the root element is <{local(root.tag)}>, not <quiz>",
                             f"根元素是<{local(root.tag)}>而不是<quiz>，不是Moodle XML文件")
    entries: list[ImportEntry] = []
    category = ""
    for question in root.findall("question"):
        qtype = question.get("type", "")
        if qtype == "category":
            category = _category_path(question)
            continue
        entry = ImportEntry(f"question {len(entries) + 1}", None)
        _read_question(question, qtype, category, entry)
        if entry.data is not None:
            entry.data["source"] = " ".join(["Moodle XML", filename, entry.location]).replace("  ", " ")
        entries.append(entry)
    return entries


def _category_path(question: Element) -> str:
    """'$course$/top/碳市场/配额' -> '碳市场/配额': the context and Moodle's hidden 'top' mean nothing here."""
    node = question.find("category/text")
    path = clean_text("".join(node.itertext()) if node is not None else "")
    path = re.sub(r"^\$[a-z]+\$(/|$)", "", path)
    return re.sub(r"^top(/|$)", "", path)


def _read_question(question: Element, qtype: str, category: str, entry: ImportEntry) -> None:
    name_node = question.find("name/text")
    # Moodle keeps names as plain text (PARAM_TEXT strips tags); so do the messages.
    name = html_to_text("".join(name_node.itertext()) if name_node is not None else "")[0] or qtype or "?"
    reading = _Reading(entry, name)
    reader = _READERS.get(qtype)
    if reader is None:
        code = UNSUPPORTED_TYPES.get(qtype, "TYPE_UNSUPPORTED")
        reading.reject(code, f"Moodle question type '{qtype}' is not supported",
                       f"不支持Moodle题型“{qtype}”（{_UNSUPPORTED_ZH[code]}）")
        return
    data = reader(question, reading)
    if data is None:
        return
    data.update(_common(question, reading, category), title=name)
    if "explanation" not in data:
        data["explanation"] = reading.text(question.find("generalfeedback"))
    entry.data = data
    if any(reading.text(hint, record=False) for hint in question.findall("hint")):
        reading.lose_feedback("hints")
    reading.report_losses()


def _common(question: Element, reading: _Reading, category: str) -> dict[str, Any]:
    tags = [clean_text("".join(t.itertext())) for t in question.findall("tags/tag/text")]
    return {
        "stem": reading.text(question.find("questiontext")),
        "points": _number(question.findtext("defaultgrade"), 1.0),  # Moodle's default mark is 1
        "difficulty": 3,
        "tags": [t for t in tags if t],
        "category": category,
    }


def _number(raw: str | None, default: float) -> float:
    try:
        return float(raw) if raw is not None and raw.strip() else default
    except ValueError:
        return default


def _answers(question: Element, reading: _Reading, plain: bool = False) -> list[_Answer]:
    """The question's answers with their fractions; answers with empty text are skipped, as Moodle does."""
    out = []
    for node in question.findall("answer"):
        if plain:  # true/false words and short-answer strings are plain text whatever the format says
            text_node = node.find("text")
            text = clean_text("".join(text_node.itertext()) if text_node is not None else "")
        else:
            text = reading.text(node)
        raw = (node.get("fraction") or "0").strip()
        try:
            fraction: float | None = float(raw)
        except ValueError:
            fraction = None
        if text:
            out.append(_Answer(text, raw, fraction, bool(reading.text(node.find("feedback"), record=False))))
    if any(a.has_feedback for a in out):
        reading.lose_feedback("answer feedback")
    return out


def _is(value: float | None, target: float) -> bool:
    return value is not None and abs(value - target) < _TOLERANCE


def _check_fractions(answers: list[_Answer], reading: _Reading) -> bool:
    bad = [a.raw_fraction for a in answers if not any(_is(a.fraction, g) for g in ALLOWED_FRACTIONS)]
    if bad:
        reading.reject("INVALID_FRACTION",
                       f"grade(s) {', '.join(bad)} are not among the grades Moodle allows "
                       "(e.g. 33.33333, not 33); Moodle refuses this question too",
                       f"得分比例{'、'.join(bad)}不在Moodle允许的取值中（如应为33.33333而非33），Moodle同样拒绝导入")
    return not bad


def _flag(question: Element, tag: str, default: bool) -> bool:
    raw = (question.findtext(tag) or "").strip().lower()
    return default if not raw else raw in ("true", "1", "yes")


def _multichoice(question: Element, reading: _Reading) -> dict[str, Any] | None:
    answers = _answers(question, reading)
    if not _check_fractions(answers, reading):
        return None
    if len(answers) > len(LETTERS):
        reading.reject("TOO_MANY_OPTIONS", f"{len(answers)} options: at most {len(LETTERS)} are allowed",
                       f"共{len(answers)}个选项，最多允许{len(LETTERS)}个")
        return None
    fractions = [a.fraction or 0.0 for a in answers]
    single = _flag(question, "single", default=True)  # Moodle's import default
    key = _single_key(fractions, reading) if single else _multi_key(fractions, reading)
    if key is None:
        return None
    combined = ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback")
    if any(reading.text(node, record=False) for tag in combined for node in question.findall(tag)):
        reading.lose_feedback("combined feedback")
    return {"type": "single" if single else "multi", "options": [a.text for a in answers], "key": key,
            "status": "active"}


def _single_key(fractions: list[float], reading: _Reading) -> str | None:
    full = [i for i, f in enumerate(fractions) if _is(f, 100)]
    if len(full) != 1:
        reading.reject("NO_CORRECT_ANSWER" if not full else "SEVERAL_CORRECT_ANSWERS",
                       f"a single-answer question needs exactly one answer at 100%, it has {len(full)}",
                       f"单选题必须恰有一个100%的选项，实际有{len(full)}个")
        return None
    if any(not _is(f, 0) for i, f in enumerate(fractions) if i != full[0]):
        _partial_lost(reading)
    return LETTERS[full[0]]


def _multi_key(fractions: list[float], reading: _Reading) -> list[str] | None:
    keys = [i for i, f in enumerate(fractions) if f > 0]
    total = round(sum(fractions[i] for i in keys) / 100, 2)  # Moodle's own check (errfractionsaddwrong)
    if not keys or total != 1:
        reading.reject("FRACTION_SUM",
                       f"the positive grades add up to {total * 100:g}%, Moodle requires 100%",
                       f"正分值之和为{total * 100:g}%，Moodle要求为100%")
        return None
    if not _is_our_multi(fractions, len(keys)):
        _partial_lost(reading)
    return [LETTERS[i] for i in keys]


def _is_our_multi(fractions: list[float], n_keys: int) -> bool:
    """Equal shares for the keys and -100/n on each of the n wrong options: what `export` writes, graded
    by Moodle much as our own multi rules. Other grading (e.g. 0 on wrong options) is credit we lose."""
    wrong = [f for f in fractions if f <= 0]
    return all(_is(f, allowed_fraction(100 / n_keys)) for f in fractions if f > 0) and all(
        _is(f, -allowed_fraction(100 / len(wrong))) for f in wrong)


def allowed_fraction(percent: float) -> float:
    """The Moodle grade nearest to `percent` (>= 0)."""
    return min((*_POSITIVE, 0.0), key=lambda g: abs(g - percent))


def _partial_lost(reading: _Reading) -> None:
    reading.warn("PARTIAL_CREDIT_LOST",
                 "partial or negative grades are not kept; the section's scoring rule applies",
                 "部分得分或负分设置未保留，按试卷大题的计分规则评分")


def _truefalse(question: Element, reading: _Reading) -> dict[str, Any] | None:
    answers = _answers(question, reading, plain=True)
    key: bool | None = None
    for position, answer in enumerate(answers):
        word = answer.text.lower()
        # As Moodle: an old file without the words true/false lists the true answer first.
        is_true = word == "true" if word in ("true", "false") else position == 0
        if _is(answer.fraction, 100):
            key = is_true
    if key is None:
        reading.reject("NO_CORRECT_ANSWER", "neither 'true' nor 'false' has a grade of 100%",
                       "“对”与“错”均未设为100%")
        return None
    return {"type": "truefalse", "options": [], "key": key, "status": "active"}


def _essay(question: Element, reading: _Reading) -> dict[str, Any] | None:
    notes = [reading.text(question.find("graderinfo")), reading.text(question.find("generalfeedback"))]
    _needs_rubric(reading)
    return {"type": "short", "options": [], "key": None, "references": [], "rubric": [], "status": "draft",
            "explanation": "\n\n".join(n for n in notes if n)}


def _shortanswer(question: Element, reading: _Reading) -> dict[str, Any] | None:
    answers = _answers(question, reading, plain=True)
    if not _check_fractions(answers, reading):
        return None
    _needs_rubric(reading)
    case_sensitive = _flag(question, "usecase", default=False)
    wildcards = [a for a in answers if re.search(r"(?<!\\)\*", a.text)]  # \* is a literal star
    references: list[str] = []
    seen: set[str] = set()
    for answer in answers:
        if answer in wildcards or (answer.fraction or 0) <= 0:
            continue
        text = answer.text.replace("\\*", "*")
        folded = text if case_sensitive else text.casefold()
        if folded not in seen:
            seen.add(folded)
            references.append(text)
    if any(not _is(a.fraction, 100) and not _is(a.fraction, 0) for a in answers if a not in wildcards):
        _partial_lost(reading)
    if wildcards:
        shown = ", ".join(a.text for a in wildcards)
        reading.warn("WILDCARD_LOST", f"wildcard answers dropped: {shown}", f"已丢弃含通配符*的答案：{shown}")
    return {"type": "short", "options": [], "key": None, "references": references, "rubric": [],
            "status": "draft"}


def _needs_rubric(reading: _Reading) -> None:
    reading.warn("SHORT_NEEDS_RUBRIC",
                 "imported as a draft short-answer item: add the scoring points (rubric)",
                 "已作为简答题草稿导入：请补充评分要点")


_READERS = {"multichoice": _multichoice, "truefalse": _truefalse, "shortanswer": _shortanswer,
            "essay": _essay}


# ---- export ------------------------------------------------------------------------------------------------

_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _cdata(text: str) -> str:
    text = _XML_INVALID.sub("", text)
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _html(text: Any) -> str:
    """Plain text as Moodle HTML: escaped, line breaks as <br>, runs of spaces kept with &nbsp;."""
    escaped = clean_text(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"(?<= ) ", "&nbsp;", escaped).replace("\n", "<br>")


def _text_block(tag: str, text: Any) -> str:
    return f'<{tag} format="html"><text>{_cdata(_html(text))}</text></{tag}>'


def export(items: list[dict[str, Any]]) -> bytes:
    """Moodle XML for canonical items; a category record precedes each change of data['category']."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]
    current = ""
    for number, item in enumerate(items, 1):
        category = clean_text(item.get("category"))
        if category != current:
            # Moodle files categories under its hidden 'top'; '$course$/top' alone goes back to the default.
            path = "$course$/top" + (f"/{category}" if category else "")
            out.append(f'  <question type="category">\n    <category><text>{_cdata(path)}</text></category>\n'
                       "  </question>")
            current = category
        out.append(_question_xml(item, number))
    out.append("</quiz>\n")
    return "\n".join(out).encode("utf-8")


def _question_xml(item: dict[str, Any], number: int) -> str:
    kind = item.get("type")
    if kind in ("single", "multi"):
        qtype, body = "multichoice", _choice_body(item)
    elif kind == "truefalse":
        qtype, body = "truefalse", _truefalse_body(item)
    elif kind == "short" and [r for r in item.get("references") or [] if clean_text(r)]:
        qtype, body = "shortanswer", _shortanswer_body(item)
    elif kind == "short":
        qtype, body = "essay", _essay_body()
    else:
        raise ValueError(f"cannot export an item of type {kind!r} to Moodle XML")
    penalty = {"truefalse": "1.0000000", "essay": "0.0000000"}.get(qtype, "0.3333333")
    name = item_name(item) or clean_text(item.get("stem")).split("\n")[0][:60] or f"item {number}"
    lines = [
        f'  <question type="{qtype}">',
        f"    <name><text>{_cdata(name)}</text></name>",
        "    " + _text_block("questiontext", item.get("stem")),
        "    " + _text_block("generalfeedback", item.get("explanation")),
        f"    <defaultgrade>{float(item.get('points') or 1):.7f}</defaultgrade>",
        f"    <penalty>{penalty}</penalty>",
        "    <hidden>0</hidden>",
        *("    " + line for line in body),
        *_tags_xml(item.get("tags") or []),
        "  </question>",
    ]
    return "\n".join(lines)


def item_name(item: dict[str, Any]) -> str:
    """The bank's item code (`id` in our YAML files), else an imported title."""
    return clean_text(item.get("code") or item.get("id") or item.get("title"))


def _answer_xml(fraction: float, text: Any, html: bool = True) -> str:
    fmt, body = ("html", _html(text)) if html else ("moodle_auto_format", clean_text(text))
    number = f"{fraction:.7f}".rstrip("0").rstrip(".")
    return (f'<answer fraction="{number}" format="{fmt}"><text>{_cdata(body)}</text>'
            '<feedback format="html"><text></text></feedback></answer>')


def _choice_body(item: dict[str, Any]) -> list[str]:
    options = item.get("options") or []
    key = item.get("key")
    keys = {key} if isinstance(key, str) else set(key or [])
    correct = [LETTERS[i] in keys for i in range(len(options))]
    if item.get("type") == "single":
        fractions = [100.0 if ok else 0.0 for ok in correct]
    else:  # equal shares, and -100/n on each wrong option so that ticking everything earns nothing
        n_wrong = correct.count(False)
        share = allowed_fraction(100 / max(correct.count(True), 1))
        penalty = -allowed_fraction(100 / n_wrong) if n_wrong else 0.0
        fractions = [share if ok else penalty for ok in correct]
    head = [f"<single>{'true' if item.get('type') == 'single' else 'false'}</single>",
            "<shuffleanswers>true</shuffleanswers>", "<answernumbering>ABCD</answernumbering>",
            "<showstandardinstruction>0</showstandardinstruction>"]
    return head + [_answer_xml(f, text) for f, text in zip(fractions, options, strict=True)]


def _truefalse_body(item: dict[str, Any]) -> list[str]:
    key = item.get("key") is True
    return [_answer_xml(100.0 if key else 0.0, "true", html=False),
            _answer_xml(0.0 if key else 100.0, "false", html=False)]


def _shortanswer_body(item: dict[str, Any]) -> list[str]:
    references = [clean_text(r) for r in item.get("references") or [] if clean_text(r)]
    # A literal * in a reference would be a Moodle wildcard: escape it.
    return ["<usecase>0</usecase>"] + [_answer_xml(100.0, r.replace("*", "\\*"), html=False)
                                       for r in references]


def _essay_body() -> list[str]:
    return ["<responseformat>editor</responseformat>", "<responserequired>1</responserequired>",
            "<responsefieldlines>15</responsefieldlines>", "<attachments>0</attachments>",
            "<attachmentsrequired>0</attachmentsrequired>",
            '<graderinfo format="html"><text></text></graderinfo>',
            '<responsetemplate format="html"><text></text></responsetemplate>']


def _tags_xml(tags: Iterable[Any]) -> list[str]:
    texts = [clean_text(t) for t in tags if clean_text(t)]
    if not texts:
        return []
    return ["    <tags>", *(f"      <tag><text>{_cdata(t)}</text></tag>" for t in texts), "    </tags>"]
