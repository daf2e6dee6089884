"""Moodle XML import/export: every mapping and rejection, HTML to text, encodings, hostile XML, round trip."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest

from examengine.bank.content import check_item
from examengine.bank.formats import moodle_xml
from examengine.bank.formats.base import ImportEntry, UnreadableFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def quiz(*questions: str, encoding: str = "UTF-8") -> bytes:
    body = "\n".join(questions)
    return f'<?xml version="1.0" encoding="{encoding}"?>\n<quiz>\n{body}\n</quiz>\n'.encode(encoding)


def question(qtype: str, stem: str = "题干", body: str = "", name: str = "题目") -> str:
    return (f'<question type="{qtype}"><name><text><![CDATA[{name}]]></text></name>'
            f'<questiontext format="html"><text><![CDATA[{stem}]]></text></questiontext>{body}</question>')


def answer(fraction: float | str, text: str, feedback: str = "", fmt: str = "html") -> str:
    return (f'<answer fraction="{fraction}" format="{fmt}"><text><![CDATA[{text}]]></text>'
            f'<feedback format="html"><text>{feedback}</text></feedback></answer>')


def one(*questions: str) -> ImportEntry:
    entries = moodle_xml.parse(quiz(*questions), "t.xml")
    assert len(entries) == 1
    return entries[0]


def codes(entry: ImportEntry) -> list[str]:
    return [m.code for m in entry.messages]


def fixture_entries() -> list[ImportEntry]:
    return moodle_xml.parse((FIXTURES / "carbon_market.moodle.xml").read_bytes(), "carbon_market.moodle.xml")


def multichoice(single: bool, *answers: str, extra: str = "") -> str:
    return question("multichoice", "下列哪些属于温室气体？",
                    f"<single>{'true' if single else 'false'}</single>{extra}" + "".join(answers))


# ---- the Chinese fixture file --------------------------------------------------------------------------

def test_carbon_market_fixture_report() -> None:
    entries = fixture_entries()
    assert [(e.location, e.outcome, codes(e)) for e in entries] == [
        ("question 1", "imported", []),
        ("question 2", "imported", []),
        ("question 3", "warning", ["PARTIAL_CREDIT_LOST", "FEEDBACK_LOST"]),
        ("question 4", "warning", ["PARTIAL_CREDIT_LOST"]),
        ("question 5", "warning", ["HTML_CONVERTED"]),
        ("question 6", "warning", ["IMAGE_LOST"]),
        ("question 7", "warning", ["SHORT_NEEDS_RUBRIC"]),
        ("question 8", "warning", ["SHORT_NEEDS_RUBRIC", "PARTIAL_CREDIT_LOST", "WILDCARD_LOST"]),
        ("question 9", "rejected", ["CLOZE_UNSUPPORTED"]),
        ("question 10", "rejected", ["MATCHING_UNSUPPORTED"]),
        ("question 11", "rejected", ["NUMERICAL_UNSUPPORTED"]),
        ("question 12", "rejected", ["NUMERICAL_UNSUPPORTED"]),
        ("question 13", "rejected", ["TYPE_UNSUPPORTED"]),
        ("question 14", "rejected", ["TYPE_UNSUPPORTED"]),
        ("question 15", "rejected", ["INVALID_FRACTION"]),
        ("question 16", "rejected", ["FRACTION_SUM"]),
        ("question 17", "rejected", ["NO_CORRECT_ANSWER"]),
    ]
    assert all(e.data is None for e in entries if e.rejected)


def test_carbon_market_fixture_items() -> None:
    entries = fixture_entries()
    start, gases, law, gwp, in_force, ar5, essay, blank = (e.data for e in entries[:8])
    assert start == {
        "type": "single", "title": "全国碳市场启动日期", "stem": "全国碳排放权交易市场于哪一天启动上线交易？",
        "options": ["2020年12月31日", "2021年7月16日", "2021年2月1日", "2024年5月1日"], "key": "B",
        "explanation": "全国碳市场于2021年7月16日启动上线交易。", "points": 2.0, "difficulty": 3,
        "tags": ["碳市场", "时间"], "category": "碳排放管理员/碳市场", "status": "active",
        "source": "Moodle XML carbon_market.moodle.xml question 1",
    }
    assert gases["type"] == "multi" and gases["key"] == ["A", "B", "C"] and gases["options"][3] == "氧气（O₂）"
    assert law["type"] == "multi" and law["key"] == ["A", "B"]
    assert gwp["type"] == "single" and gwp["key"] == "C"
    assert in_force["type"] == "truefalse" and in_force["key"] is True and in_force["options"] == []
    assert in_force["stem"] == "《碳排放权交易管理暂行条例》自2024年5月1日起施行。"
    assert ar5["key"] is False and ar5["stem"] == "根据IPCC AR5，甲烷的100年GWP为25。"
    assert essay["type"] == "short" and essay["status"] == "draft" and essay["references"] == []
    assert essay["explanation"] == "要点：发电行业；碳排放配额。" and essay["category"] == "核算"
    assert essay["points"] == 10.0 and essay["key"] is None and essay["rubric"] == []
    assert blank["references"] == ["28", "二十八", "28左右"] and blank["status"] == "draft"
    for data in (start, gases, law, gwp, in_force, ar5):
        _, issues = check_item(data, None)
        assert not issues, issues.items


def test_feedback_lost_is_one_warning_listing_what_was_lost() -> None:
    entries = fixture_entries()
    (lost,) = [m for m in entries[2].messages if m.code == "FEEDBACK_LOST"]
    assert "answer feedback, combined feedback, hints" in lost.message and "条例内容" in lost.message
    assert "答案反馈、整体反馈、提示" in lost.message_zh
    (image,) = [m for m in entries[5].messages if m.code == "IMAGE_LOST"]
    assert "gwp.png" in image.message and "GWP对照表" in image.message


# ---- locations and categories --------------------------------------------------------------------------

def test_locations_count_only_real_questions_and_categories_carry_over() -> None:
    tf = question("truefalse", "全国碳市场于2021年7月16日启动上线交易。", answer(100, "true") + answer(0, "false"))
    data = quiz('<question type="category"><category><text>$course$/top/碳市场</text></category></question>', tf,
                '<question type="category"><category><text>$module$/核查/现场核查</text></category></question>',
                tf, tf,
                '<question type="category"><category><text>$course$/top</text></category></question>', tf)
    entries = moodle_xml.parse(data)
    assert [e.location for e in entries] == ["question 1", "question 2", "question 3", "question 4"]
    assert [e.data["category"] for e in entries] == ["碳市场", "核查/现场核查", "核查/现场核查", ""]


def test_messages_name_the_question_in_both_languages() -> None:
    entry = one(question("ordering", name="<b>排序</b> & 题"))
    (message,) = entry.messages
    assert message.code == "TYPE_UNSUPPORTED" and "“排序 & 题”" in message.message
    assert "不支持Moodle题型" in message.message_zh and "“排序 & 题”" in message.message_zh


# ---- multichoice -----------------------------------------------------------------------------------------

def test_single_choice_key_is_the_answer_at_100() -> None:
    entry = one(multichoice(True, answer(0, "CO₂"), answer(0, "CH₄"), answer(100, "SF₆")))
    assert entry.outcome == "imported" and entry.data["type"] == "single" and entry.data["key"] == "C"


def test_single_is_moodles_default() -> None:
    entry = one(question("multichoice", "选一个", answer(100, "甲") + answer(0, "乙")))
    assert entry.data["type"] == "single" and entry.data["key"] == "A"


@pytest.mark.parametrize("fractions", [(100, 10, 0), (100, -50, 0), (100, 0, -100)])
def test_single_with_credit_on_wrong_answers_warns(fractions: tuple[int, ...]) -> None:
    entry = one(multichoice(True, *(answer(f, t) for f, t in zip(fractions, "甲乙丙", strict=True))))
    assert entry.outcome == "warning" and codes(entry) == ["PARTIAL_CREDIT_LOST"] and entry.data["key"] == "A"


def test_multi_keys_are_the_positive_answers() -> None:
    entry = one(multichoice(False, answer(50, "CO₂"), answer(0, "O₂"), answer(50, "CH₄"), answer(0, "N₂")))
    assert entry.data["type"] == "multi" and entry.data["key"] == ["A", "C"]
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"]  # zero on wrong answers: Moodle gives credit we do not


def test_multi_graded_as_our_export_grades_imports_cleanly() -> None:
    entry = one(multichoice(False, answer(50, "CO₂"), answer(-33.33333, "O₂"), answer(50, "CH₄"),
                            answer(-33.33333, "N₂"), answer(-33.33333, "Ar")))
    assert entry.outcome == "imported" and entry.data["key"] == ["A", "C"]


def test_multi_with_unequal_shares_warns() -> None:
    entry = one(multichoice(False, answer(60, "CO₂"), answer(40, "CH₄"), answer(-100, "O₂")))
    assert codes(entry) == ["PARTIAL_CREDIT_LOST"]


def test_feedback_and_hints_lost() -> None:
    combined = '<correctfeedback format="html"><text>答对了</text></correctfeedback>'
    entry = one(multichoice(True, answer(100, "甲", feedback="很好"), answer(0, "乙"), extra=combined)
                .replace("</question>", '<hint format="html"><text>提示一</text></hint></question>'))
    assert codes(entry) == ["FEEDBACK_LOST"]
    assert "answer feedback, combined feedback, hints" in entry.messages[0].message


def test_empty_feedback_elements_lose_nothing() -> None:
    empty = ('<correctfeedback format="html"><text></text></correctfeedback>'
             '<incorrectfeedback format="html"><text><![CDATA[<p></p>]]></text></incorrectfeedback>')
    entry = one(multichoice(True, answer(100, "甲"), answer(0, "乙"), extra=empty))
    assert entry.outcome == "imported"


@pytest.mark.parametrize(("fractions", "code"), [
    ((33, 33.33333, 33.33333, 0), "INVALID_FRACTION"),
    ((50, 49, 0), "INVALID_FRACTION"),
    (("abc", 100, 0), "INVALID_FRACTION"),
    ((40, 40, 0), "FRACTION_SUM"),
    ((100, 100, 0), "FRACTION_SUM"),
    ((0, 0, 0), "FRACTION_SUM"),
])
def test_multi_rejections_follow_moodle(fractions: tuple[Any, ...], code: str) -> None:
    entry = one(multichoice(False, *(answer(f, f"选项{i}") for i, f in enumerate(fractions))))
    assert entry.rejected and entry.data is None and codes(entry) == [code]
    assert "题目" in entry.messages[0].message and entry.messages[0].message_zh


@pytest.mark.parametrize(("fractions", "code"), [
    ((50, 0), "NO_CORRECT_ANSWER"), ((100, 100, 0), "SEVERAL_CORRECT_ANSWERS"),
    ((100, 33), "INVALID_FRACTION"),
])
def test_single_rejections(fractions: tuple[int, ...], code: str) -> None:
    entry = one(multichoice(True, *(answer(f, f"选项{i}") for i, f in enumerate(fractions))))
    assert entry.rejected and codes(entry) == [code]


def test_moodle_fraction_tolerance() -> None:
    entry = one(multichoice(False, answer(33.333333, "甲"), answer(33.3333, "乙"), answer(33.33333, "丙"),
                            answer(-100, "丁")))
    assert entry.outcome == "imported" and entry.data["key"] == ["A", "B", "C"]


def test_more_than_eight_options_rejected() -> None:
    entry = one(multichoice(True, answer(100, "选项0"), *(answer(0, f"选项{i}") for i in range(1, 9))))
    assert codes(entry) == ["TOO_MANY_OPTIONS"]


def test_empty_answers_are_skipped_like_moodle() -> None:
    entry = one(multichoice(True, answer(100, "甲"), answer(0, ""), answer(0, "乙")))
    assert entry.data["options"] == ["甲", "乙"]


# ---- text conversion -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("html", "text"), [
    ("<p>第一行</p><p>第二行<br>第三行</p>", "第一行\n第二行\n第三行"),
    ('<p dir="ltr" style="text-align: left;">1<br></p>\n  <p>2</p>', "1\n2"),
    ("甲<br><br>乙", "甲\n\n乙"),
    ("x &gt; 1 &amp;&amp; x &lt; 2", "x > 1 && x < 2"),
    ("碳&nbsp;市场   交易", "碳 市场 交易"),
    ("<div>配额</div><div>CCER</div>", "配额\nCCER"),
])
def test_simple_html_converts_without_warning(html: str, text: str) -> None:
    entry = one(question("truefalse", html, answer(100, "true") + answer(0, "false")))
    assert entry.data["stem"] == text and entry.outcome == "imported"


def test_other_markup_is_dropped_with_one_warning() -> None:
    stem = "<p>单位：<sub>2</sub><em>吨</em></p><table><tr><td>甲</td><td>乙</td></tr></table><script>x()</script>"
    entry = one(question("truefalse", stem, answer(100, "true") + answer(0, "false")))
    assert entry.data["stem"] == "单位：2吨\n甲 乙"
    assert codes(entry) == ["HTML_CONVERTED"]
    assert "em, script, sub, table, td, tr" in entry.messages[0].message


def test_images_in_options_are_reported() -> None:
    entry = one(multichoice(True, answer(100, '图<img src="a.png">'), answer(0, "乙")))
    assert codes(entry) == ["IMAGE_LOST"] and entry.data["options"] == ["图", "乙"]


@pytest.mark.parametrize("hostile", [
    "<a " * 200_000, "<p>" * 200_000, "<" * 200_000, "<img " + "a" * 500_000 + ">",
    "<img " + 'a="x ' * 100_000 + ">", "&" * 200_000,
])
def test_html_conversion_stays_linear_on_hostile_markup(hostile: str) -> None:
    started = time.perf_counter()
    text, _, _ = moodle_xml.html_to_text(hostile)
    assert time.perf_counter() - started < 5  # html.parser needs minutes for the first of these
    assert len(text) <= len(hostile)


def test_plain_text_formats_are_kept_verbatim() -> None:
    body = answer(100, "true") + answer(0, "false")
    entry = one(f'<question type="truefalse"><name><text>n</text></name><questiontext format="plain_text">'
                f"<text>a &lt;b&gt; *c*\n下一行</text></questiontext>{body}</question>")
    assert entry.data["stem"] == "a <b> *c*\n下一行"
    auto = one(f'<question type="truefalse"><name><text>n</text></name>'
               '<questiontext format="moodle_auto_format"><text>第一行\n第二行</text></questiontext>'
               f"{body}</question>")
    assert auto.data["stem"] == "第一行\n第二行" and auto.outcome == "imported"


# ---- truefalse, essay, shortanswer ---------------------------------------------------------------------

@pytest.mark.parametrize(("answers", "key"), [
    (answer(100, "true") + answer(0, "false"), True),
    (answer(0, "true") + answer(100, "false"), False),
    (answer(100, "false") + answer(0, "true"), False),
    (answer(100, "对") + answer(0, "错"), True),  # old files: the first answer is true
])
def test_truefalse_key(answers: str, key: bool) -> None:
    entry = one(question("truefalse", "全国碳市场于2021年7月16日启动。", answers))
    assert entry.data["type"] == "truefalse" and entry.data["key"] is key


def test_truefalse_without_a_full_mark_is_rejected() -> None:
    entry = one(question("truefalse", "陈述", answer(0, "true") + answer(0, "false")))
    assert codes(entry) == ["NO_CORRECT_ANSWER"]


def test_truefalse_feedback_lost() -> None:
    entry = one(question("truefalse", "陈述", answer(100, "true", "正确，见条例") + answer(0, "false")))
    assert codes(entry) == ["FEEDBACK_LOST"]


def test_essay_without_graderinfo_uses_general_feedback() -> None:
    feedback = '<generalfeedback format="html"><text>参考：发电行业</text></generalfeedback>'
    entry = one(question("essay", "简述碳市场的作用。", feedback))
    assert entry.data["explanation"] == "参考：发电行业" and codes(entry) == ["SHORT_NEEDS_RUBRIC"]
    grader = '<graderinfo format="html"><text>评分要点</text></graderinfo>'
    both = one(question("essay", "简述。", feedback + grader))
    assert both.data["explanation"] == "评分要点\n\n参考：发电行业"


def test_shortanswer_case_variants_collapse_and_literal_star_is_kept() -> None:
    body = (answer(100, "CCER", fmt="moodle_auto_format") + answer(100, "ccer", fmt="moodle_auto_format")
            + answer(100, "5\\*2", fmt="moodle_auto_format") + answer(0, "错误答案", fmt="moodle_auto_format"))
    entry = one(question("shortanswer", "国家核证自愿减排量的英文缩写是？", body))
    assert entry.data["references"] == ["CCER", "5*2"]
    assert codes(entry) == ["SHORT_NEEDS_RUBRIC"]


def test_shortanswer_case_sensitive_keeps_variants() -> None:
    body = "<usecase>1</usecase>" + answer(100, "CCER") + answer(100, "ccer")
    assert one(question("shortanswer", "缩写？", body)).data["references"] == ["CCER", "ccer"]


def test_shortanswer_pattern_wildcard_dropped() -> None:
    entry = one(question("shortanswer", "缩写？", answer(100, "CCER") + answer(100, "CC*R")))
    assert entry.data["references"] == ["CCER"] and codes(entry) == ["SHORT_NEEDS_RUBRIC", "WILDCARD_LOST"]


@pytest.mark.parametrize(("qtype", "code"), [
    ("cloze", "CLOZE_UNSUPPORTED"), ("multianswer", "CLOZE_UNSUPPORTED"),
    ("matching", "MATCHING_UNSUPPORTED"),
    ("randomsamatch", "MATCHING_UNSUPPORTED"), ("numerical", "NUMERICAL_UNSUPPORTED"),
    ("calculated", "NUMERICAL_UNSUPPORTED"), ("calculatedsimple", "NUMERICAL_UNSUPPORTED"),
    ("calculatedmulti", "NUMERICAL_UNSUPPORTED"), ("ddwtos", "TYPE_UNSUPPORTED"),
    ("gapselect", "TYPE_UNSUPPORTED"), ("ordering", "TYPE_UNSUPPORTED"), ("description", "TYPE_UNSUPPORTED"),
    ("random", "TYPE_UNSUPPORTED"), ("ddimageortext", "TYPE_UNSUPPORTED"), ("", "TYPE_UNSUPPORTED"),
])
def test_unsupported_types_rejected(qtype: str, code: str) -> None:
    entry = one(question(qtype))
    assert entry.rejected and entry.data is None and codes(entry) == [code]
    assert entry.messages[0].message_zh.startswith("“题目”：不支持")


# ---- unreadable files ------------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<quiz><question type="essay"><questiontext><text>&lol9;</text></questiontext></question></quiz>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="essay"><name><text>x</text></name>
<questiontext format="plain_text"><text>&secret;</text></questiontext></question></quiz>
"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion_laughs", "external_entity"])
def test_hostile_xml_is_refused(data: bytes) -> None:
    with pytest.raises(UnreadableFile) as caught:
        moodle_xml.parse(data, "evil.xml")
    assert caught.value.code == "XML_UNSAFE" and caught.value.message_zh
    assert "root:" not in str(caught.value)


def test_malformed_xml_reports_the_line() -> None:
    with pytest.raises(UnreadableFile) as caught:
        moodle_xml.parse(b'<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>\n')
    assert caught.value.code == "XML_MALFORMED" and caught.value.location == "line 4"
    assert "line 4" in caught.value.message and "第4行" in caught.value.message_zh


def test_other_xml_is_not_moodle() -> None:
    with pytest.raises(UnreadableFile) as caught:
        moodle_xml.parse(b"<assessmentItem/>")
    assert caught.value.code == "NOT_MOODLE_XML"


def test_gbk_files_are_read() -> None:
    tf = question("truefalse", "全国碳市场于2021年7月16日启动。", answer(100, "true") + answer(0, "false"))
    declared = quiz(tf, encoding="GBK")
    assert moodle_xml.parse(declared)[0].data["stem"] == "全国碳市场于2021年7月16日启动。"
    mislabelled = quiz(tf).decode("utf-8").encode("gb18030")  # says UTF-8, is GBK: common in Chinese exports
    assert moodle_xml.parse(mislabelled)[0].data["stem"] == "全国碳市场于2021年7月16日启动。"


def test_empty_quiz_has_no_entries() -> None:
    assert moodle_xml.parse(b"<quiz/>") == []


# ---- export ----------------------------------------------------------------------------------------------

ITEMS: list[dict[str, Any]] = [
    {"code": "mkt-001", "type": "single", "stem": "全国碳排放权交易市场于哪一天启动上线交易？",
     "options": ["2020年12月31日", "2021年7月16日", "2021年2月1日", "2024年5月1日"], "key": "B",
     "explanation": "全国碳市场于2021年7月16日启动上线交易。", "points": 1.0, "category": "碳市场/交易",
     "tags": ["碳市场"]},
    {"code": "mkt-002", "type": "multi", "stem": "下列哪些属于温室气体？\n（多选）",
     "options": ["二氧化碳", "甲烷", "氧气", "氧化亚氮", "氮气"], "key": ["A", "B", "D"], "explanation": "",
     "points": 2.5, "category": "碳市场/交易", "tags": []},
    {"code": "law-001", "type": "truefalse", "stem": "《碳排放权交易管理暂行条例》自2024年5月1日起施行。",
     "options": [], "key": True, "explanation": "国务院令第775号。", "points": 1.0, "category": "", "tags": []},
    {"code": "law-002", "type": "truefalse", "stem": "IPCC AR5中甲烷的100年GWP为25。", "options": [], "key": False,
     "explanation": "AR5为28。", "points": 1.0, "category": "", "tags": []},
    {"code": "acc-001", "type": "short", "stem": "按IPCC AR5，甲烷的GWP是多少？请说明 <依据> & 时间尺度。",
     "options": [], "key": None, "references": ["28（100年）", "二十八"], "explanation": "见AR5 ]]> 第8章",
     "points": 10.0, "category": "核算", "tags": []},
    {"code": "acc-002", "type": "short", "stem": "论述全国碳市场的作用。", "options": [], "key": None,
     "references": [], "explanation": "评分时关注减排激励。", "points": 5.0, "category": "核算", "tags": []},
]
COMPARED = ("type", "stem", "options", "key", "explanation", "points", "category")


def test_round_trip_keeps_every_field() -> None:
    entries = moodle_xml.parse(moodle_xml.export(ITEMS), "bank.xml")
    assert len(entries) == len(ITEMS)
    for item, entry in zip(ITEMS, entries, strict=True):
        for name in COMPARED:
            assert entry.data[name] == item[name], (item["code"], name)
        assert entry.data["title"] == item["code"]
    assert [e.outcome for e in entries] == ["imported"] * 4 + ["warning"] * 2
    assert entries[0].data["tags"] == ["碳市场"]
    assert entries[4].data["references"] == ["28（100年）", "二十八"]
    assert entries[5].data["references"] == [] and entries[5].data["status"] == "draft"


def test_round_trip_keeps_line_breaks_spaces_and_markup_characters() -> None:
    item = {"type": "single", "stem": "第一行\n第二行  两个空格 <b>不是标签</b> &amp;", "options": ["a < b", "c & d"],
            "key": "A", "explanation": "", "points": 1.0, "category": ""}
    (entry,) = moodle_xml.parse(moodle_xml.export([item]))
    assert entry.data["stem"] == item["stem"] and entry.data["options"] == item["options"]


def _exported_questions(items: list[dict[str, Any]]) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(moodle_xml.export(items))
    assert root.tag == "quiz"
    return root.findall("question")


def test_export_is_moodle_xml() -> None:
    questions = _exported_questions(ITEMS)
    assert [q.get("type") for q in questions] == [
        "category", "multichoice", "multichoice", "category", "truefalse", "truefalse", "category",
        "shortanswer", "essay"]
    assert [q.findtext("category/text") for q in questions if q.get("type") == "category"] == [
        "$course$/top/碳市场/交易", "$course$/top", "$course$/top/核算"]
    for q in questions[1:]:
        if q.get("type") != "category":
            assert q.findtext("name/text") and q.find("questiontext").get("format") == "html"
    assert b"<![CDATA[" in moodle_xml.export(ITEMS)


@pytest.mark.parametrize(("n_options", "n_keys"), [(3, 2), (4, 3), (5, 2), (8, 6), (8, 7), (8, 8), (5, 4)])
def test_exported_multi_fractions_are_allowed_and_add_up(n_options: int, n_keys: int) -> None:
    item = {"type": "multi", "stem": "多选", "options": [f"选项{i}" for i in range(n_options)],
            "key": list("ABCDEFGH"[:n_keys]), "points": 2.0}
    (q,) = _exported_questions([item])
    fractions = [float(a.get("fraction")) for a in q.findall("answer")]
    assert all(any(abs(f - g) < 0.001 for g in moodle_xml.ALLOWED_FRACTIONS) for f in fractions)
    assert round(sum(f for f in fractions if f > 0) / 100, 2) == 1  # Moodle's errfractionsaddwrong check
    assert q.findtext("single") == "false"
    (entry,) = moodle_xml.parse(moodle_xml.export([item]))
    assert entry.outcome == "imported" and entry.data["key"] == item["key"]


def test_exported_single_and_truefalse_fractions() -> None:
    single, tf = [q for q in _exported_questions(ITEMS[:1] + ITEMS[3:4]) if q.get("type") != "category"]
    assert [a.get("fraction") for a in single.findall("answer")] == ["0", "100", "0", "0"]
    assert [(a.findtext("text"), a.get("fraction")) for a in tf.findall("answer")] == [("true", "0"),
                                                                                         ("false", "100")]


def test_export_rejects_unknown_types() -> None:
    with pytest.raises(ValueError, match="match"):
        moodle_xml.export([{"type": "match", "stem": "x"}])
