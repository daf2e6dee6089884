"""Printed papers, answer sheets and answer keys (pure): read back with pypdf and checked for content and leaks."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from examengine.papers.printing import answer_key_pdf, answer_sheet_pdf, paper_pdf

TITLE = "碳排放管理员（四级）碳排放监测员 理论知识考试"
LONG_STEM = "企业温室气体排放报告应当覆盖核算边界内全部排放源和排放设施并按照核算指南的要求进行量化" * 3 + " Q-MARK-LONG"
MARKUP_STEM = "若 a < b && c > d，则下列说法 Q-MARK-AMP\n第二行 <b>不是粗体</b>"
REFERENCE = "参考答案：监测计划应包括排放源识别 REF-MARK-7"
RUBRIC_POINT = "说明排放源识别 RUBRIC-MARK-8"
ALTERNATIVE = "识别排放设施 ALT-MARK-9"


def make_view() -> dict:
    """A small staff view with every item type; keys, references and rubric are present on purpose."""
    options = [{"label": "A", "text": "燃料燃烧排放 OPT-A"}, {"label": "B", "text": "工业过程排放 OPT-B"},
               {"label": "C", "text": "净购入电力排放 OPT-C"}, {"label": "D", "text": "逸散排放 OPT-D"},
               {"label": "E", "text": "废弃物处理排放 OPT-E"}]
    return {
        "title": TITLE, "program": "碳排放管理员", "level": "四级", "work_type": "碳排放监测员",
        "paper_id": 17, "number": 3, "seed": 123456789, "blueprint": "cm-l4-monitoring",
        "duration_minutes": 90, "total_points": 100.0, "pass_mark": 60.0,
        "sections": [
            {"title": "一、判断题", "type": "truefalse", "count": 2, "points_each": 0.5,
             "instructions": "判断下列说法是否正确。", "items": [
                 {"position": 1, "type": "truefalse", "stem": "二氧化碳是温室气体 Q-MARK-1", "points": 0.5,
                  "options": [], "key": "对", "item_code": "pub01-003", "version": 2},
                 {"position": 2, "type": "truefalse", "stem": LONG_STEM, "points": 0.5, "key": False,
                  "item_code": "pub01-004", "version": 1}]},
            {"title": "二、单项选择题", "type": "single", "points_each": 1.0, "instructions": "", "items": [
                {"position": 3, "type": "single", "stem": MARKUP_STEM, "points": 1.0, "options": options[:4],
                 "key": "B", "item_code": "pub02-011", "version": 3}]},
            {"title": "三、多项选择题", "type": "multi", "points_each": 1.0, "rule_text": "少选得部分分，错选不得分",
             "items": [{"position": 4, "type": "multi", "stem": "下列属于直接排放的有 Q-MARK-4", "points": 1.0,
                        "options": options, "key": ["A", "C", "E"], "item_code": "pub03-001", "version": 1}]},
            {"title": "四、简答题", "type": "short", "points_each": 3.0, "items": [
                {"position": 5, "type": "short", "stem": "简述碳排放监测计划的主要内容 Q-MARK-5", "points": 3.0,
                 "references": [REFERENCE],
                 "rubric": [{"point": RUBRIC_POINT, "weight": 1.5, "alternatives": [ALTERNATIVE]}],
                 "item_code": "pub04-002", "version": 5}]},
        ],
    }


def big_objective_view(n: int = 100) -> dict:
    """n objective items over three sections, the size of a real theory paper."""
    abcd = [{"label": c, "text": f"选项{c}"} for c in "ABCD"]
    split = (n // 5, n // 5 + n // 2)
    items = []
    for pos in range(1, n + 1):
        kind = "truefalse" if pos <= split[0] else "single" if pos <= split[1] else "multi"
        items.append({"position": pos, "type": kind, "stem": f"第{pos}题题干", "points": 1.0,
                      "options": [] if kind == "truefalse" else abcd, "key": "A"})
    return {"title": TITLE, "number": 8, "duration_minutes": 90, "sections": [
        {"title": "一、判断题", "type": "truefalse", "points_each": 1.0, "items": items[:split[0]]},
        {"title": "二、单项选择题", "type": "single", "points_each": 1.0, "items": items[split[0]:split[1]]},
        {"title": "三、多项选择题", "type": "multi", "points_each": 1.0, "items": items[split[1]:]},
    ]}


def pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def text(pdf: bytes) -> str:
    return "\n".join(pages(pdf))


def squash(s: str) -> str:
    """Drop all whitespace: wrapped lines and extraction spacing must not decide a test."""
    return "".join(s.split())


def test_every_document_is_a_pdf_in_both_languages():
    view = make_view()
    for render in (paper_pdf, answer_sheet_pdf, answer_key_pdf):
        for lang in ("zh", "en"):
            assert render(view, lang=lang).startswith(b"%PDF"), (render.__name__, lang)


def test_paper_shows_every_stem_and_option_including_long_wrapped_chinese():
    view = make_view()
    got = squash(text(paper_pdf(view)))
    for section in view["sections"]:
        assert squash(section["title"]) in got
        for item in section["items"]:
            assert squash(item["stem"]) in got, item["position"]
            for option in item.get("options", []):
                assert squash(f"{option['label']}. {option['text']}") in got
    assert "考试时间90分钟" in got and "满分100分" in got and "及格60分" in got
    assert "（每题0.5分，共1分）" in got and "少选得部分分，错选不得分" in got
    assert "Q-MARK-1（）（0.5分）" in got  # true/false: an answer bracket instead of options
    for label in ("姓名", "准考证号", "身份证号", "考场/座位号", "考生签名", "在答题卡上作答"):
        assert label in got


def test_paper_never_prints_keys_references_or_rubric():
    got = text(paper_pdf(make_view()))
    flat = squash(got)
    for secret in (REFERENCE, RUBRIC_POINT, ALTERNATIVE):
        assert squash(secret) not in flat
    for marker in ("REF-MARK", "RUBRIC-MARK", "ALT-MARK", "pub01-003", "ACE"):
        assert marker not in got


def test_answer_key_has_keys_item_codes_references_and_rubric():
    got = text(answer_key_pdf(make_view()))
    flat = squash(got)
    assert "（评分参考，考务人员专用/staffonly）" in flat
    assert "ACE" in got and "pub03-001" in got and "pub01-003 v2" in got
    assert re.search(r"^\s*1\s*$\s*^\s*对\s*$", got, re.M)  # position 1 → 对
    assert re.search(r"^\s*2\s*$\s*^\s*错\s*$", got, re.M)  # a boolean key prints as 错
    assert re.search(r"^\s*3\s*$\s*^\s*B\s*$", got, re.M)
    for secret in (REFERENCE, RUBRIC_POINT, ALTERNATIVE):
        assert squash(secret) in flat
    assert "1.5" in got  # rubric weight
    assert "123456789" in got and "cm-l4-monitoring" in got


def test_answer_sheet_fits_100_objective_items_in_three_pages_with_every_number():
    sheet = pages(answer_sheet_pdf(big_objective_view(100)))
    assert len(sheet) <= 3
    numbers = {int(tok) for page in sheet for tok in re.findall(r"(?<![\d.])\d+(?![\d.])", page)}
    assert set(range(1, 101)) <= numbers
    assert "100" in sheet[-1]
    flat = squash("".join(sheet))
    assert "对错" in flat and "ABCD" in flat


def test_answer_sheet_numbers_objective_and_written_items():
    got = squash(text(answer_sheet_pdf(make_view())))
    assert "答题卡" in got and "试卷编号：3" in got
    assert "ABCDE" in got  # the multi item gets all five of its labels
    assert "5.（3分）" in got  # the written item's box is numbered
    assert "Q-MARK" not in got  # stems stay on the paper


def test_every_page_has_header_and_page_count_footer():
    paper = pages(paper_pdf(big_objective_view(100)))
    total = len(paper)
    assert total > 1
    for n, page in enumerate(paper, 1):
        assert f"第 {n} 页 / 共 {total} 页" in page
        assert TITLE in page and "试卷编号：8" in page


def test_markup_characters_and_newlines_in_stems_render_literally():
    got = text(paper_pdf(make_view()))
    assert "a < b && c > d" in got
    assert "<b>不是粗体</b>" in got
    line = next(ln for ln in got.splitlines() if "Q-MARK-AMP" in ln)
    assert "第二行" not in line  # the newline in the stem became a line break


def test_english_labels():
    view = make_view()
    paper = text(paper_pdf(view, lang="en"))
    for label in ("Time: 90 minutes", "Total: 100 points", "Pass mark: 60", "Paper no. 3", "Name",
                  "Candidate number", "ID number", "Room / seat", "Signature", "Section", "Page 1 of"):
        assert label in paper
    assert "考试时间" not in paper and "姓名" not in paper
    assert squash(view["sections"][1]["items"][0]["stem"]) in squash(paper)  # item text stays as given
    sheet = text(answer_sheet_pdf(view, lang="en"))
    assert "Answer sheet" in sheet and "True" in sheet and "False" in sheet
    key = text(answer_key_pdf(view, lang="en"))
    assert "staff only" in key and "True" in key and "Scoring points" in key


def test_missing_optional_keys_are_tolerated():
    view = {"sections": [{"title": "一、单项选择题", "items": [
        {"position": 1, "type": "single", "stem": "题干 Q-MARK-MIN", "options": ["甲", "乙"]}]},
        {"title": "二、简答题", "items": [{"position": 2, "type": "short", "stem": "简答"}]}]}
    for render in (paper_pdf, answer_sheet_pdf, answer_key_pdf):
        assert render(view).startswith(b"%PDF")
        assert render({}).startswith(b"%PDF")
    assert "A. 甲" in text(paper_pdf(view))


def test_same_view_gives_same_bytes():
    assert paper_pdf(make_view()) == paper_pdf(make_view())


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="lang"):
        paper_pdf(make_view(), lang="fr")
