"""Excel (.xlsx) and CSV in the layout Chinese exam systems use (pure).

Columns (header row found among the first 10 rows): 题型, 题干, 选项A…选项H, 答案, 解析, 分值, 难度, 知识点/模块
(or 模块 and 知识点 apart), 标签, 来源, 参考答案, 评分要点, 状态, 编号. Usual spellings are accepted:
题型 单选/单选题/单项选择题/1, 答案 `ABD`, `A,B`, `A、B`, 判断 `对/错/正确/错误/√/×/A/B`."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

from examengine.bank.formats.base import (
    MAX_FILE_BYTES,
    MAX_UNPACKED_BYTES,
    ImportEntry,
    UnreadableFile,
    decode_text,
)
from examengine.bank.itemtypes import LETTERS, get_type
from examengine.bank.itemtypes.choice import parse_letters
from examengine.bank.itemtypes.truefalse import parse_truth

TYPE_WORDS = {
    "single": {"单选", "单选题", "单项选择", "单项选择题", "单择", "1", "single"},
    "multi": {"多选", "多选题", "多项选择", "多项选择题", "不定项", "不定项选择题", "2", "multi", "multiple"},
    "truefalse": {"判断", "判断题", "是非题", "对错题", "3", "truefalse", "true/false"},
    "short": {"简答", "简答题", "问答", "问答题", "论述题", "主观题", "5", "short"},
}
UNSUPPORTED_TYPES = {"填空", "填空题", "4", "完形填空", "计算题", "组合题", "材料题", "案例分析题"}
DIFFICULTY_WORDS = {"易": 1, "容易": 1, "简单": 1, "较易": 2, "中": 3, "中等": 3, "一般": 3, "较难": 4, "难": 5, "困难": 5}
HEADER_ALIASES = {
    "type": {"题型", "试题类型", "题目类型", "类型"},
    "stem": {"题干", "题目", "试题内容", "题目内容", "问题"},
    "key": {"答案", "正确答案", "标准答案"},
    "explanation": {"解析", "答案解析", "试题解析"},
    "points": {"分值", "分数", "得分"},
    "difficulty": {"难度", "难易程度", "难度系数"},
    "category": {"知识点/模块", "章节", "所属章节", "分类", "题目分类"},
    "module": {"模块", "模块编号", "课程"},
    "knowledge_points": {"知识点", "知识点编号"},
    "levels": {"等级", "级别"},
    "tags": {"标签"},
    "source": {"来源", "出处", "依据"},
    "references": {"参考答案"},
    "rubric": {"评分要点", "得分点"},
    "status": {"状态"},
    "code": {"编号", "试题编号", "题号"},
}
STATUS_WORDS = {"草稿": "draft", "draft": "draft", "启用": "active", "已启用": "active", "active": "active",
                "待审核": "in_review", "in_review": "in_review"}
OPTION_RE = re.compile(r"^选项\s*([A-Ha-h])$|^([A-Ha-h])\s*选项$|^option\s*([A-Ha-h])$", re.IGNORECASE)
# 评分要点 cell: one scoring point per line, "要点 | 分值 | 同义1；同义2"
KP_CODE = re.compile(r"^[\w-]+\.[\w-]+$")
RUBRIC_SPLIT = re.compile(r"\s*[|｜]\s*")
HEADERS_OUT = ["编号", "题型", "题干", *(f"选项{c}" for c in LETTERS), "答案", "解析", "分值", "难度", "模块", "知识点",
               "等级", "标签", "来源", "参考答案", "评分要点", "状态"]
TYPE_OUT = {"single": "单选", "multi": "多选", "truefalse": "判断", "short": "简答"}
STATUS_OUT = {"draft": "草稿", "in_review": "待审核", "active": "启用", "retired": "停用"}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _map_header(row: list[str]) -> dict[str, int] | None:
    cols: dict[str, int] = {}
    for i, raw in enumerate(row):
        name = raw.replace(" ", "").replace("*", "").strip()
        m = OPTION_RE.match(name)
        if m:
            cols["option_" + (m.group(1) or m.group(2) or m.group(3)).upper()] = i
            continue
        for key, aliases in HEADER_ALIASES.items():
            if name in aliases and key not in cols:
                cols[key] = i
    return cols if {"type", "stem"} <= set(cols) else None


def _rows_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_UNPACKED_BYTES:
                raise UnreadableFile("ZIP_BOMB", "the workbook unpacks to more than 50 MB", "工作簿解压后超过50 MB")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise UnreadableFile("XLSX_UNREADABLE", f"not a readable .xlsx workbook ({type(exc).__name__})",
                             "不是有效的 .xlsx 工作簿") from exc
    ws = next((s for s in wb.worksheets if s.title not in ("说明", "填写说明", "Instructions", "lists")), wb.worksheets[0])
    return [[_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]


def _rows_csv(data: bytes) -> list[list[str]]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]


def parse(data: bytes, filename: str = "") -> list[ImportEntry]:
    if len(data) > MAX_FILE_BYTES:
        raise UnreadableFile("FILE_TOO_LARGE", f"the file is larger than {MAX_FILE_BYTES // 2**20} MB",
                             f"文件超过{MAX_FILE_BYTES // 2**20} MB")
    rows = _rows_xlsx(data) if data[:2] == b"PK" else _rows_csv(data)
    found = next(((h, cols) for h, row in enumerate(rows[:10]) if (cols := _map_header(row))), None)
    if found is None:
        raise UnreadableFile("MISSING_HEADER", "no header row with 题型 and 题干 in the first 10 rows",
                             "前10行中没有包含“题型”和“题干”的表头", location="row 1")
    h, cols = found
    entries = []
    for r, row in enumerate(rows[h + 1:], start=h + 2):
        if not any(row):
            continue
        entries.append(_entry(row, cols, r))
    return entries


def _get(row: list[str], cols: dict[str, int], key: str) -> str:
    i = cols.get(key)
    return row[i] if i is not None and i < len(row) else ""


def _entry(row: list[str], cols: dict[str, int], r: int) -> ImportEntry:
    entry = ImportEntry(f"row {r}", None)
    raw_type = _get(row, cols, "type").replace(" ", "")
    type_code = next((t for t, words in TYPE_WORDS.items() if raw_type.lower() in words), None)
    if type_code is None:
        if raw_type in UNSUPPORTED_TYPES:
            entry.reject("TYPE_UNSUPPORTED", f"type {raw_type} is not supported", f"不支持的题型：{raw_type}")
        else:
            entry.reject("TYPE_UNKNOWN", f"unknown type {raw_type!r} in column 题型", f"题型列的值无法识别：{raw_type!r}")
        return entry
    options = [_get(row, cols, f"option_{c}") for c in LETTERS]
    while options and not options[-1]:
        options.pop()
    raw_key = _get(row, cols, "key")
    data: dict[str, Any] = {
        "type": type_code, "stem": _get(row, cols, "stem"), "options": options,
        "explanation": _get(row, cols, "explanation"), "source": _get(row, cols, "source"),
        "category": _get(row, cols, "category"), "module": _get(row, cols, "module"),
        "tags": _split(_get(row, cols, "tags")),
        "levels": _split(_get(row, cols, "levels")),
        "code": _get(row, cols, "code"),
    }
    kps = _split(_get(row, cols, "knowledge_points"))
    if kps and all(KP_CODE.match(k) for k in kps):
        data["knowledge_points"] = kps
    elif kps:  # names rather than codes: let them choose the module
        data["category"] = data["category"] or kps[0]
    points = _get(row, cols, "points")
    if points:
        try:
            data["points"] = float(points)
        except ValueError:
            data["points"] = points  # check_item reports it with the field named
    diff = _get(row, cols, "difficulty")
    if diff:
        data["difficulty"] = DIFFICULTY_WORDS.get(diff) or (int(float(diff)) if _is_number(diff) else diff)
    status = _get(row, cols, "status")
    if status:
        data["status"] = STATUS_WORDS.get(status.lower(), status)
    if type_code == "truefalse":
        data["options"] = []
        truth = parse_truth(raw_key)
        data["key"] = truth if truth is not None else raw_key
    elif type_code in ("single", "multi"):
        letters = parse_letters(raw_key)
        if letters is None:
            entry.reject("KEY_UNREADABLE", f"answer {raw_key!r} is not option letters", f"答案“{raw_key}”不是选项字母")
        data["key"] = get_type(type_code).normalise_key(raw_key, options)
    else:
        data["key"] = None
        refs = [s.strip() for s in re.split(r"\n\s*\n|\n?‖\n?", _get(row, cols, "references")) if s.strip()]
        data["references"] = refs
        data["rubric"] = _parse_rubric(_get(row, cols, "rubric"), entry)
        if not data["rubric"]:
            data["status"] = "draft"
            entry.warn("SHORT_NEEDS_RUBRIC", "no scoring points: imported as a draft", "没有评分要点：以草稿导入")
    entry.data = data
    return entry


def _split(cell: str) -> list[str]:
    return [t for t in re.split(r"[,，;；、\s]+", cell) if t]


def _is_number(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def _parse_rubric(cell: str, entry: ImportEntry) -> list[dict[str, Any]]:
    rubric = []
    for line in (x for x in cell.splitlines() if x.strip()):
        parts = RUBRIC_SPLIT.split(line.strip())
        point = parts[0]
        weight: Any = 1.0
        if len(parts) > 1 and parts[1]:
            try:
                weight = float(parts[1])
            except ValueError:
                weight = parts[1]
        synonyms = [s for s in re.split(r"[；;]", parts[2]) if s.strip()] if len(parts) > 2 else []
        rubric.append({"point": point, "weight": weight, "synonyms": [s.strip() for s in synonyms]})
    return rubric


def _row(item: dict[str, Any]) -> list[Any]:
    t = item["type"]
    if t == "single":
        key = item["key"]
    elif t == "multi":
        key = "".join(item["key"])
    elif t == "truefalse":
        key = "对" if item["key"] else "错"
    else:
        key = ""
    options = list(item.get("options") or []) + [""] * (len(LETTERS) - len(item.get("options") or []))
    rubric = "\n".join(f"{p['point']} | {p['weight']:g} | {'；'.join(p.get('synonyms') or [])}"
                       for p in item.get("rubric") or [])
    return [item.get("code", ""), TYPE_OUT[t], item["stem"], *options, key, item.get("explanation", ""),
            item.get("points"), item.get("difficulty"), item.get("module", ""),
            ",".join(item.get("knowledge_points") or []), ",".join(item.get("levels") or []),
            ",".join(item.get("tags") or []), item.get("source", ""),
            "\n‖\n".join(item.get("references") or []), rubric, STATUS_OUT.get(item.get("status", ""), "")]


def items_workbook():
    """A workbook whose first sheet 试题 has the bold header row."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = "试题"
    ws.append(HEADERS_OUT)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    return wb, ws


def export_xlsx(items: list[dict[str, Any]]) -> bytes:
    from openpyxl.styles import Alignment

    wb, ws = items_workbook()
    for item in items:
        ws.append(_row(item))
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_csv(items: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(HEADERS_OUT)
    for item in items:
        writer.writerow(["" if v is None else (f"{v:g}" if isinstance(v, float) else v) for v in _row(item)])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")  # BOM: Excel opens UTF-8 CSV correctly only with it
