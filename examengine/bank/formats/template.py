"""The downloadable Excel template for item writers: instructions, validation lists and examples (pure)."""

from __future__ import annotations

import io

from examengine.bank.formats.sheet import HEADERS_OUT, items_workbook

INSTRUCTIONS = [
    ("填写说明 / How to fill in", ""),
    ("题型", "单选、多选、判断、简答（也可写 单选题/1、多选题/2、判断题/3、简答题/5）"),
    ("题干", "必填。题目正文，单选/多选题可用“（  ）”表示作答处"),
    ("选项A…选项H", "单选、多选题至少两个选项（多选至少三个），按顺序从A填起；判断题、简答题留空"),
    ("答案", "单选：B；多选：ABD、A,B 或 A、B；判断：对/错（也可写 正确/错误、√/×、A/B）；简答题留空"),
    ("解析", "说明答案为何正确，必填"),
    ("分值", "正数，最多两位小数；缺省时单选/判断1分、多选2分、简答10分"),
    ("难度", "1（易）到5（难），也可写 易/较易/中等/较难/难"),
    ("模块", "大纲中的模块编号（如 pub06）或模块名称（如 中国碳市场）"),
    ("知识点", "知识点编号，多个用逗号分隔（如 pub06.k01,pub06.k02）"),
    ("等级", "该题适用的等级编号，多个用逗号分隔（如 L4,L3）；缺省为模块的全部等级"),
    ("标签", "多个用逗号分隔"),
    ("来源", "试题事实的出处：通知文号、标准号、指南名称等"),
    ("参考答案", "简答题：一个或多个参考答案，多个之间单独一行写 ‖"),
    ("评分要点", "简答题：每行一个得分点，格式为 要点 | 分值 | 同义表述1；同义表述2；各得分点分值之和等于题目分值"),
    ("状态", "草稿 或 启用（缺省为导入时选择的状态）"),
]
EXAMPLES = [
    ["", "单选", "全国碳排放权交易市场正式启动上线交易的日期是（  ）。", "2021年2月1日", "2021年7月16日", "2021年12月31日",
     "2024年5月1日", "", "", "", "", "B", "全国碳市场于2021年7月16日启动上线交易。", 1, 1, "pub06", "", "", "全国碳市场", "", "", "", ""],
    ["", "判断", "《碳排放权交易管理暂行条例》自2024年5月1日起施行。", "", "", "", "", "", "", "", "", "对",
     "国务院令第775号，自2024年5月1日起施行。", 1, 1, "pub06", "", "", "", "国务院令第775号", "", "", ""],
    ["", "简答", "简述排放因子法的基本计算公式及参数含义。", "", "", "", "", "", "", "", "", "",
     "排放量=活动数据×排放因子。", 10, 3, "acc04", "", "", "", "GB/T 32150-2015", "排放量等于活动数据乘以排放因子……",
     "排放量等于活动数据乘以排放因子 | 6 | 活动水平乘以排放因子；AD×EF\n排放因子是单位活动数据的排放量 | 4 | 排放系数", ""],
]


def template_xlsx(module_codes: list[str] | None = None) -> bytes:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb, ws = items_workbook()
    for row in EXAMPLES:
        ws.append(row)
    ws.freeze_panes = "A2"
    col = {name: get_column_letter(i + 1) for i, name in enumerate(HEADERS_OUT)}
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    for r, value in enumerate(module_codes or [], start=1):
        lists.cell(row=r, column=1, value=value)
    rules = [
        (col["题型"], '"单选,多选,判断,简答"', "题型", "请选择：单选、多选、判断、简答"),
        (col["难度"], '"1,2,3,4,5"', "难度", "1（易）到5（难）"),
        (col["状态"], '"草稿,启用"', "状态", "草稿 或 启用"),
    ]
    if module_codes:
        rules.append((col["模块"], f"lists!$A$1:$A${len(module_codes)}", "模块", "大纲中的模块编号"))
    for letter, formula, title, prompt in rules:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle=title, error=prompt, promptTitle=title, prompt=prompt)
        dv.add(f"{letter}2:{letter}5000")
        ws.add_data_validation(dv)
    points = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                            showErrorMessage=True, errorTitle="分值", error="分值必须为正数")
    points.add(f"{col['分值']}2:{col['分值']}5000")
    ws.add_data_validation(points)

    info = wb.create_sheet("说明", 0)
    for name, text in INSTRUCTIONS:
        info.append([name, text])
    info["A1"].font = Font(bold=True, size=13)
    info.column_dimensions["A"].width = 16
    info.column_dimensions["B"].width = 100
    for row in info.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)
    wb.active = 1
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
