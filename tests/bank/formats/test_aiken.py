"""Aiken import/export: option and answer line shapes, true/false detection, error recovery, round trips."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from examengine.bank.content import check_item
from examengine.bank.formats import aiken
from examengine.bank.formats.base import ImportEntry, UnreadableFile

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formats"


def parse(text: str) -> list[ImportEntry]:
    return aiken.parse(text.encode("utf-8"), "t.txt")


def report(entries: list[ImportEntry]) -> list[tuple[str, str, list[str]]]:
    return [(e.location, e.outcome, [m.code for m in e.messages]) for e in entries]


def one(text: str) -> ImportEntry:
    entries = parse(text)
    assert len(entries) == 1, report(entries)
    return entries[0]


# ---- the Chinese fixture file ---------------------------------------------------------------------------

def test_carbon_market_fixture() -> None:
    entries = aiken.parse((FIXTURES / "carbon_market_aiken.txt").read_bytes(), "carbon_market_aiken.txt")
    assert report(entries) == [
        ("line 1", "imported", []),
        ("line 8", "imported", []),
        ("line 14", "imported", []),
        ("line 19", "imported", []),
        ("line 24", "rejected", ["ANSWER_NOT_SINGLE"]),
    ]
    first, gwp, sector, vapour = (e.data for e in entries[:4])
    assert first["type"] == "single" and first["key"] == "A" and first["options"][0] == "2021年7月16日"
    assert first["stem"] == "全国碳排放权交易市场于哪一天正式启动上线交易？"
    assert first["source"] == "Aiken carbon_market_aiken.txt line 1"
    assert gwp["options"] == ["甲烷", "二氧化碳", "氧化亚氮"] and gwp["key"] == "B"      # full-width Ａ．and 答案：Ｂ
    assert sector["type"] == "truefalse" and sector["key"] is True                     # A、正确 / B、错误
    assert vapour["type"] == "truefalse" and vapour["key"] is True                     # A) 错 / B) 对, answer B
    for data in (first, gwp, sector, vapour):
        assert not check_item(data, None)[1]


# ---- line shapes ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("label", ["A. ", "A) ", "A)", "A.", "Ａ．", "Ａ）", "A、", "A .", "A\t)\t"])
def test_option_label_shapes(label: str) -> None:
    b = label.replace("A", "B").replace("Ａ", "Ｂ")
    entry = one(f"温室气体是？\n{label}二氧化碳\n{b}氧气\nANSWER: A")
    assert entry.outcome == "imported" and entry.data["options"] == ["二氧化碳", "氧气"]


@pytest.mark.parametrize("answer", ["ANSWER: B", "ANSWER:B", "Answer: b", "答案：B", "答案: B", "答案：Ｂ",
                                    "正确答案：B", "ANSWER: B."])
def test_answer_line_shapes(answer: str) -> None:
    entry = one(f"GWP的基准气体是？\nA. 甲烷\nB. 二氧化碳\nC. 氧化亚氮\n{answer}")
    assert entry.outcome == "imported" and entry.data["type"] == "single" and entry.data["key"] == "B"


def test_multi_line_stem() -> None:
    entry = one("阅读材料：全国碳市场于2021年7月16日启动。\n问：首批纳入哪个行业？\nA. 发电\nB. 钢铁\nANSWER: A")
    assert entry.data["stem"] == "阅读材料：全国碳市场于2021年7月16日启动。\n问：首批纳入哪个行业？"


def test_blank_line_between_stem_and_options() -> None:
    entry = one("Stem\n\nA. x\nB. y\n\nANSWER: B")
    assert entry.outcome == "imported" and entry.data["key"] == "B"


def test_html_characters_stay_plain_text() -> None:
    entry = one('Is <b class="x"> & &amp; markup?\nA) <i>yes</i> &\nB) no\nANSWER: A')
    assert entry.data["stem"] == 'Is <b class="x"> & &amp; markup?' and entry.data["options"][0] == "<i>yes</i> &"


@pytest.mark.parametrize(("a", "b", "answer", "key"), [
    ("True", "False", "A", True), ("true", "FALSE", "B", False), ("对", "错", "A", True),
    ("正确", "错误", "B", False), ("错", "对", "A", False), ("False", "True", "B", True)])
def test_true_false_options(a: str, b: str, answer: str, key: bool) -> None:
    entry = one(f"CO₂的GWP值为1。\nA. {a}\nB. {b}\nANSWER: {answer}")
    assert entry.data["type"] == "truefalse" and entry.data["key"] is key and entry.data["options"] == []


def test_two_true_options_stay_single_choice() -> None:
    entry = one("Q\nA. True\nB. 对\nANSWER: A")
    assert entry.data["type"] == "single"


def test_true_false_without_options() -> None:
    entry = one("全国碳市场首批纳入的是发电行业。\n答案：对")
    assert entry.data["type"] == "truefalse" and entry.data["key"] is True


# ---- error recovery -------------------------------------------------------------------------------------

def test_broken_questions_are_rejected_and_parsing_goes_on() -> None:
    text = ("只有一个选项的题\nA) 唯一选项\nANSWER: A\n\n"      # 1-3
            "A) 没有题干\nB) 没有题干\n\n"                  # 5-6
            "ANSWER: A\n\n"                                # 8
            "好题\nA) 对的\nB) 错的\nANSWER: A\n\n"          # 10-13
            "没写答案的题\nA) x\nB) y\n\n"                   # 15-17
            "下一题\nA) x\nB) y\nANSWER: B\n\n"              # 19-22
            "文件末尾没写答案\nA) x\nB) y\n")                 # 24-26
    entries = parse(text)
    assert report(entries) == [
        ("line 1", "rejected", ["TOO_FEW_OPTIONS"]),
        ("line 5", "rejected", ["OPTION_WITHOUT_STEM"]),
        ("line 8", "rejected", ["ANSWER_WITHOUT_QUESTION"]),
        ("line 10", "imported", []),
        ("line 15", "rejected", ["ANSWER_MISSING"]),
        ("line 19", "imported", []),
        ("line 24", "rejected", ["ANSWER_MISSING"]),
    ]
    assert "line 3" in entries[0].messages[0].message and "第3行" in entries[0].messages[0].message_zh
    assert "line 19" in entries[4].messages[0].message and "第19行" in entries[4].messages[0].message_zh
    assert "end of the file" in entries[6].messages[0].message


def test_stem_without_options_followed_by_another_question() -> None:
    entries = parse("一、单项选择题\n\n1. 全国碳市场启动于？\nA. 2021年\nB. 2020年\n答案：A")
    assert report(entries) == [("line 1", "rejected", ["ANSWER_MISSING"]), ("line 3", "imported", [])]
    assert entries[1].data["stem"] == "1. 全国碳市场启动于？"


@pytest.mark.parametrize(("text", "code"), [
    ("Q\nA. a\nB. b\nC. c\nD. d\nE. e\nF. f\nG. g\nH. h\nI. i\nANSWER: A", "TOO_MANY_OPTIONS"),
    ("Q\nA. a\nC. c\nANSWER: A", "OPTION_LABELS_OUT_OF_ORDER"),
    ("Q\nB. a\nA. c\nANSWER: A", "OPTION_LABELS_OUT_OF_ORDER"),
    ("Q\nA. a\nB. b\nANSWER: C", "ANSWER_NOT_AN_OPTION"),
    ("Q\nA. a\nB. b\nANSWER: A, B", "ANSWER_NOT_SINGLE"),
    ("Q\nA. a\nB. b\nANSWER: ", "ANSWER_INVALID"),
    ("Q\nA. a\nB. b\n答案：甲", "ANSWER_INVALID"),
    ("Q\nA. a\nB. b\nANSWER: Question not started", "ANSWER_INVALID"),
    ("Q\nANSWER: A", "TOO_FEW_OPTIONS"),
])
def test_rejections(text: str, code: str) -> None:
    entry = one(text)
    assert entry.rejected and entry.data is None and [m.code for m in entry.messages] == [code]
    assert any("\u4e00" <= c <= "\u9fff" for c in entry.messages[0].message_zh)


# ---- encodings ------------------------------------------------------------------------------------------

def test_gb18030_bom_and_crlf() -> None:
    text = "温室气体的GWP以哪种气体为基准？\r\nA. 甲烷\r\nB. 二氧化碳\r\n答案：B\r\n"
    for data in (text.encode("gb18030"), b"\xef\xbb\xbf" + text.encode("utf-8"), text.replace("\r\n", "\r").encode()):
        (entry,) = aiken.parse(data)
        assert entry.outcome == "imported" and entry.data["stem"] == "温室气体的GWP以哪种气体为基准？"
        assert entry.data["key"] == "B"


def test_empty_file() -> None:
    assert aiken.parse(b"") == [] and aiken.parse(b"\n\n  \n") == []


# ---- export ---------------------------------------------------------------------------------------------

ITEMS = [
    {"type": "single", "code": "CM-001", "stem": "全国碳市场于哪一天正式启动上线交易？",
     "options": ["2021年7月16日", "2020年12月31日", "2017年12月19日"], "key": "A", "explanation": "dropped"},
    {"type": "multi", "code": "CM-002", "stem": "哪些是温室气体？", "options": ["CO₂", "CH₄", "O₂"], "key": ["A", "B"]},
    {"type": "truefalse", "stem": "CO₂的GWP值为1。", "key": True},
    {"type": "short", "stem": "简述碳中和。", "references": ["净零排放"], "rubric": []},
    {"type": "truefalse", "stem": "第一行\n\nA. 这一行像选项\n答案：也像答案行", "key": False},
]


def test_export_with_skipped() -> None:
    data, skipped = aiken.export_with_skipped(ITEMS)
    assert data.decode("utf-8") == (
        "全国碳市场于哪一天正式启动上线交易？\nA) 2021年7月16日\nB) 2020年12月31日\nC) 2017年12月19日\nANSWER: A\n\n"
        "CO₂的GWP值为1。\nA) 对\nB) 错\nANSWER: A\n\n"
        "第一行 A. 这一行像选项 答案：也像答案行\nA) 对\nB) 错\nANSWER: B\n")
    assert [(s["index"], s["code"], s["type"], s["reason"]) for s in skipped] == [
        (1, "CM-002", "multi", "AIKEN_TYPE_UNSUPPORTED"), (3, None, "short", "AIKEN_TYPE_UNSUPPORTED")]
    assert skipped[0]["message"] and "多选" in skipped[0]["message_zh"]
    assert aiken.export(ITEMS) == data


def test_round_trip() -> None:
    exported = [ITEMS[0], ITEMS[2], {"type": "single", "stem": "Multi\nline <b>&</b>", "options": ["a", "b"],
                                     "key": "B"}]
    entries = aiken.parse(aiken.export(exported))
    assert [e.outcome for e in entries] == ["imported"] * 3
    for item, entry in zip(exported, entries, strict=True):
        for name in ("type", "stem", "key"):
            assert entry.data[name] == item[name]
        assert entry.data["options"] == (item["options"] if item["type"] == "single" else [])


def test_unreadable_stem_is_skipped() -> None:
    data, skipped = aiken.export_with_skipped([{"type": "single", "stem": "A. 像选项", "options": ["x", "y"],
                                                "key": "A"}, {"type": "truefalse", "stem": "  ", "key": True}])
    assert data == b"" and [s["reason"] for s in skipped] == ["AIKEN_STEM_UNREADABLE"] * 2


# ---- hostile input --------------------------------------------------------------------------------------

def test_file_too_large() -> None:
    with pytest.raises(UnreadableFile) as error:
        aiken.parse(b"Q\nA. a\nB. b\nANSWER: A\n\n" * (30 * 2**20 // 24))
    assert error.value.code == "FILE_TOO_LARGE"


@pytest.mark.parametrize(("data", "code"), [
    (b"Q\n" + b"A. x\n" * 2_000_000 + b"ANSWER: A", "TOO_MANY_OPTIONS"),
    (b"Q " + b"x" * 15_000_000 + b"\nA. a\nB. b\nANSWER: A", None),
    (b"A. stray\n" * 2_000_000, "OPTION_WITHOUT_STEM"),
], ids=["millions of options", "one huge line", "millions of stray options"])
def test_hostile_input_is_parsed_in_linear_time(data: bytes, code: str | None) -> None:
    started = time.perf_counter()
    entries = aiken.parse(data)
    assert time.perf_counter() - started < 15
    assert [[m.code for m in e.messages] for e in entries] == [[code] if code else []]
