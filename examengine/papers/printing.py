"""Printable exam papers, answer sheets and answer keys as PDF, for sittings that fall back to paper.

Pure module: it takes the plain `view` dict produced by paper assembly and returns PDF bytes, so it can be
used from the web layer, a CLI or a batch job alike (no Flask, no database). Chinese renders through
reportlab's built-in CID font STSong-Light, so no font files have to be shipped or installed.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["answer_key_pdf", "answer_sheet_pdf", "paper_pdf"]

FONT = "STSong-Light"
PAGE_W, PAGE_H = A4
MARGIN_X = 18 * mm
MARGIN_TOP = 22 * mm  # leaves room for the running header
MARGIN_BOTTOM = 20 * mm  # leaves room for the page-count footer
CONTENT_W = PAGE_W - 2 * MARGIN_X
OBJECTIVE = frozenset({"truefalse", "single", "multi"})
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
INK = colors.HexColor("#555555")
BUBBLE_INK = colors.HexColor("#c0392b")  # answer sheets print boxes in red so pencil marks stand out

# Keys may arrive as booleans or as the words the bank accepts; print them uniformly as 对/错 (True/False).
_TRUE = {"对", "正确", "√", "✓", "T", "TRUE", "Y", "YES", "是"}
_FALSE = {"错", "错误", "×", "✗", "X", "F", "FALSE", "N", "NO", "否"}

LABELS: dict[str, dict[str, Any]] = {
    "zh": {
        "untitled": "试卷",
        "time": "考试时间 {m} 分钟", "total": "满分 {p} 分", "pass": "及格 {p} 分",
        "paper_no": "试卷编号：{n}",
        "name": "姓名", "candidate_no": "准考证号", "id_no": "身份证号", "seat": "考场/座位号",
        "signature": "考生签名",
        "notice": "考生须知",
        "instructions": [
            "请在答题卡上作答，写在试卷上的答案无效。",
            "作答前，请在试卷和答题卡上填写姓名、准考证号、身份证号和考场/座位号，并签名。",
            "客观题在答题卡上将所选选项的方框涂黑；主观题在答题卡指定区域内作答，超出区域无效。",
            "请使用黑色签字笔或 2B 铅笔作答，保持卷面整洁。",
            "考试结束后，试卷和答题卡一并交回，不得带出考场。",
        ],
        "section": "题型", "items": "题数", "each": "每题分值", "subtotal": "小计", "sum": "合计",
        "each_total": "（每题 {each}，共 {total}）", "total_only": "（共 {total}）",
        "points": "{p} 分", "point_one": "{p} 分", "paren": "（{}）", "blank": "（　　）",
        "true": "对", "false": "错",
        "page": "第 {n} 页 / 共 {m} 页",
        "sheet": "答题卡",
        "sheet_instructions": "客观题：用 2B 铅笔将所选选项的方框涂黑，修改时擦净。"
                              "主观题：用黑色签字笔在对应题号的方框内作答，超出方框的答案无效。",
        "score": "得分",
        "staff": "（评分参考，考务人员专用 / staff only）",
        "staff_short": "考务专用",
        "meta": "试卷ID {id} | 组卷蓝图 {bp} | 随机种子 {seed}",
        "objective_keys": "客观题答案",
        "col_no": "题号", "col_key": "答案", "col_item": "试题编号",
        "references": "参考答案", "rubric": "评分要点",
        "col_point": "得分点", "col_weight": "分值", "col_alts": "可接受的同义表述",
        "no_key": "—",
    },
    "en": {
        "untitled": "Exam paper",
        "time": "Time: {m} minutes", "total": "Total: {p} points", "pass": "Pass mark: {p}",
        "paper_no": "Paper no. {n}",
        "name": "Name", "candidate_no": "Candidate number", "id_no": "ID number", "seat": "Room / seat",
        "signature": "Signature",
        "notice": "Instructions to candidates",
        "instructions": [
            "Answer on the answer sheet; answers written on this paper are not marked.",
            "Before you start, fill in your name, candidate number, ID number and room/seat on the paper "
            "and the answer sheet, and sign.",
            "Objective items: fill in the box of your chosen option on the answer sheet. Written answers: "
            "answer inside the box for that item; anything outside the box is not marked.",
            "Use a black pen or a 2B pencil.",
            "Hand in this paper together with the answer sheet at the end; do not take them out of the room.",
        ],
        "section": "Section", "items": "Items", "each": "Points each", "subtotal": "Subtotal", "sum": "Total",
        "each_total": " ({each} each, {total} in total)", "total_only": " ({total} in total)",
        "points": "{p} points", "point_one": "{p} point", "paren": " ({})", "blank": " (      )",
        "true": "True", "false": "False",
        "page": "Page {n} of {m}",
        "sheet": "Answer sheet",
        "sheet_instructions": "Objective items: fill in the box of your chosen option with a 2B pencil; erase "
                              "cleanly to change. Written answers: use a black pen inside the box for that "
                              "item; anything outside the box is not marked.",
        "score": "Score",
        "staff": "(Scoring reference — staff only)",
        "staff_short": "staff only",
        "meta": "Paper ID {id} | blueprint {bp} | seed {seed}",
        "objective_keys": "Keys to objective items",
        "col_no": "No.", "col_key": "Key", "col_item": "Item",
        "references": "Reference answer", "rubric": "Scoring points",
        "col_point": "Point", "col_weight": "Weight", "col_alts": "Accepted alternatives",
        "no_key": "—",
    },
}


# --------------------------------------------------------------------------------------------- public API


def paper_pdf(view: dict, *, lang: str = "zh") -> bytes:
    """The question paper handed to candidates: cover, instructions, sections and items.

    Reads only candidate-facing fields, so keys, references and rubrics never reach the paper even when the
    caller passes the staff view.
    """
    L = _labels(lang)
    story: list[Flowable] = [*_cover(view, L), *_summary(view, L)]
    for section in _sections(view):
        story.extend(_paper_section(section, L))
    return _render(story, view, L, subject=_title(view, L))


def answer_sheet_pdf(view: dict, *, lang: str = "zh") -> bytes:
    """The answer sheet candidates mark: a compact bubble grid for objective items, boxes for written ones.

    Kept separate from the paper so it can be scanned or marked on its own; 100 objective items fit on
    about two pages.
    """
    L = _labels(lang)
    S = _styles()
    story: list[Flowable] = [
        Paragraph(_text(_title(view, L)), S["title"]),
        Paragraph(_text(f"{L['sheet']} | {L['paper_no'].format(n=_paper_no(view))}"), S["subtitle"]),
        Spacer(1, 4),
        _candidate_box(L),
        Spacer(1, 4),
        Paragraph(_text(L["sheet_instructions"]), S["small"]),
    ]
    for section in _sections(view):
        items = section["items"]
        if not items:
            continue
        if section["type"] in OBJECTIVE:
            story.extend(_sheet_grid(section, L))
        else:
            story.extend(_blocks([Paragraph(_text(section["title"]), S["h2"])],
                                 [_sheet_box(item, L) for item in items]))
    return _render(story, view, L, subject=L["sheet"])


def answer_key_pdf(view: dict, *, lang: str = "zh") -> bytes:
    """The staff copy: objective keys with item code and version, references and rubric for written items.

    Item codes and versions let markers trace a disputed key back to the exact bank version that was printed.
    """
    L = _labels(lang)
    S = _styles()
    story: list[Flowable] = [
        Paragraph(_text(_title(view, L)), S["title"]),
        Paragraph(_text(L["staff"]), S["subtitle"]),
        Paragraph(_text(L["paper_no"].format(n=_paper_no(view))), S["subtitle"]),
    ]
    meta = {"id": view.get("paper_id"), "bp": view.get("blueprint"), "seed": view.get("seed")}
    if any(v not in (None, "") for v in meta.values()):
        line = L["meta"].format(**{k: "—" if v in (None, "") else v for k, v in meta.items()})
        story.append(Paragraph(_text(line), S["small_center"]))
    story.append(Spacer(1, 6))
    for section in _sections(view):
        if not section["items"]:
            continue
        heading = Paragraph(_text(section["title"] + _section_points(section, L)), S["h2"])
        if section["type"] in OBJECTIVE:
            story += [CondPageBreak(heading.style.leading + 60), heading, _key_table(section["items"], L)]
        else:
            story.extend(_blocks([heading], [_key_written(item, L) for item in section["items"]]))
    return _render(story, view, L, subject=L["staff"], staff=True)


# ------------------------------------------------------------------------------------------ view helpers


def _labels(lang: str) -> dict[str, Any]:
    try:
        return LABELS[lang]
    except KeyError:
        raise ValueError(f"unsupported lang {lang!r}; expected one of {sorted(LABELS)}") from None


def _title(view: dict, L: dict[str, Any]) -> str:
    return str(view.get("title") or L["untitled"])


def _paper_no(view: dict) -> str:
    for key in ("number", "paper_id"):
        if view.get(key) not in (None, ""):
            return str(view[key])
    return "—"


def _num(value: Any) -> str:
    """0.5 → "0.5", 100.0 → "100": points read naturally on paper."""
    try:
        return f"{round(float(value), 2):g}"
    except (TypeError, ValueError):
        return str(value)


def _pts(value: Any, L: dict[str, Any]) -> str:
    return L["point_one" if _num(value) == "1" else "points"].format(p=_num(value))  # "1 point", "2 points"


def _sections(view: dict) -> list[dict[str, Any]]:
    """Sections with the defaults filled in, so renderers need not guard every optional key."""
    out = []
    for raw in view.get("sections") or []:
        items = [dict(i) for i in raw.get("items") or []]
        stype = raw.get("type") or (items[0].get("type") if items else "") or ""
        for item in items:
            item["type"] = item.get("type") or stype
        out.append({**raw, "title": str(raw.get("title") or ""), "type": stype, "items": items})
    return out


def _section_total(section: dict[str, Any]) -> float | None:
    items = section["items"]
    if items and all(_is_number(i.get("points")) for i in items):
        return sum(float(i["points"]) for i in items)
    count = len(items) or section.get("count")
    if count and _is_number(section.get("points_each")):
        return float(count) * float(section["points_each"])
    return None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _section_points(section: dict[str, Any], L: dict[str, Any]) -> str:
    total = _section_total(section)
    if total is None:
        return ""
    if _is_number(section.get("points_each")):
        return L["each_total"].format(each=_pts(section["points_each"], L), total=_pts(total, L))
    return L["total_only"].format(total=_pts(total, L))


def _options(item: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, text) pairs in the candidate's order; labels fall back to A, B, C… when missing."""
    out = []
    for i, opt in enumerate(item.get("options") or []):
        if isinstance(opt, dict):
            label, text = opt.get("label") or LETTERS[i % 26], opt.get("text", "")
        else:
            label, text = LETTERS[i % 26], opt
        out.append((str(label), "" if text is None else str(text)))
    return out


