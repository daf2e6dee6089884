"""GIFT import/export: every mapping, loss warning and rejection, escapes, encodings, round trips, hostile input."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from examengine.bank.content import check_item
from examengine.bank.formats import gift
from examengine.bank.formats.base import MAX_FILE_BYTES, ImportEntry, UnreadableFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def one(text: str) -> ImportEntry:
    entries = gift.parse(text.encode("utf-8"), "t.gift")
    assert len(entries) == 1, [(e.location, e.outcome) for e in entries]
    return entries[0]


def codes(entry: ImportEntry) -> list[str]:
    return [m.code for m in entry.messages]


def rejected(text: str) -> str:
    entry = one(text)
    assert entry.rejected and entry.data is None
    (message,) = entry.messages
    assert message.message and any("\u4e00" <= c <= "\u9fff" for c in message.message_zh)
    return message.code


# ---- the Chinese fixture file ---------------------------------------------------------------------------

def test_carbon_market_fixture() -> None:
    entries = gift.parse((FIXTURES / "carbon_market.gift").read_bytes(), "carbon_market.gift")
    report = [(e.location, e.outcome, codes(e)) for e in entries]
    assert report == [
        ("line 4", "warning", ["FEEDBACK_LOST"]),
        ("line 12", "imported", []),
        ("line 20", "imported", []),
        ("line 22", "imported", []),
        ("line 26", "warning", ["SHORT_NEEDS_RUBRIC"]),
        ("line 28", "warning", ["SHORT_NEEDS_RUBRIC"]),
        ("line 30", "warning", ["HTML_CONVERTED"]),
        ("line 32", "rejected", ["MISSING_WORD_UNSUPPORTED"]),
        ("line 34", "rejected", ["NUMERICAL_UNSUPPORTED"]),
    ]
    first, multi, gwp, steel, essay, unit, html_tf = (e.data for e in entries[:7])
    assert first["title"] == "CM-001" and first["key"] == "A"
    assert first["options"][0] == "2021年7月16日"
    assert first["explanation"] == "全国碳市场于2021年7月16日启动上线交易，首批纳入发电行业。"
    assert first["category"] == "碳市场/基础知识" and first["source"] == "GIFT carbon_market.gift line 4"
    assert multi["type"] == "multi" and multi["key"] == ["A", "B", "C"] and multi["options"][3] == "氧气（O₂）"
    assert gwp["type"] == "truefalse" and gwp["key"] is True
    assert steel["key"] is False and steel["explanation"] == "首批纳入的是发电行业。"
    assert essay["category"] == "碳市场/核算" and essay["references"] == [] and essay["status"] == "draft"
    assert unit["references"] == ["tCO₂e", "吨二氧化碳当量"]
    assert html_tf["stem"] == "全国碳市场的交易产品是 碳排放配额（CEA）。"


def test_imported_items_are_valid_bank_items() -> None:
    for entry in gift.parse((FIXTURES / "carbon_market.gift").read_bytes()):
        if entry.data is None:
            continue
        _, issues = check_item(entry.data, None)
        expected = ["REFERENCE_MISSING"] if entry.data["stem"].startswith("简述") else []  # the essay
        assert [i.code for i in issues.items] == expected, entry.location


# ---- mappings -------------------------------------------------------------------------------------------

def test_single_choice_with_equals() -> None:
    entry = one("全国碳市场哪一年启动上线交易？{~2019 =2021 ~2023}")
    assert entry.outcome == "imported"
    data = entry.data
    assert data["type"] == "single" and data["options"] == ["2019", "2021", "2023"] and data["key"] == "B"
    assert data["status"] == "active" and data["points"] == 1.0 and data["difficulty"] == 3
    assert data["title"] == "" and data["category"] == "" and data["explanation"] == ""


def test_single_choice_with_one_full_weight() -> None:
    entry = one("Q?{~%100%right ~wrong ~also wrong}")
    assert entry.outcome == "imported" and entry.data["type"] == "single" and entry.data["key"] == "A"


def test_multi_with_weights_summing_to_100() -> None:
    entry = one("温室气体有哪些？{~%50%CO2 ~%50%CH4 ~%-100%O2 ~%-100%N2}")
    assert entry.outcome == "imported"
    assert entry.data["type"] == "multi" and entry.data["key"] == ["A", "B"] and entry.data["points"] == 2.0


def test_multi_with_three_equal_weights() -> None:
    entry = one("Q?{~%33.33333%a ~%33.33333%b ~%33.33333%c ~d}")
    assert entry.outcome == "imported" and entry.data["key"] == ["A", "B", "C"]


def test_multi_with_several_equals() -> None:
    entry = one("Q?{=a ~b =c}")
    assert entry.outcome == "imported" and entry.data["type"] == "multi" and entry.data["key"] == ["A", "C"]


@pytest.mark.parametrize(("block", "key"), [("{T}", True), ("{TRUE}", True), ("{F}", False), ("{FALSE}", False),
                                            ("{ true }", True), ("{f}", False)])
def test_true_false(block: str, key: bool) -> None:
    entry = one("GWP是全球变暖潜势的缩写。" + block)
    assert entry.outcome == "imported"
    assert entry.data["type"] == "truefalse" and entry.data["key"] is key and entry.data["options"] == []


def test_essay_becomes_draft_short_answer() -> None:
    entry = one("::E1::简述全国碳市场的配额分配方式。{}")
    assert entry.outcome == "warning" and codes(entry) == ["SHORT_NEEDS_RUBRIC"]
    data = entry.data
    assert data["type"] == "short" and data["status"] == "draft"
    assert data["references"] == [] and data["rubric"] == [] and data["key"] is None and data["points"] == 10.0


def test_short_answer_keeps_accepted_answers_as_references() -> None:
    entry = one("温室气体排放量的常用单位是？{=tCO2e =吨二氧化碳当量}")
    assert codes(entry) == ["SHORT_NEEDS_RUBRIC"]
    data = entry.data
    assert data["type"] == "short" and data["status"] == "draft" and data["rubric"] == []
    assert data["references"] == ["tCO2e", "吨二氧化碳当量"]


def test_general_feedback_becomes_explanation() -> None:
    entry = one("Q?{=a ~b ####全国碳市场于\n2021年7月16日启动}")
    assert entry.outcome == "imported" and entry.data["explanation"] == "全国碳市场于\n2021年7月16日启动"


def test_essay_with_general_feedback() -> None:
    entry = one("Q?{####参考：总量控制与交易}")
    assert entry.data["type"] == "short" and entry.data["explanation"] == "参考：总量控制与交易"


# ---- what we cannot keep --------------------------------------------------------------------------------

def test_partial_credit_in_single_choice() -> None:
    entry = one("Q?{~wrong ~%50%half =full}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["type"] == "single" and entry.data["key"] == "C"
    assert "B 50%" in entry.messages[0].message and "B 50%" in entry.messages[0].message_zh


def test_negative_weight_in_single_choice() -> None:
    entry = one("Q?{=right ~%-50%penalised}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["key"] == "A"


def test_single_positive_answer_below_full_credit() -> None:
    entry = one("Q?{~%50%half ~none}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["type"] == "single" and entry.data["key"] == "A"


def test_unequal_multi_weights() -> None:
    entry = one("Q?{~%70%a ~%30%b ~c}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["key"] == ["A", "B"]


def test_partial_answer_beside_several_full_ones() -> None:
    entry = one("Q?{=a =b ~%50%c ~d}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["key"] == ["A", "B"]


def test_partial_credit_in_short_answer() -> None:
    entry = one("Q?{=Nazareth =%75%Nazereth}")
    assert codes(entry) == ["PARTIAL_CREDIT_LOST", "SHORT_NEEDS_RUBRIC"]
    assert entry.data["references"] == ["Nazareth"]


def test_wildcards() -> None:
    entry = one("Best animal?{=Frog =%0%*}")
    assert codes(entry) == ["WILDCARD_LOST", "SHORT_NEEDS_RUBRIC"] and entry.data["references"] == ["Frog"]
    entry = one("Colour?{=colo*r}")
    assert codes(entry) == ["WILDCARD_LOST", "SHORT_NEEDS_RUBRIC"] and entry.data["references"] == ["colo*r"]


def test_asterisk_in_a_choice_is_plain_text() -> None:
    entry = one("Q?{=2*3 ~2+3}")
    assert entry.outcome == "imported" and entry.data["options"] == ["2*3", "2+3"]


def test_answer_feedback_is_reported() -> None:
    entry = one("Q?{=right#好！ ~wrong#错了 ~other}")
    assert codes(entry) == ["FEEDBACK_LOST"] and "2" in entry.messages[0].message
    assert entry.data["options"] == ["right", "wrong", "other"]


def test_empty_feedback_is_no_loss() -> None:
    assert one("Q?{=right# ~wrong#}").outcome == "imported"


def test_true_false_feedback() -> None:
    entry = one("Q?{FALSE#42 is the answer.#Right.####General.}")
    assert codes(entry) == ["FEEDBACK_LOST"] and entry.data["key"] is False and entry.data["explanation"] == "General."


def test_trailing_punctuation_is_dropped_with_a_warning() -> None:
    entry = one("Q?{T}\";")
    assert codes(entry) == ["TRAILING_TEXT_DROPPED"] and entry.data["key"] is True
    assert one("首批纳入的行业是{=发电行业}。").data["stem"] == "首批纳入的行业是"


# ---- rejections -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "code"), [
    ("Match{=a -> 1 =b -> 2 =c -> 3}", "MATCHING_UNSUPPORTED"),
    ("甲烷的GWP约为？{#28:2}", "NUMERICAL_UNSUPPORTED"),
    ("Q{#\n=1822:0\n=%50%1822:2}", "NUMERICAL_UNSUPPORTED"),
    ("全国碳市场于{~2020 =2021}年启动。", "MISSING_WORD_UNSUPPORTED"),
    ("Grant is {~buried =entombed} in Grant's tomb.", "MISSING_WORD_UNSUPPORTED"),
    ("[html]<p>Q {~a =b} more text</p>", "MISSING_WORD_UNSUPPORTED"),
    ("这只是一段说明文字。", "NO_ANSWER_BLOCK"),
    ("Q{=a ~b", "BRACES_UNBALANCED"),
    ("Q{{=a ~b}}", "BRACES_UNBALANCED"),
    ("Q } {=a ~b}", "BRACES_UNBALANCED"),
    ("Q{=a ~b}}", "BRACES_UNBALANCED"),
    ("Q1{T}\nQ2{F}", "MULTIPLE_ANSWER_BLOCKS"),
    ("::unterminated title Q{T}", "TITLE_UNTERMINATED"),
    ("Q{Paris}", "ANSWERS_UNRECOGNISED"),
    ("Q{stray ~a =b}", "ANSWERS_UNRECOGNISED"),
    ("Q{~a ~b ~c}", "NO_CORRECT_ANSWER"),
    ("Q{=%0%a =%-50%b}", "NO_CORRECT_ANSWER"),
    ("Q{=a ~b ~c ~d ~e ~f ~g ~h ~i}", "TOO_MANY_OPTIONS"),
    ("Q{=%150%a ~b}", "BAD_WEIGHT"),
])
def test_rejections(text: str, code: str) -> None:
    assert rejected(text) == code


def test_a_rejected_question_does_not_stop_the_file() -> None:
    entries = gift.parse(b"Q1{#1:1}\n\nQ2{T}\n")
    assert [(e.location, e.outcome) for e in entries] == [("line 1", "rejected"), ("line 3", "imported")]


# ---- titles, categories, format tags --------------------------------------------------------------------

def test_title_is_kept() -> None:
    entry = one("::CM\\:01 碳市场:: 全国碳市场启动于2021年。{T}")
    assert entry.data["title"] == "CM:01 碳市场" and entry.data["stem"] == "全国碳市场启动于2021年。"


def test_categories_apply_to_the_questions_that_follow() -> None:
    text = ("Q0{T}\n\n"
            "// switch\n$CATEGORY: $course$/碳市场/基础\n\nQ1{T}\n\nQ2{F}\n\n"
            "$CATEGORY: $system$/Top level\nQ3 in the same block{T}\n\n"
            "$CATEGORY: plain/path\n\nQ4{T}\n\n"
            "$CATEGORY: $course$/top/碳市场/配额\n\nQ5{T}\n\n$CATEGORY: $course$/top\n\nQ6{T}\n\n"
            "$CATEGORY: $course$\n\nQ7{T}\n")
    entries = gift.parse(text.encode())
    assert [(e.location, e.data["category"]) for e in entries] == [
        ("line 1", ""), ("line 6", "碳市场/基础"), ("line 8", "碳市场/基础"), ("line 11", "Top level"),
        ("line 15", "plain/path"), ("line 19", "碳市场/配额"), ("line 23", ""), ("line 27", "")]


@pytest.mark.parametrize("tag", ["[moodle]", "[plain]", "[markdown]", "[MARKDOWN]"])
def test_non_html_format_tags_are_stripped(tag: str) -> None:
    entry = one(f"::T::{tag}Is *x* <b>kept</b> as written?{{={tag}yes ~no}}")
    assert entry.outcome == "imported"
    assert entry.data["stem"] == "Is *x* <b>kept</b> as written?" and entry.data["options"] == ["yes", "no"]


def test_html_becomes_plain_text() -> None:
    entry = one("::H::[html]<p>全国碳市场&nbsp;<b>CEA</b> &amp; CCER</p><p>第二段<br/>第三行 &lt;tag&gt;</p>"
                "{=<i>对</i> ~<span>错</span>####<p>解析</p>}")
    assert codes(entry) == ["HTML_CONVERTED"]
    data = entry.data
    assert data["stem"] == "全国碳市场 CEA & CCER\n第二段\n第三行 <tag>"
    assert data["options"] == ["对", "错"] and data["explanation"] == "解析"


def test_html_with_only_paragraphs_and_breaks_loses_nothing() -> None:
    entry = one("[html]<p>第一段</p>\n<p>第二段<br>下一行</p>{T}")
    assert entry.outcome == "imported" and entry.data["stem"] == "第一段\n第二段\n下一行"


def test_html_images_are_counted() -> None:
    entry = one('[html]看图<img src="@@PLUGINFILE@@/a.png">回答{T}')
    assert codes(entry) == ["HTML_CONVERTED"] and "1 image" in entry.messages[0].message
    assert entry.data["stem"] == "看图回答"


def test_answer_level_html_tag() -> None:
    entry = one("Plain <b>stem</b>{=[html]<b>bold</b> ~[plain]<i>kept</i>}")
    assert entry.data["stem"] == "Plain <b>stem</b>" and entry.data["options"] == ["bold", "<i>kept</i>"]
    assert codes(entry) == ["HTML_CONVERTED"]


def test_html_to_text_edge_cases() -> None:
    assert gift.html_to_text("a < b and c<d") == ("a < b and c<d", False, 0)
    assert gift.html_to_text("x<!-- hidden -->y<script>alert(1)</script>z")[0] == "xyz"
    assert gift.html_to_text("<p>  spaced\n   out  </p>\n\n<p></p><p>next</p>")[0] == "spaced out\n\nnext"
    assert gift.html_to_text("unclosed <b tag")[0] == "unclosed <b tag"


# ---- escapes, comments, encodings, line numbers ---------------------------------------------------------

def test_every_escape() -> None:
    entry = one(r"::a\:b:: 1\~2 \= 3 \# 4 \{5\} \: 6 \\ 7 \n8 C:\path{=\~ ~\= ~\# ~\{ ~\} ~\: ~\ ~\\n}")
    data = entry.data
    assert data["title"] == "a:b"
    assert data["stem"] == "1~2 = 3 # 4 {5} : 6 \\ 7 \n8 C:\\path"
    assert data["options"] == ["~", "=", "#", "{", "}", ":", "\\", "\\n"]


def test_comments_crlf_and_bom() -> None:
    text = "\ufeff// 注释\r\n// another\r\n::Q1:: 温室气体\r\n{=CO2 ~O2}\r\n\r\n  // indented comment\r\nQ2{T}"
    entries = gift.parse(text.encode("utf-8"))
    assert [(e.location, e.outcome) for e in entries] == [("line 3", "imported"), ("line 7", "imported")]
    assert entries[0].data["stem"] == "温室气体" and entries[0].data["title"] == "Q1"


def test_gb18030_file() -> None:
    text = "$CATEGORY: $course$/碳市场\n\n::CM-1::全国碳市场于2021年7月16日启动上线交易。{T}\n"
    (entry,) = gift.parse(text.encode("gb18030"), "gbk.gift")
    assert entry.outcome == "imported"
    assert entry.data["stem"] == "全国碳市场于2021年7月16日启动上线交易。" and entry.data["category"] == "碳市场"


def test_unreadable_encoding() -> None:
    with pytest.raises(UnreadableFile) as error:
        gift.parse(b"\xff\xfe\x00\xd8\x00\x00Q{T}")
    assert error.value.code == "BAD_ENCODING"


def test_empty_and_comment_only_files() -> None:
    assert gift.parse(b"") == []
    assert gift.parse("// 只有注释\n\n// nothing else\n".encode()) == []


def test_line_number_is_where_the_question_starts() -> None:
    entries = gift.parse(b"\n\n// c\n\n// c2\nQ\nspans\nlines{T}\n\n\n\nQ{F}")
    assert [e.location for e in entries] == ["line 6", "line 12"]


# ---- export and round trips -----------------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [
    {"type": "single", "code": "CM-001", "stem": "全国碳市场于哪一天正式启动上线交易？",
     "options": ["2021年7月16日", "2020年12月31日", "2017年12月19日"], "key": "A",
     "explanation": "首批纳入发电行业。", "category": "碳市场/基础"},
    {"type": "multi", "code": "CM:002", "stem": "下列哪些属于温室气体？\n（多选）",
     "options": ["CO₂", "CH₄", "N₂O", "O₂"], "key": ["A", "B", "C"], "explanation": "", "category": "碳市场/基础"},
    {"type": "multi", "stem": "Two keys", "options": ["a", "b", "c"], "key": ["A", "C"], "explanation": "",
     "category": "碳市场/基础"},
    {"type": "truefalse", "stem": "CO₂的GWP值为1。", "key": True, "explanation": "GWP以CO₂为基准。",
     "category": "温室气体"},
    {"type": "truefalse", "stem": "a=b ~c #d {e} f:g \\ h", "key": False, "explanation": "x####y {z}",
     "category": "温室气体"},
    {"type": "single", "stem": "// looks like a comment", "options": ["%50 text", "[html]<b>literal</b>", "T"],
     "key": "B", "explanation": "", "category": ""},
    {"type": "single", "stem": "[html]<p>not html</p>", "options": ["x", "%y%"], "key": "B",
     "explanation": "[plain] kept", "category": ""},
    {"type": "short", "code": "CM-009", "stem": "温室气体排放量的常用单位？", "references": ["tCO₂e", "吨二氧化碳当量"],
     "rubric": [{"point": "单位", "weight": 10.0, "synonyms": []}], "explanation": "", "category": "核算"},
    {"type": "short", "stem": "简述碳达峰与碳中和的区别。", "references": [], "rubric": [],
     "explanation": "参考：先达峰后中和", "category": "核算"},
]

COMPARED = ("type", "stem", "options", "key", "explanation", "category")


def test_round_trip() -> None:
    entries = gift.parse(gift.export(ITEMS))
    assert len(entries) == len(ITEMS)
    for item, entry in zip(ITEMS, entries, strict=True):
        expected = {k: item.get(k, [] if k == "options" else None) for k in COMPARED}
        if item["type"] == "short":
            expected["key"] = None
            assert entry.data["references"] == item["references"]
        assert {k: entry.data[k] for k in COMPARED} == expected
        if item["type"] != "short":
            assert entry.outcome == "imported", (entry.location, codes(entry))
        if item.get("code"):
            assert entry.data["title"] == item["code"]


def test_export_text() -> None:
    text = gift.export(ITEMS[:4]).decode("utf-8")
    assert text.startswith("$CATEGORY: $course$/top/碳市场/基础\n\n::CM-001::全国碳市场于哪一天正式启动上线交易？{\n")
    assert "\t=2021年7月16日\n\t~2020年12月31日\n" in text and "\t####首批纳入发电行业。\n}" in text
    assert "::CM\\:002::下列哪些属于温室气体？\\n（多选）{" in text
    assert "\t~%33.33333%CO₂\n\t~%33.33333%CH₄\n\t~%33.33333%N₂O\n\t~%-100%O₂\n}" in text
    assert "Two keys{\n\t~%50%a\n\t~%-100%b\n\t~%50%c\n}" in text
    assert "$CATEGORY: $course$/top/温室气体\n\nCO₂的GWP值为1。{\n\tT\n\t####GWP以CO₂为基准。\n}\n" in text
    assert text.count("$CATEGORY:") == 2


def test_export_short_and_essay() -> None:
    text = gift.export(ITEMS[7:]).decode("utf-8")
    assert "::CM-009::温室气体排放量的常用单位？{\n\t=tCO₂e\n\t=吨二氧化碳当量\n}" in text
    assert "简述碳达峰与碳中和的区别。{\n\t####参考：先达峰后中和\n}" in text
    assert gift.export([{"type": "short", "stem": "Essay", "references": []}]) == b"Essay{}\n"


def test_export_escapes_and_empty() -> None:
    text = gift.export([ITEMS[4]]).decode("utf-8")
    assert "a\\=b \\~c \\#d \\{e\\} f\\:g \\\\ h{\n\tF\n\t####x\\#\\#\\#\\#y \\{z\\}\n}" in text
    assert gift.export([]) == b""


def test_export_category_reset_and_unknown_type() -> None:
    text = gift.export([{"type": "truefalse", "stem": "a", "key": True, "category": "x"},
                        {"type": "truefalse", "stem": "b", "key": True}]).decode()
    assert "$CATEGORY: $course$/top/x\n" in text and "$CATEGORY: $course$/top\n" in text
    assert [e.data["category"] for e in gift.parse(text.encode())] == ["x", ""]
    with pytest.raises(ValueError, match="essay"):
        gift.export([{"type": "essay", "stem": "x"}])


# ---- hostile input --------------------------------------------------------------------------------------

def test_file_too_large() -> None:
    with pytest.raises(UnreadableFile) as error:
        gift.parse(b"Q{T}\n\n" * (30 * 2**20 // 6))
    assert error.value.code == "FILE_TOO_LARGE"


HOSTILE = {
    "nested braces": (b"Q " + b"{" * 4_000_000 + b"}" * 4_000_000, "rejected"),
    "one huge line": (b"Q " + b"x" * 12_000_000 + b"{T}", "imported"),
    "tags that never close": (b"[html]Q " + b"<a" * 4_000_000 + b"{T}", "imported"),
    "unclosed comment": (b"[html]Q <!--" + b"-" * 8_000_000 + b"{T}", "imported"),
    "millions of answers": (b"Q{" + b"~" * 12_000_000 + b"}", "rejected"),
    "millions of escapes": (b"Q " + b"\\~" * 4_000_000 + b"{T}", "imported"),
    "millions of feedback marks": (b"Q{=a ~b#" + b"x#" * 4_000_000 + b"}", "warning"),
    "millions of tiny blocks": (b"Q{T}\n\n" * 200_000, "imported"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_input_is_parsed_in_linear_time(case: str) -> None:
    data, outcome = HOSTILE[case]
    assert len(data) <= MAX_FILE_BYTES
    started = time.perf_counter()
    entries = gift.parse(data)
    assert time.perf_counter() - started < 10        # quadratic work on these sizes would take hours
    assert {e.outcome for e in entries} == {outcome}
