"""Excel and CSV in the Chinese exam-system layout."""

import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from examengine.bank.formats import sheet, template
from examengine.bank.formats.base import UnreadableFile


def xlsx(rows):
    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析", "分值", "难度", "知识点/模块"]


def test_usual_spellings():
    rows = [["某培训基地题库导出"], HEADER,
            ["单选题", "全国碳市场启动上线交易的日期是（  ）。", "2021年2月1日", "2021年7月16日", "", "", "b", "见通知", 1, "易", "中国碳市场"],
            ["2", "属于温室气体的有（  ）。", "二氧化碳", "甲烷", "氮气", "", "A、B", "", 2, 3, ""],
            ["判断", "CCER 可用于全国碳市场配额清缴抵销。", "", "", "", "", "√", "", "", "", ""],
            ["判断题", "陈述", "", "", "", "", "错误", "", "", "", ""],
            ["多选", "陈述", "甲", "乙", "丙", "", "A,B", "", "", "较难", ""],
            ["填空题", "碳达峰目标年份是____。", "", "", "", "", "2030", "", "", "", ""],
            ["论文", "?", "", "", "", "", "", "", "", "", ""]]
    entries = sheet.parse(xlsx(rows), "bank.xlsx")
    assert [e.location for e in entries] == [f"row {n}" for n in range(3, 10)]
    first = entries[0].data
    assert (first["type"], first["key"], first["options"], first["difficulty"], first["category"]) == \
        ("single", "B", ["2021年2月1日", "2021年7月16日"], 1, "中国碳市场")
    assert entries[1].data["type"] == "multi" and entries[1].data["key"] == ["A", "B"]
    assert entries[2].data["key"] is True and entries[3].data["key"] is False
    assert entries[4].data["difficulty"] == 4
    assert (entries[5].outcome, entries[5].messages[0].code) == ("rejected", "TYPE_UNSUPPORTED")
    assert (entries[6].outcome, entries[6].messages[0].code) == ("rejected", "TYPE_UNKNOWN")


def test_csv_in_gbk_with_short_answer_rubric():
    text = ("题型,题干,答案,解析,分值,参考答案,评分要点\n"
            "简答,简述排放因子法。,,排放量=活动数据×排放因子,10,排放量等于活动数据乘以排放因子,"
            "\"排放量等于活动数据乘以排放因子 | 6 | AD×EF；活动水平乘以排放因子\n排放因子是单位活动数据的排放量 | 4\"\n")
    (entry,) = sheet.parse(text.encode("gb18030"), "bank.csv")
    assert entry.outcome == "imported"
    assert entry.data["rubric"] == [
        {"point": "排放量等于活动数据乘以排放因子", "weight": 6.0, "synonyms": ["AD×EF", "活动水平乘以排放因子"]},
        {"point": "排放因子是单位活动数据的排放量", "weight": 4.0, "synonyms": []}]


def test_short_without_rubric_is_a_draft_with_a_warning():
    (entry,) = sheet.parse("题型,题干,参考答案\n问答题,什么是碳足迹？,产品全生命周期的温室气体排放\n".encode(), "a.csv")
    assert entry.outcome == "warning" and entry.data["status"] == "draft"
    assert entry.messages[0].code == "SHORT_NEEDS_RUBRIC"


def test_missing_header_fails_the_whole_file():
    with pytest.raises(UnreadableFile) as exc:
        sheet.parse(b"a,b,c\n1,2,3\n", "x.csv")
    assert exc.value.code == "MISSING_HEADER"


def test_damaged_and_hostile_workbooks():
    with pytest.raises(UnreadableFile) as exc:
        sheet.parse(b"PK\x03\x04 not really a zip", "x.xlsx")
    assert exc.value.code == "XLSX_UNREADABLE"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * (60 * 1024 * 1024))
    with pytest.raises(UnreadableFile) as exc:
        sheet.parse(bomb.getvalue(), "bomb.xlsx")
    assert exc.value.code == "ZIP_BOMB"


ITEMS = [
    {"code": "pub-001", "type": "single", "stem": "题一（  ）", "options": ["甲", "乙", "丙"], "key": "C",
     "explanation": "解析一", "points": 1.0, "difficulty": 2, "module": "pub", "knowledge_points": ["pub.k01"],
     "levels": ["L4", "L3"], "tags": ["标签"], "source": "来源", "status": "active"},
    {"code": "pub-002", "type": "multi", "stem": "题二", "options": ["甲", "乙", "丙", "丁"], "key": ["A", "D"],
     "explanation": "", "points": 2.0, "difficulty": 3, "module": "pub", "knowledge_points": [], "levels": ["L3"],
     "tags": [], "source": "", "status": "draft"},
    {"code": "pub-003", "type": "truefalse", "stem": "题三", "options": [], "key": False, "explanation": "",
     "points": 1.0, "difficulty": 1, "module": "pub", "knowledge_points": [], "levels": [], "tags": [],
     "source": "", "status": "active"},
    {"code": "acc-001", "type": "short", "stem": "题四", "options": [], "key": None, "explanation": "解析",
     "points": 10.0, "difficulty": 4, "module": "acc", "knowledge_points": ["acc.k01"], "levels": ["L4"],
     "tags": [], "source": "GB/T 32150", "status": "active", "references": ["参考一", "参考二\n第二段"],
     "rubric": [{"point": "要点一", "weight": 6.0, "synonyms": ["说法甲", "说法乙"]},
                {"point": "要点二", "weight": 4.0, "synonyms": []}]},
]
FIELDS = ("code", "type", "stem", "options", "key", "explanation", "points", "difficulty", "module",
          "knowledge_points", "levels", "tags", "source", "status")


@pytest.mark.parametrize("export", [sheet.export_xlsx, sheet.export_csv])
def test_round_trip(export):
    name = "x.xlsx" if export is sheet.export_xlsx else "x.csv"
    entries = sheet.parse(export(ITEMS), name)
    assert [e.outcome for e in entries] == ["imported"] * 4
    for original, entry in zip(ITEMS, entries, strict=True):
        for f in FIELDS:
            assert entry.data.get(f, []) == original[f] or (f == "options" and not original[f]), (f, entry.data)
    assert entries[3].data["references"] == ITEMS[3]["references"]
    assert entries[3].data["rubric"] == ITEMS[3]["rubric"]


def test_template_has_instructions_lists_and_parses_its_own_examples():
    data = template.template_xlsx(["pub06", "acc04"])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:2] == ["说明", "试题"]
    validated = {str(dv.sqref).split(":")[0].rstrip("0123456789") for dv in wb["试题"].data_validations.dataValidation}
    assert {"B", "O", "P", "W"} <= validated  # 题型, 难度, 模块, 状态
    assert [c.value for c in wb["lists"]["A"]] == ["pub06", "acc04"]
    entries = sheet.parse(data, "template.xlsx")
    assert [(e.data["type"], e.outcome) for e in entries] == [("single", "imported"), ("truefalse", "imported"),
                                                              ("short", "imported")]


def test_oversized_csv_is_refused_before_parsing():
    big = ("题型,题干\n" + "单选,题\n" * 3_000_000).encode()
    assert len(big) > 20 * 1024 * 1024
    with pytest.raises(UnreadableFile) as exc:
        sheet.parse(big, "big.csv")
    assert exc.value.code == "FILE_TOO_LARGE"