def _truth(key: Any) -> bool | None:
    if isinstance(key, bool):
        return key
    if isinstance(key, int) and key in (0, 1):
        return bool(key)
    if isinstance(key, str):
        word = key.strip().upper()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def _key_text(item: dict[str, Any], L: dict[str, Any]) -> str:
    key = item.get("key")
    if key is None or key == "" or key == []:
        return L["no_key"]
    if item["type"] == "truefalse":
        truth = _truth(key)
        if truth is not None:
            return L["true"] if truth else L["false"]
    if isinstance(key, list | tuple | set):
        return "".join(str(k) for k in key)
    return str(key)


def _answer_lines(item: dict[str, Any]) -> int:
    """Writing space grows with the points at stake: 4 lines + 1 per point, at most 14."""
    points = item.get("points")
    extra = math.ceil(float(points)) if _is_number(points) and points > 0 else 0
    return min(4 + extra, 14)


def _text(value: Any) -> str:
    """Paragraph markup from plain text: escape <, & and >, and keep the author's line breaks."""
    s = "" if value is None else str(value)
    return escape(s.replace("\r\n", "\n").replace("\r", "\n")).replace("\n", "<br/>")


# ---------------------------------------------------------------------------------------------- styles


@cache
def _styles() -> dict[str, ParagraphStyle]:
    # Registered lazily so importing this module stays cheap and side-effect free.
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))

    def style(name: str, size: float, leading: float, **kw: Any) -> ParagraphStyle:
        # CJK word-wrap: Chinese has no spaces, so lines must be allowed to break between any characters.
        return ParagraphStyle(name, fontName=FONT, fontSize=size, leading=leading, wordWrap="CJK", **kw)

    return {
        "title": style("title", 16, 22, alignment=TA_CENTER, spaceAfter=4),
        "subtitle": style("subtitle", 11, 16, alignment=TA_CENTER),
        # No keepWithNext: it cannot group with a KeepTogether, so headings are kept with content explicitly.
        "h2": style("h2", 12.5, 18, spaceBefore=10, spaceAfter=4),
        "h3": style("h3", 11, 16, spaceBefore=6, spaceAfter=2),
        "body": style("body", 10.5, 16),
        # Hanging indent keeps the item number clear of wrapped stem lines.
        "item": style("item", 10.5, 16, leftIndent=20, firstLineIndent=-20, spaceBefore=5),
        "option": style("option", 10.5, 15.5, leftIndent=34, firstLineIndent=-14),
        "notice": style("notice", 10, 15, leftIndent=14, firstLineIndent=-14),
        "cell": style("cell", 9.5, 13),
        "cell_center": style("cell_center", 9.5, 13, alignment=TA_CENTER),
        "small": style("small", 8.5, 12, textColor=INK),
        "small_center": style("small_center", 8.5, 12, textColor=INK, alignment=TA_CENTER),
        "tiny": style("tiny", 7, 9, textColor=INK),
    }


# ---------------------------------------------------------------------------------------- page drawing


def _fit(text: str, width: float, size: float) -> str:
    """Truncate a header string with an ellipsis rather than let it run into the other half of the header."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _numbered_canvas(template: str) -> type[Canvas]:
    """A canvas class whose footers say "page N of M": M is known only after the last page is laid out."""

    class NumberedCanvas(Canvas):
        # The well-known two-pass recipe: hold every page's state back, then stamp the count on each in save().
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._held_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held_pages)
            for state in self._held_pages:
                self.__dict__.update(state)
                self.saveState()
                self.setFont(FONT, 9)
                self.setFillColor(INK)
                self.drawCentredString(PAGE_W / 2, 10 * mm, template.format(n=self._pageNumber, m=total))
                self.restoreState()
                super().showPage()
            super().save()

    return NumberedCanvas


def _header(left: str, right: str) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, doc: Any) -> None:
        canvas.saveState()
        size, y = 8.5, PAGE_H - 13 * mm
        canvas.setFont(FONT, size)
        canvas.setFillColor(INK)
        right_w = pdfmetrics.stringWidth(right, FONT, size)
        canvas.drawString(MARGIN_X, y, _fit(left, CONTENT_W - right_w - 12, size))
        canvas.drawRightString(PAGE_W - MARGIN_X, y, right)
        canvas.setStrokeColor(INK)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN_X, y - 3, PAGE_W - MARGIN_X, y - 3)
        canvas.restoreState()

    return draw


def _render(story: list[Flowable], view: dict, L: dict[str, Any], *, subject: str, staff: bool = False) -> bytes:
    _styles()  # the font must be registered before the canvas draws headers
    buf = io.BytesIO()
    title = _title(view, L)
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM, title=title, subject=subject, author="examengine", creator="examengine",
        invariant=True,  # same view → same bytes, so printed batches can be checked by hash
    )
    right = L["paper_no"].format(n=_paper_no(view))
    if staff:
        right = f"{right} | {L['staff_short']}"
    on_page = _header(title, right)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page, canvasmaker=_numbered_canvas(L["page"]))
    return buf.getvalue()


class _RuledLines(Flowable):
    """Blank ruled lines to write an answer on; as wide as the frame or table cell it is placed in."""

    def __init__(self, lines: int, gap: float = 22) -> None:
        super().__init__()
        self.lines, self.gap = lines, gap

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = availWidth, self.lines * self.gap + 4
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setStrokeColor(colors.HexColor("#999999"))
        c.setLineWidth(0.4)
        for i in range(self.lines):
            y = self.height - (i + 1) * self.gap
            c.line(0, y, self.width, y)
        c.restoreState()


class _Bubbles(Flowable):
    """One objective item on the answer sheet: its number, then a labelled box per option to fill in."""

    NUM_W, BOX_H, GAP, LABEL_SIZE = 22.0, 10.5, 3.0, 7.5

    def __init__(self, number: Any, labels: Sequence[str]) -> None:
        super().__init__()
        self.number, self.labels = str(number), list(labels)
        self.box_w = max([15.0] + [pdfmetrics.stringWidth(lb, FONT, self.LABEL_SIZE) + 6 for lb in self.labels])
        self.width = self.NUM_W + len(self.labels) * (self.box_w + self.GAP)
        self.height = 13.0

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        c = self.canv
        c.saveState()
        c.setFont(FONT, 9)
        c.drawRightString(self.NUM_W - 5, 3.5, self.number)
        c.setStrokeColor(BUBBLE_INK)
        c.setFillColor(BUBBLE_INK)
        c.setLineWidth(0.6)
        c.setFont(FONT, self.LABEL_SIZE)
        x = self.NUM_W
        for label in self.labels:
            c.rect(x, 1.5, self.box_w, self.BOX_H)
            c.drawCentredString(x + self.box_w / 2, 4.2, label)
            x += self.box_w + self.GAP
        c.restoreState()


# ---------------------------------------------------------------------------------------------- blocks


def _candidate_box(L: dict[str, Any]) -> Table:
    S = _styles()

    def label(key: str) -> Paragraph:
        return Paragraph(_text(L[key]), S["cell"])

    data = [
        [label("name"), "", label("candidate_no"), ""],
        [label("id_no"), "", label("seat"), ""],
        [label("signature"), "", "", ""],
    ]
    lw = 32 * mm
    table = Table(data, colWidths=[lw, CONTENT_W / 2 - lw] * 2, rowHeights=[24] * 3)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("SPAN", (1, 2), (3, 2)),
        ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2")),
        ("BACKGROUND", (2, 0), (2, 1), colors.HexColor("#f2f2f2")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]))
    return table


def _cover(view: dict, L: dict[str, Any]) -> list[Flowable]:
    S = _styles()
    out: list[Flowable] = [Paragraph(_text(_title(view, L)), S["title"])]
    who = " | ".join(str(view[k]) for k in ("program", "level", "work_type") if view.get(k))
    if who:
        out.append(Paragraph(_text(who), S["subtitle"]))
    total = view.get("total_points")
    if total is None:
        totals = [t for t in (_section_total(s) for s in _sections(view)) if t is not None]
        total = sum(totals) if totals else None
    facts = []
    if view.get("duration_minutes") not in (None, ""):
        facts.append(L["time"].format(m=_num(view["duration_minutes"])))
    if total is not None:
        facts.append(L["total"].format(p=_num(total)))
    if view.get("pass_mark") not in (None, ""):
        facts.append(L["pass"].format(p=_num(view["pass_mark"])))
    facts.append(L["paper_no"].format(n=_paper_no(view)))
    out += [
        Paragraph(_text(" | ".join(facts)), S["subtitle"]),
        Spacer(1, 8),
        _candidate_box(L),
        Spacer(1, 8),
        Paragraph(_text(L["notice"]), S["h3"]),
    ]
    out.extend(Paragraph(_text(f"{i}. {line}"), S["notice"]) for i, line in enumerate(L["instructions"], 1))
    return out


def _summary(view: dict, L: dict[str, Any]) -> list[Flowable]:
    """Section / items / points table, so candidates can plan their time before they start."""
    S = _styles()
    sections = [s for s in _sections(view) if s["items"] or s.get("count")]
    if not sections:
        return []
    rows: list[list[Any]] = [[Paragraph(_text(L[k]), S["cell_center"])
                              for k in ("section", "items", "each", "subtotal")]]
    grand = 0.0
    for s in sections:
        total = _section_total(s)
        grand += total or 0.0
        each = s.get("points_each")
        rows.append([Paragraph(_text(s["title"]), S["cell"]), str(len(s["items"]) or s.get("count") or ""),
                     _num(each) if _is_number(each) else "", "" if total is None else _num(total)])
    rows.append([Paragraph(_text(L["sum"]), S["cell"]), str(sum(len(s["items"]) for s in sections)), "",
                 _num(grand)])
    table = Table(rows, colWidths=[CONTENT_W * 0.46] + [CONTENT_W * 0.18] * 3, repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("FONT", (0, 0), (-1, -1), FONT, 9.5),
        ("ALIGN", (1, 1), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
    ]))
    return [Spacer(1, 8), table, Spacer(1, 4)]


def _paper_section(section: dict[str, Any], L: dict[str, Any]) -> list[Flowable]:
    S = _styles()
    head: list[Flowable] = [Paragraph(_text(section["title"] + _section_points(section, L)), S["h2"])]
    for key in ("instructions", "rule_text"):
        if section.get(key):
            head.append(Paragraph(_text(section[key]), S["body"]))
    return _blocks(head, [_paper_item(item, L) for item in section["items"]])


def _blocks(head: list[Flowable], blocks: list[list[Flowable]]) -> list[Flowable]:
    """Each block kept on one page, the heading riding with the first so it is never stranded at a page foot."""
    if not blocks:
        return [KeepTogether(head)]
    return [KeepTogether(head + blocks[0]), *(KeepTogether(b) for b in blocks[1:])]


def _paper_item(item: dict[str, Any], L: dict[str, Any]) -> list[Flowable]:
    # Deliberately reads only position, stem, points and options: nothing staff-only can leak onto the paper.
    S = _styles()
    stem = f"{_text(item.get('position', ''))}. {_text(item.get('stem', ''))}"
    if item["type"] == "truefalse":
        stem += L["blank"]
    if _is_number(item.get("points")):
        stem += f' <font size="9" color="#555555">{_text(L["paren"].format(_pts(item["points"], L)))}</font>'
    out: list[Flowable] = [Paragraph(stem, S["item"])]
    if item["type"] == "truefalse":
        return out  # the candidate answers 对/错 on the sheet; the bank's T/F options are not printed
    if item["type"] in OBJECTIVE:
        out.extend(Paragraph(f"{_text(label)}. {_text(text)}", S["option"]) for label, text in _options(item))
    else:
        out.append(_RuledLines(_answer_lines(item)))
    return out


def _bubble_labels(item: dict[str, Any], L: dict[str, Any]) -> list[str]:
    if item["type"] == "truefalse":
        return [L["true"], L["false"]]
    labels = [label for label, _ in _options(item)]
    return labels or list("ABCD")  # a choice item without options still needs somewhere to mark


def _sheet_grid(section: dict[str, Any], L: dict[str, Any]) -> list[Flowable]:
    S = _styles()
    items = section["items"]
    cells = [_Bubbles(item.get("position", ""), _bubble_labels(item, L)) for item in items]
    first, last = items[0].get("position", ""), items[-1].get("position", "")
    heading = section["title"] + L["paren"].format(f"{first}-{last}")
    cell_w = max(c.width for c in cells) + 8
    cols = max(1, min(5, int(CONTENT_W // cell_w)))
    rows = [cells[i:i + cols] + [""] * (cols - len(cells[i:i + cols])) for i in range(0, len(cells), cols)]
    table = Table(rows, colWidths=[CONTENT_W / cols] * cols, rowHeights=[16] * len(rows))
    style = [
        ("BOX", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]
    # A faint rule every five rows helps the eye track which row it is on.
    style += [("LINEBELOW", (0, r), (-1, r), 0.3, colors.grey) for r in range(4, len(rows) - 1, 5)]
    table.setStyle(TableStyle(style))
    # Split across pages if it must (100 items fit in about two pages), but never leave the heading alone.
    return [CondPageBreak(S["h3"].leading + 3 * 16 + 12), Paragraph(_text(heading), S["h3"]), table]


def _sheet_box(item: dict[str, Any], L: dict[str, Any]) -> list[Flowable]:
    S = _styles()
    head = f"{item.get('position', '')}."
    if _is_number(item.get("points")):
        head += L["paren"].format(_pts(item["points"], L))
    score = f"{L['score']}：______"
    table = Table(
        [[Paragraph(_text(head), S["body"]), Paragraph(_text(score), S["small"])],
         [_RuledLines(_answer_lines(item)), ""]],
        colWidths=[CONTENT_W * 0.78, CONTENT_W * 0.22],
    )
    table.setStyle(TableStyle([
        ("BOX", (0, 0), (-1, -1), 0.8, colors.black),
        ("SPAN", (0, 1), (1, 1)),
        ("ALIGN", (1, 0), (1, 0), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return [table, Spacer(1, 6)]


def _key_table(items: list[dict[str, Any]], L: dict[str, Any], groups: int = 3) -> Table:
    """Position → key, three items to a row so a 100-item paper's keys fit on a couple of pages."""
    S = _styles()

    def ident(item: dict[str, Any]) -> Paragraph:
        code, version = item.get("item_code"), item.get("version")
        text = " ".join(p for p in (str(code) if code else "", f"v{version}" if version is not None else "") if p)
        return Paragraph(_text(text), S["tiny"])

    header = [L["col_no"], L["col_key"], L["col_item"]] * groups
    cells = [[str(i.get("position", "")), _key_text(i, L), ident(i)] for i in items]
    rows: list[list[Any]] = [header]
    for start in range(0, len(cells), groups):
        chunk = cells[start:start + groups]
        rows.append([c for cell in chunk for c in cell] + ["", "", ""] * (groups - len(chunk)))
    group_w = CONTENT_W / groups
    widths = [group_w * 0.2, group_w * 0.3, group_w * 0.5] * groups
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONT", (0, 0), (-1, -1), FONT, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.3, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    style += [("LINEAFTER", (3 * g - 1, 0), (3 * g - 1, -1), 1.0, colors.black) for g in range(1, groups)]
    table.setStyle(TableStyle(style))
    return table


def _key_written(item: dict[str, Any], L: dict[str, Any]) -> list[Flowable]:
    S = _styles()
    head = f"{_text(item.get('position', ''))}. {_text(item.get('stem', ''))}"
    if _is_number(item.get("points")):
        head += _text(L["paren"].format(_pts(item["points"], L)))
    out: list[Flowable] = [Paragraph(head, S["item"])]
    ident = " ".join(p for p in (str(item.get("item_code") or ""),
                                 f"v{item['version']}" if item.get("version") is not None else "") if p)
    if ident:
        out.append(Paragraph(_text(ident), S["tiny"]))
    if item.get("key") not in (None, "", []):  # an unknown item type that still carries a key
        out.append(Paragraph(_text(f"{L['col_key']}：{_key_text(item, L)}"), S["body"]))
    refs = [r for r in _as_list(item.get("references")) if r not in (None, "")]
    if refs:
        out.append(Paragraph(_text(L["references"]), S["h3"]))
        numbered = len(refs) > 1
        out.extend(Paragraph(_text(f"{n}. {r}" if numbered else r), S["body"]) for n, r in enumerate(refs, 1))
    rubric = [r for r in _as_list(item.get("rubric")) if r]
    if rubric:
        out.append(Paragraph(_text(L["rubric"]), S["h3"]))
        out.append(_rubric_table(rubric, L))
    out.append(Spacer(1, 6))
    return out


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _rubric_table(rubric: Iterable[Any], L: dict[str, Any]) -> Table:
    S = _styles()
    rows: list[list[Any]] = [[Paragraph(_text(L[k]), S["cell"]) for k in ("col_point", "col_weight", "col_alts")]]
    for entry in rubric:
        point = entry if not isinstance(entry, dict) else entry.get("point", "")
        weight = entry.get("weight") if isinstance(entry, dict) else None
        alts = _as_list(entry.get("synonyms", entry.get("alternatives"))) if isinstance(entry, dict) else []
        rows.append([Paragraph(_text(point), S["cell"]), "" if weight is None else _num(weight),
                     Paragraph(_text("；".join(str(a) for a in alts)), S["cell"])])
    table = Table(rows, colWidths=[CONTENT_W * 0.5, CONTENT_W * 0.12, CONTENT_W * 0.38], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), FONT, 9.5),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
        ("ALIGN", (1, 0), (1, -1), "CENTER"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


# What each printable kind is rendered by: the CLI, the API and the pages offer the same three.
RENDERERS = {"paper": paper_pdf, "answer-sheet": answer_sheet_pdf, "key": answer_key_pdf}
