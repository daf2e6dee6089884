"""Batch registration from training bases: one .xlsx sheet of candidates plus their photos (pure).

Training bases submit candidates in batches (DOMAIN.md, "Candidate rules"): a sheet with one row per candidate
and a folder or .zip of photos named `姓名_身份证号.jpg` (or `身份证号_姓名.jpg`), png/bmp/jpg under 1 MB.
Nothing here touches the database: the reader returns the valid rows and every problem, each named by file,
row and column, so that a base can fix its sheet in one round instead of one error at a time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from examengine.proctor.education import LABEL_ZH, LEVELS, parse_education
from examengine.proctor.idcard import IdNumber, IdNumberError, parse_id_number

INDUSTRIES = ("发电", "石化", "化工", "建材", "钢铁", "有色", "轻工", "金融", "航空", "建筑", "煤炭", "机械", "商业",
              "交通", "物流", "其它")
INDUSTRY_ALIASES = {"其他": "其它"}
PHOTO_MAX_BYTES = 1024 * 1024                 # "小于 1M": a photo of exactly 1 MB is already too large
PHOTO_MAX_PIXELS = 40_000_000                 # refuse to decode a decompression bomb, whatever its file size
PHOTO_EXTENSIONS = {"jpg": "JPEG", "jpeg": "JPEG", "png": "PNG", "bmp": "BMP"}
# Files in a photo folder that are meant as photos but in a format the registry refuses.
IMAGE_LIKE_EXTENSIONS = {"gif", "tif", "tiff", "webp", "heic", "heif", "jfif", "avif"}
MAX_PHOTOS_BYTES = 200 * 1024 * 1024          # total uncompressed size of a photo folder or archive
MAX_PHOTO_FILES = 5000
MAX_SHEET_BYTES = 20 * 1024 * 1024
MAX_SHEET_UNPACKED = 50 * 1024 * 1024
MAX_DATA_ROWS = 10_000
MAX_YEARS = 60
MAX_HOURS = 2000
HEADER_SEARCH_ROWS = 5                        # a base may put a title row above the header
INSTRUCTION_SHEETS = {"说明", "填写说明", "instructions", "lists"}

# key -> (Chinese header written in the template, English name, required column, aliases)
COLUMNS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "name": ("姓名", "name", True, ("学员姓名", "考生姓名", "fullname")),
    "gender": ("性别", "gender", False, ("sex",)),
    "birth_month": ("出生年月", "birth month", False, ("出生日期", "出生年月日", "birthdate", "dateofbirth")),
    "education": ("学历", "education", True, ("文化程度", "最高学历")),
    "ethnicity": ("民族", "ethnicity", False, ("nationality", "nation")),
    "phone": ("手机", "phone", True, ("手机号", "手机号码", "联系电话", "电话", "mobile", "mobilephone",
                                      "phonenumber", "cellphone")),
    "employer": ("工作单位", "employer", False, ("单位", "单位名称", "company", "workunit", "organisation",
                                                "organization")),
    "industry": ("行业", "industry", True, ("所属行业",)),
    "email": ("邮箱", "email", False, ("电子邮箱", "电子信箱", "电子信箱email", "邮箱地址", "mail")),
    "id_number": ("身份证号", "ID number", True, ("身份证号码", "身份证", "公民身份号码", "id", "idcard",
                                                 "idcardnumber", "idno")),
    "work_type": ("工种", "work type", False, ("申请工种", "报考工种", "申报工种")),
    "level": ("级别", "level", False, ("等级", "申报级别", "报考级别")),
    "years": ("工作年限", "related work years", True, ("工龄", "相关工作年限", "从事相关工作年限", "years",
                                                      "yearsofwork", "workyears", "yearsofrelatedwork",
                                                      "relatedworkyears")),
    "work_started": ("参加工作时间", "work start", False, ("参加工作日期", "工作开始时间", "workstarted",
                                                           "workstartedon", "startedwork")),
    "training_hours": ("培训学时", "training hours", False, ("学时", "培训课时", "已完成学时", "hours")),
}
TEMPLATE_HEADERS = [zh for zh, _, _, _ in COLUMNS.values()]

MOBILE = re.compile(r"1[3-9]\d{9}")  # mainland mobile numbers: 11 digits, second digit 3-9
EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")
ID_TOKEN = re.compile(r"\d{17}[\dX]")
SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+?\d+", re.IGNORECASE)
# 姓名_身份证号 or 身份证号_姓名; the separator may also be -, +, a space, or nothing at all
PHOTO_NAME_FIRST = re.compile(r"(?P<name>.+?)[_\-+\s]*(?P<id>\d{17}[\dX])")
PHOTO_ID_FIRST = re.compile(r"(?P<id>\d{17}[\dX])[_\-+\s]*(?P<name>.+)")
CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])\s+(?=[\u3400-\u9fff])")
YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(?:\s*[-/.]?\s*(\d{1,2})\s*日?)?")
COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})?")


@dataclass(frozen=True)
class Problem:
    """One thing wrong, named precisely enough for a training base to find and fix it."""

    file: str           # the sheet's or photo's file name
    row: int | None     # row number as Excel shows it (header is row 1); None for whole-file/unmatched photo problems
    field: str          # column header as in the sheet, or "photo"
    code: str
    message_zh: str
    message_en: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Registrant:
    row: int
    name: str
    gender: str                     # "M" | "F", from the ID number
    birth_date: date                # from the ID number
    education: str                  # education code (examengine.proctor.education)
    ethnicity: str
    phone: str
    employer: str
    industry: str
    email: str
    id_number: str                  # normalised, 18 characters
    work_type_text: str
    level_text: str
    related_work_years: float
    work_started_on: date | None
    training_hours: float | None
    photo_name: str | None
    photo: bytes | None
    photo_format: str | None        # "JPEG" | "PNG" | "BMP"


@dataclass
class Batch:
    registrants: list[Registrant]   # only the valid rows, each with its photo
    problems: list[Problem]
    rows_read: int                  # non-empty data rows

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class TrainingRecord:
    row: int
    id_number: str
    hours: float
    course_hours: float | None
    program: str
    level: str
    work_type: str | None
    completed_on: date | None


class PhotoArchiveError(ValueError):
    """The photo folder or archive cannot be read at all (hostile, too large, not a zip)."""

    def __init__(self, code: str, message: str, message_zh: str, file: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.message_zh, self.file = code, message, message_zh, file

    def as_problem(self) -> Problem:
        return Problem(self.file, None, "photo", self.code, self.message_zh, self.message)


# ---------------------------------------------------------------------------------------------------- helpers


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", str(value)).strip() if value is not None else ""


def _text(value: Any) -> str:
    """A cell as text: numbers without a spurious ".0", dates as ISO dates, everything NFKC-normalised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    return re.sub(r"\s+", " ", _nfkc(value))


def _header_key(raw: Any) -> str:
    # NFKC turns full-width letters/brackets into ASCII; a "(单位)" hint and a "*" required-mark are dropped.
    s = _nfkc(raw).lower()
    s = re.sub(r"\(.*?\)|\[.*?\]", "", s)
    return re.sub(r"[\s*_\-:：.]", "", s)


def _alias_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for key, (zh, en, _, aliases) in COLUMNS.items():
        for alias in (zh, en, key, *aliases):
            table.setdefault(_header_key(alias), key)
    return table


HEADER_ALIASES = _alias_table()


def _number(value: Any, units: Iterable[str] = ()) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    s = _nfkc(value)
    for unit in units:
        s = s.removesuffix(unit).strip()
    try:
        n = float(s)
    except ValueError:
        return None
    return n if n == n and n not in (float("inf"), float("-inf")) else None


def _year_month_day(value: Any) -> tuple[int, int, int | None] | None:
    """(year, month, day or None) from an Excel date, "1990-01", "1990年1月", "1990/01/15", "199001" or 1990.01."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.year, value.month, value.day
    if isinstance(value, float) and not value.is_integer():
        value = f"{value:.2f}"  # 1990.01 typed into a number cell
    s = _text(value)
    m = YEAR_MONTH.fullmatch(s) or COMPACT_DATE.fullmatch(s)
    if not m:
        return None
    year, month = int(m.group(1)), int(m.group(2))
    day = int(m.group(3)) if m.group(3) else None
    try:
        date(year, month, day or 1)
    except ValueError:
        return None
    return year, month, day


def _name_key(name: str) -> str:
    return CJK_GAP.sub("", _nfkc(name)).replace(" ", "").casefold()


def _id_problem(exc: IdNumberError) -> tuple[str, str, str]:
    return f"REG_{exc.code}", exc.message_zh, exc.message


def _id_hint_if_number(raw: Any) -> tuple[str, str, str] | None:
    """An ID number Excel stored as a number has lost its last digits (Excel keeps 15 significant digits)."""
    numeric = isinstance(raw, float) or (isinstance(raw, str) and SCIENTIFIC.fullmatch(_nfkc(raw)))
    if isinstance(raw, int) and not isinstance(raw, bool):
        try:
            parse_id_number(str(raw))
        except IdNumberError:
            numeric = True
        else:
            return None  # an exact 18-digit integer written by a program is still the right number
    if not numeric:
        return None
    return ("REG_ID_LENGTH",
            f"身份证号被Excel存成了数字（{_text(raw)}），后几位已丢失：请把该列设置为“文本”格式后重新录入",
            f"the ID number was stored as a number ({_text(raw)}) and Excel kept only 15 digits: "
            "format the column as text and type the numbers again")


# ---------------------------------------------------------------------------------------------------- photos


def _is_ignored(parts: Iterable[str]) -> bool:
    return any(p == "__MACOSX" or p.startswith(".") for p in parts)


def _zip_name(info: zipfile.ZipInfo) -> str:
    # Chinese Windows writes GBK names without the UTF-8 flag; Python then decodes them as cp437.
    if info.flag_bits & 0x800:
        return info.filename
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _add(out: dict[str, bytes], rel: str, data: bytes) -> None:
    """Key by base name; a second file with the same base name keeps its relative path so it is not lost
    (the registration check then reports the two as duplicates)."""
    base = PurePosixPath(rel).name
    out[rel if base in out else base] = data


def _read_zip(data: bytes | Path, label: str) -> dict[str, bytes]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PhotoArchiveError("REG_PHOTO_ARCHIVE", f"not a readable .zip archive ({type(exc).__name__})",
                                "照片压缩包无法读取（应为.zip格式）", label) from exc
    out: dict[str, bytes] = {}
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_PHOTO_FILES:
            raise PhotoArchiveError("REG_PHOTO_ARCHIVE", f"more than {MAX_PHOTO_FILES} files in the archive",
                                    f"压缩包内文件超过{MAX_PHOTO_FILES}个", label)
        names = []
        for info in infos:
            name = _zip_name(info).replace("\\", "/")
            parts = PurePosixPath(name).parts
            # Zip slip: an entry that would land outside the folder it is unpacked into.
            if name.startswith("/") or re.match(r"[A-Za-z]:", name) or ".." in parts:
                raise PhotoArchiveError("REG_PHOTO_ARCHIVE", f"unsafe path in the archive: {name}",
                                        f"压缩包中含有不安全的路径：{name}", label)
            names.append((info, name, parts))
        if sum(i.file_size for i, _, _ in names) > MAX_PHOTOS_BYTES:
            raise _too_large(label)
        budget = MAX_PHOTOS_BYTES
        for info, name, parts in names:
            if info.is_dir() or _is_ignored(parts):
                continue
            try:
                with zf.open(info) as fh:
                    content = fh.read(budget + 1)  # the header's size may lie: count what actually unpacks
            except (zipfile.BadZipFile, OSError, NotImplementedError, RuntimeError) as exc:
                raise PhotoArchiveError("REG_PHOTO_ARCHIVE", f"cannot unpack {name} ({type(exc).__name__})",
                                        f"无法解压{name}", label) from exc
            budget -= len(content)
            if budget < 0:
                raise _too_large(label)
            _add(out, name, content)
    return out


def _too_large(label: str) -> PhotoArchiveError:
    mb = MAX_PHOTOS_BYTES // 2**20
    return PhotoArchiveError("REG_PHOTO_ARCHIVE", f"the photos unpack to more than {mb} MB",
                             f"照片解压后总大小超过{mb} MB", label)


def _read_folder(folder: Path, label: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    total = 0
    for dirpath, dirnames, filenames in os.walk(folder):  # does not follow symlinked folders
        dirnames[:] = sorted(d for d in dirnames if not _is_ignored([d]))
        for fname in sorted(filenames):
            path = Path(dirpath) / fname
            if _is_ignored([fname]) or path.is_symlink() or not path.is_file():
                continue
            total += path.stat().st_size
            if total > MAX_PHOTOS_BYTES or len(out) >= MAX_PHOTO_FILES:
                raise _too_large(label)
            _add(out, path.relative_to(folder).as_posix(), path.read_bytes())
    return out


def read_photos(source: str | Path | bytes | Mapping[str, bytes], file_label: str = "") -> dict[str, bytes]:
    """File name -> bytes from a folder, a .zip (path or bytes) or an already-read mapping.

    Names are base names; sub-folders are fine; __MACOSX and dotfiles are skipped. Raises PhotoArchiveError
    (see .as_problem()) for an unreadable or hostile archive: nothing is taken from such an archive."""
    if isinstance(source, Mapping):
        out: dict[str, bytes] = {}
        for key in sorted(source):
            rel = str(key).replace("\\", "/")
            if not _is_ignored(PurePosixPath(rel).parts):
                _add(out, rel, bytes(source[key]))
        return out
    if isinstance(source, bytes | bytearray):
        return _read_zip(bytes(source), file_label or "photos.zip")
    path = Path(source)
    label = file_label or path.name
    if path.is_dir():
        return _read_folder(path, label)
    if path.is_file():
        return _read_zip(path, label)
    raise PhotoArchiveError("REG_PHOTO_ARCHIVE", f"{path.name} is neither a folder nor a .zip file",
                            f"{path.name}既不是文件夹也不是.zip文件", label)


@dataclass(frozen=True)
class _PhotoFile:
    file: str           # the mapping key, as reported
    ext: str
    name: str           # the person's name in the file name
    id_token: str


def _parse_photo_name(stem: str) -> tuple[str, str] | None:
    """(name, ID token) from `姓名_身份证号` or `身份证号_姓名`; the name is "" when the file name has only the ID."""
    text = _nfkc(stem)
    s = text.replace("x", "X")  # same length as `text`, so positions carry over
    if ID_TOKEN.fullmatch(s):
        return "", s
    for pattern in (PHOTO_ID_FIRST, PHOTO_NAME_FIRST):
        m = pattern.fullmatch(s)
        if m and not ID_TOKEN.search(m.group("name")):
            return text[m.start("name"):m.end("name")].strip(), m.group("id")
    return None


def _check_image(file: str, ext: str, data: bytes, row: int | None) -> tuple[str | None, list[Problem]]:
    """The real image format (verified by decoding, not by the extension) and what is wrong with the file."""
    from PIL import Image

    problems = []
    if len(data) >= PHOTO_MAX_BYTES:
        problems.append(Problem(file, row, "photo", "REG_PHOTO_SIZE",
                                f"照片大小为{len(data) / 2**20:.2f} MB，应小于1 MB",
                                f"the photo is {len(data) / 2**20:.2f} MB; it must be under 1 MB"))
    fmt: str | None = None
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt = im.format
            width, height = im.size
            im.verify()
        if width * height > PHOTO_MAX_PIXELS:
            raise ValueError("too many pixels")
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # verify() does not decode JPEG data: a truncated file only shows here
    except Exception as exc:  # Pillow raises many types for a damaged or hostile file
        problems.append(Problem(file, row, "photo", "REG_PHOTO_FORMAT",
                                "文件不是可读取的图片（应为png、bmp或jpg格式）",
                                f"not a readable image ({type(exc).__name__}); png, bmp or jpg required"))
        return None, problems
    expected = PHOTO_EXTENSIONS.get(ext)
    if fmt not in PHOTO_EXTENSIONS.values():
        problems.append(Problem(file, row, "photo", "REG_PHOTO_FORMAT",
                                f"图片格式为{fmt}，应为png、bmp或jpg",
                                f"the image is {fmt}; png, bmp or jpg required"))
        return None, problems
    if expected != fmt:
        problems.append(Problem(file, row, "photo", "REG_PHOTO_FORMAT",
                                f"文件扩展名为.{ext}，但实际是{fmt}格式的图片，请按实际格式命名或另存",
                                f"the file is named .{ext} but is really a {fmt} image"))
        return None, problems
    return fmt, problems


# ---------------------------------------------------------------------------------------------------- sheet


class _SheetError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_zh, self.message_en = message_zh, message_en


def _sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    from openpyxl import load_workbook

    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise _SheetError("这是旧版.xls文件，请另存为.xlsx后再上传", "an old .xls workbook: save it as .xlsx")
    if len(data) > MAX_SHEET_BYTES:
        raise _SheetError(f"文件超过{MAX_SHEET_BYTES // 2**20} MB", f"larger than {MAX_SHEET_BYTES // 2**20} MB")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            if sum(i.file_size for i in zf.infolist()) > MAX_SHEET_UNPACKED:
                raise _SheetError("工作簿解压后超过50 MB", "the workbook unpacks to more than 50 MB")
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except _SheetError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged workbook
        raise _SheetError("不是有效的.xlsx工作簿", f"not a readable .xlsx workbook ({type(exc).__name__})") from exc
    try:
        ws = next((s for s in wb.worksheets if _nfkc(s.title).lower() not in INSTRUCTION_SHEETS), None)
        if ws is None:
            raise _SheetError("工作簿中没有数据工作表", "the workbook has no data sheet")
        rows = []
        for row in ws.iter_rows(values_only=True):
            rows.append(tuple(row))
            if len(rows) > MAX_DATA_ROWS + HEADER_SEARCH_ROWS:
                raise _SheetError(f"超过{MAX_DATA_ROWS}行，请分批提交", f"more than {MAX_DATA_ROWS} rows: split the batch")
        return rows
    finally:
        wb.close()


def _find_header(rows: list[tuple[Any, ...]]) -> tuple[int, dict[str, int], dict[str, str]]:
    """(index of the header row, key -> column index, key -> header text as in the sheet)."""
    best: tuple[int, dict[str, int], dict[str, str]] = (0, {}, {})
    for h, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cols: dict[str, int] = {}
        texts: dict[str, str] = {}
        for i, cell in enumerate(row):
            key = HEADER_ALIASES.get(_header_key(cell))
            if key and key not in cols:
                cols[key], texts[key] = i, _nfkc(cell)
        if len(cols) > len(best[1]):
            best = (h, cols, texts)
        if {"name", "id_number"} <= set(cols):
            break
    return best


@dataclass
class _Row:
    row: int
    values: dict[str, Any]
    problems: list[Problem]
    name: str = ""
    id: IdNumber | None = None
    id_token: str = ""           # what the ID cell says, normalised, even when it is not a valid number
    duplicate: bool = False
    photo: tuple[str, bytes, str] | None = None  # (file, bytes, format)


def _empty(cell: Any) -> bool:
    return _text(cell) == ""


def _check_row(r: _Row, headers: dict[str, str], file: str, today: date) -> dict[str, Any]:
    """Validate one row in place (problems appended to r.problems); return the parsed fields."""
    def problem(key: str, code: str, zh: str, en: str) -> None:
        r.problems.append(Problem(file, r.row, headers.get(key, COLUMNS[key][0]), code, zh, en))

    def required(key: str) -> str:
        text = _text(r.values.get(key))
        if not text:
            problem(key, "REG_REQUIRED", f"“{headers[key]}”不能为空", f"{COLUMNS[key][1]} is required")
        return text

    out: dict[str, Any] = {}
    r.name = CJK_GAP.sub("", required("name"))  # "张  三" is spaced out on forms to align, not a two-part name
    raw_id = r.values.get("id_number")
    if _empty(raw_id):
        required("id_number")
    elif hint := _id_hint_if_number(raw_id):
        problem("id_number", *hint)
    else:
        r.id_token = _nfkc(raw_id).upper().replace(" ", "")
        try:
            r.id = parse_id_number(str(raw_id), today)
        except IdNumberError as exc:
            problem("id_number", *_id_problem(exc))
        else:
            r.id_token = r.id.number

    gender_text = _text(r.values.get("gender"))
    if gender_text:
        gender = {"男": "M", "男性": "M", "m": "M", "male": "M",
                  "女": "F", "女性": "F", "f": "F", "female": "F"}.get(gender_text.lower())
        if gender is None:
            problem("gender", "REG_GENDER", f"性别“{gender_text}”无法识别，应为男或女",
                    f"gender {gender_text!r} is not 男/女/M/F")
        elif r.id and gender != r.id.sex:
            sex_zh = "男" if r.id.sex == "M" else "女"
            problem("gender", "REG_GENDER_MISMATCH", f"性别为{gender_text}，但身份证号显示为{sex_zh}",
                    f"gender {gender_text} disagrees with the ID number ({r.id.sex})")

    birth = r.values.get("birth_month")
    if not _empty(birth):
        ymd = _year_month_day(birth)
        if ymd is None:
            problem("birth_month", "REG_BIRTH_MONTH", f"出生年月“{_text(birth)}”无法识别，应写作如1990-01或1990年1月",
                    f"birth month {_text(birth)!r} is not like 1990-01")
        elif r.id and ymd[:2] != (r.id.birth_date.year, r.id.birth_date.month):
            # Only year and month: Excel turns a typed "1990-01" into 1990-01-01.
            born = r.id.birth_date
            problem("birth_month", "REG_BIRTH_MISMATCH",
                    f"出生年月为{ymd[0]}年{ymd[1]}月，但身份证号显示为{born.year}年{born.month}月",
                    f"birth month {ymd[0]}-{ymd[1]:02d} disagrees with the ID number ({born:%Y-%m})")

    edu_text = required("education")
    if edu_text:
        out["education"] = parse_education(edu_text)
        if out["education"] is None:
            problem("education", "REG_EDUCATION", f"学历“{edu_text}”无法识别，应为{'、'.join(LABEL_ZH.values())}之一",
                    f"education {edu_text!r} is not one of {', '.join(code for code, *_ in LEVELS)}")

    phone_text = required("phone")
    if phone_text:
        phone = re.sub(r"[\s\-()]", "", phone_text)
        phone = re.sub(r"^(\+?86)(?=1\d{10}$)", "", phone)
        out["phone"] = phone
        if not MOBILE.fullmatch(phone):
            problem("phone", "REG_PHONE", f"手机号“{phone_text}”无效，应为以1开头的11位手机号码",
                    f"phone {phone_text!r} is not an 11-digit mainland mobile number")

    industry_text = required("industry")
    if industry_text:
        industry = industry_text.replace(" ", "")
        industry = INDUSTRY_ALIASES.get(industry, industry)
        if industry not in INDUSTRIES and industry.endswith("行业"):
            industry = INDUSTRY_ALIASES.get(industry[:-2], industry[:-2])
        out["industry"] = industry
        if industry not in INDUSTRIES:
            problem("industry", "REG_INDUSTRY", f"行业“{industry_text}”不在列表中：{' '.join(INDUSTRIES)}",
                    f"industry {industry_text!r} is not one of the listed industries")

    email = _text(r.values.get("email")).replace(" ", "")
    out["email"] = email
    if email and not EMAIL.fullmatch(email):
        problem("email", "REG_EMAIL", f"邮箱“{email}”格式不正确", f"e-mail {email!r} is not a valid address")

    years_cell = r.values.get("years")
    if _empty(years_cell):
        required("years")
    else:
        years = _number(years_cell, ("年以上", "年"))
        out["years"] = years
        if years is None or not 0 <= years <= MAX_YEARS:
            problem("years", "REG_YEARS", f"工作年限“{_text(years_cell)}”应为0到{MAX_YEARS}之间的数字",
                    f"years of related work {_text(years_cell)!r} must be a number from 0 to {MAX_YEARS}")

    started = r.values.get("work_started")
    out["work_started"] = None
    if not _empty(started):
        ymd = _year_month_day(started)
        start = date(ymd[0], ymd[1], ymd[2] or 1) if ymd else None
        if start is None:
            problem("work_started", "REG_WORK_START", f"参加工作时间“{_text(started)}”无法识别，应写作如2015-07",
                    f"work start {_text(started)!r} is not a date like 2015-07")
        elif start > today or (r.id and start < r.id.birth_date):
            problem("work_started", "REG_WORK_START", f"参加工作时间{start.isoformat()}不合理（晚于今天或早于出生日期）",
                    f"work start {start.isoformat()} is in the future or before the birth date")
        out["work_started"] = start

    hours_cell = r.values.get("training_hours")
    out["training_hours"] = None
    if not _empty(hours_cell):
        hours = _number(hours_cell, ("学时", "课时", "小时"))
        out["training_hours"] = hours
        if hours is None or not 0 <= hours <= MAX_HOURS:
            problem("training_hours", "REG_TRAINING_HOURS", f"培训学时“{_text(hours_cell)}”应为0到{MAX_HOURS}之间的数字",
                    f"training hours {_text(hours_cell)!r} must be a number from 0 to {MAX_HOURS}")
    return out


def _match_photos(rows: list[_Row], photos: Mapping[str, bytes], file: str, require_photos: bool) -> list[Problem]:
    """Give each row its photo; problems of rows are appended to the rows, problems of unmatched files returned."""
    loose: list[Problem] = []
    by_id: dict[str, list[_PhotoFile]] = {}
    for key in sorted(photos):
        base = PurePosixPath(key).name
        stem, _, ext = base.rpartition(".") if "." in base else (base, "", "")
        ext = ext.lower()
        parsed = _parse_photo_name(stem)
        if ext not in PHOTO_EXTENSIONS and ext not in IMAGE_LIKE_EXTENSIONS and parsed is None:
            continue  # the sheet itself, Thumbs.db, a note: not meant as a photo
        if parsed is None:
            loose.append(Problem(key, None, "photo", "REG_PHOTO_NAME",
                                 "照片文件名应为“姓名_身份证号”或“身份证号_姓名”",
                                 "photo file names must be 姓名_身份证号 or 身份证号_姓名"))
            continue
        by_id.setdefault(parsed[1], []).append(_PhotoFile(key, ext, parsed[0], parsed[1]))

    def add(r: _Row, f: str, code: str, zh: str, en: str) -> None:
        r.problems.append(Problem(f, r.row, "photo", code, zh, en))

    waiting: list[_Row] = []
    unknown_id: list[_Row] = []
    for r in rows:
        if r.duplicate:
            continue
        files = by_id.pop(r.id_token, []) if r.id_token else []  # a mistyped ID still claims its photo
        if not (r.id and r.name):
            if not files and r.name:
                unknown_id.append(r)
            continue  # photo checks only once the row's name and ID are known
        if not files:
            waiting.append(r)
            continue
        first, *others = files
        for other in others:
            add(r, other.file, "REG_PHOTO_DUPLICATE", f"同一身份证号有多张照片：{first.file}、{other.file}",
                f"more than one photo for this ID number: {first.file}, {other.file}")
        if others:
            continue
        name_ok = _name_key(first.name) == _name_key(r.name)
        if not name_ok:
            add(r, first.file, "REG_PHOTO_NAME", f"照片文件名中的姓名“{first.name}”与表中姓名“{r.name}”不一致",
                f"the name in the file name ({first.name}) differs from the row's name ({r.name})")
        fmt, problems = _check_image(first.file, first.ext, photos[first.file], r.row)
        r.problems.extend(problems)
        if fmt and name_ok and not problems:
            r.photo = (first.file, photos[first.file], fmt)

    leftovers = {f.file: f for files in by_id.values() for f in files}
    for r in waiting:
        # A photo with this row's name but another ID: most likely a typo in one of the two numbers.
        same_name = [f for f in leftovers.values() if _name_key(f.name) == _name_key(r.name)]
        if len(same_name) == 1:
            f = leftovers.pop(same_name[0].file)
            add(r, f.file, "REG_PHOTO_NAME", f"照片文件名中的身份证号{f.id_token}与表中的{r.id_token}不一致",
                f"the ID number in the file name ({f.id_token}) differs from the row's ({r.id_token})")
        elif require_photos:
            r.problems.append(Problem(file, r.row, "photo", "REG_PHOTO_MISSING",
                                      f"没有找到照片“{r.name}_{r.id_token}.jpg”",
                                      f"no photo named {r.name}_{r.id_token}.jpg (or .png/.bmp)"))
    for r in unknown_id:
        # The row's ID is already reported as wrong; its photo (found by name) is no orphan.
        same_name = [f for f in leftovers.values() if _name_key(f.name) == _name_key(r.name)]
        if len(same_name) == 1:
            del leftovers[same_name[0].file]
    for f in leftovers.values():
        loose.append(Problem(f.file, None, "photo", "REG_PHOTO_ORPHAN",
                             f"表中没有身份证号为{f.id_token}的学员", f"no row in the sheet has ID number {f.id_token}"))

    # The same picture for two people is a copy-and-paste slip: one of them is wrong.
    seen: dict[str, tuple[int, str]] = {}
    for r in rows:
        if r.photo is None:
            continue
        digest = hashlib.sha256(r.photo[1]).hexdigest()
        if digest in seen:
            first_row, first_file = seen[digest]
            add(r, r.photo[0], "REG_PHOTO_DUPLICATE", f"与第{first_row}行的照片{first_file}完全相同",
                f"the same image as row {first_row}'s photo ({first_file})")
        else:
            seen[digest] = (r.row, r.photo[0])
    return loose


def _sort(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.row is not None, p.row or 0, p.field, p.file, p.code))


def read_registration(sheet: str | Path | bytes, photos: Mapping[str, bytes] | None, *, sheet_name: str = "",
                      today: date | None = None, require_photos: bool = True) -> Batch:
    """Read a batch: the valid registrants (each with its photo) and every problem, sorted by row then field.

    `sheet_name` is the sheet file's name used in problems (default: the path's name, or registration.xlsx)."""
    today = today or date.today()
    if isinstance(sheet, bytes | bytearray):
        file, data = sheet_name or "registration.xlsx", bytes(sheet)
    else:
        file = sheet_name or Path(sheet).name
        try:
            data = Path(sheet).read_bytes()
        except OSError as exc:
            return Batch([], [Problem(file, None, "file", "REG_SHEET", "无法打开报名表文件",
                                      f"cannot open the sheet ({type(exc).__name__})")], 0)
    try:
        rows = _sheet_rows(data)
    except _SheetError as exc:
        return Batch([], [Problem(file, None, "file", "REG_SHEET", exc.message_zh, exc.message_en)], 0)

    h, cols, headers = _find_header(rows)
    data_rows = [(n, row) for n, row in enumerate(rows[h + 1:], start=h + 2) if any(not _empty(c) for c in row)]
    if not cols and not data_rows:
        return Batch([], [Problem(file, None, "file", "REG_EMPTY", "报名表是空的", "the sheet is empty")], 0)
    missing = [key for key, (_, _, req, _) in COLUMNS.items() if req and key not in cols]
    if missing:
        return Batch([], _sort(Problem(file, h + 1, COLUMNS[k][0], "REG_MISSING_COLUMN",
                                       f"缺少“{COLUMNS[k][0]}”列", f"the column {COLUMNS[k][0]} ({COLUMNS[k][1]}) is missing")
                               for k in missing), len(data_rows))
    if not data_rows:
        return Batch([], [Problem(file, None, "file", "REG_EMPTY", "报名表中没有学员数据（表头下方为空）",
                                  "no candidate rows below the header")], 0)

    checked: list[tuple[_Row, dict[str, Any]]] = []
    first_row_of: dict[str, int] = {}
    for n, row in data_rows:
        values = {key: row[i] if i < len(row) else None for key, i in cols.items()}
        r = _Row(n, values, [])
        fields = _check_row(r, headers, file, today)
        if r.id:
            if r.id.number in first_row_of:
                r.duplicate = True
                r.problems.append(Problem(file, n, headers["id_number"], "REG_DUPLICATE_ID",
                                          f"身份证号与第{first_row_of[r.id.number]}行重复",
                                          f"the same ID number as row {first_row_of[r.id.number]}"))
            else:
                first_row_of[r.id.number] = n
        checked.append((r, fields))

    rows_only = [r for r, _ in checked]
    problems = _match_photos(rows_only, photos or {}, file, require_photos)
    registrants = []
    for r, f in checked:
        problems.extend(r.problems)
        if r.problems or r.id is None:
            continue
        v = r.values
        registrants.append(Registrant(
            row=r.row, name=r.name, gender=r.id.sex, birth_date=r.id.birth_date, education=f["education"],
            ethnicity=_text(v.get("ethnicity")), phone=f["phone"], employer=_text(v.get("employer")),
            industry=f["industry"], email=f["email"], id_number=r.id.number,
            work_type_text=_text(v.get("work_type")), level_text=_text(v.get("level")),
            related_work_years=f["years"], work_started_on=f["work_started"], training_hours=f["training_hours"],
            photo_name=r.photo[0] if r.photo else None, photo=r.photo[1] if r.photo else None,
            photo_format=r.photo[2] if r.photo else None))
    return Batch(registrants, _sort(problems), len(data_rows))


# ---------------------------------------------------------------------------------------------------- template

INSTRUCTIONS = [
    ("填写说明", ""),
    ("姓名", "必填。与身份证一致"),
    ("性别", "男 或 女；须与身份证号一致（可不填，以身份证号为准）"),
    ("出生年月", "可不填；填写时写作 1990-01 或 1990年1月，须与身份证号一致"),
    ("学历", "必填。从下拉列表选择：" + "、".join(LABEL_ZH.values())),
    ("民族", "如 汉族"),
    ("手机", "必填。11位手机号码"),
    ("工作单位", "单位全称；在校学生填写学校名称"),
    ("行业", "必填。从下拉列表选择：" + " ".join(INDUSTRIES)),
    ("邮箱", "可不填；用于接收通知"),
    ("身份证号", "必填。18位居民身份证号码。本列已设为文本格式，请勿改为数字格式，否则后几位会变成0"),
    ("工种", "如 监测、核算、核查、交易、咨询"),
    ("级别", "如 四级、三级"),
    ("工作年限", "必填。从事相关工作的年数，0到60之间的数字（无相关工作经历填0）"),
    ("参加工作时间", "可不填；写作 2015-07 或 2015-07-01"),
    ("培训学时", "可不填；已完成的培训学时数"),
    ("", ""),
    ("照片要求", "本人近期纯色背景免冠证件照，png、bmp或jpg格式，每张小于1 MB"),
    ("照片命名", "姓名_身份证号.jpg（如 张三_110105199001010012.jpg），也可命名为 身份证号_姓名.jpg"),
    ("提交方式", "本表一份，另将全部照片放在一个文件夹中（或打包为.zip），与本表一并提交"),
    ("注意", "每位学员一行，请勿合并单元格，请勿修改表头；同一身份证号只能出现一次"),
]


def registration_template() -> bytes:
    """The .xlsx staff hand to training bases: Chinese header row, drop-down lists, and an instructions sheet."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "报名信息"
    ws.append(TEMPLATE_HEADERS)
    letter = {key: get_column_letter(i + 1) for i, key in enumerate(COLUMNS)}
    for key, (_, _, req, _) in COLUMNS.items():
        cell = ws[f"{letter[key]}1"]
        cell.font = Font(bold=True, color="C00000" if req else "000000")
        ws.column_dimensions[letter[key]].width = 22 if key in ("id_number", "employer", "email") else 12
    for key in ("id_number", "phone"):  # text format, so that Excel keeps all 18 digits of an ID number
        ws.column_dimensions[letter[key]].number_format = "@"
    ws.freeze_panes = "A2"
    last = MAX_DATA_ROWS + 1
    lists = [
        ("gender", '"男,女"', "请选择 男 或 女"),
        ("education", '"' + ",".join(LABEL_ZH.values()) + '"', "请从列表中选择学历"),
        ("industry", '"' + ",".join(INDUSTRIES) + '"', "请从列表中选择行业"),
    ]
    for key, formula, prompt in lists:
        dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                            errorTitle=COLUMNS[key][0], error=prompt, promptTitle=COLUMNS[key][0], prompt=prompt)
        dv.add(f"{letter[key]}2:{letter[key]}{last}")
        ws.add_data_validation(dv)
    for key, top, prompt in (("years", str(MAX_YEARS), f"0到{MAX_YEARS}之间的数字"),
                             ("training_hours", str(MAX_HOURS), f"0到{MAX_HOURS}之间的数字")):
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2=top, allow_blank=True,
                            showErrorMessage=True, errorTitle=COLUMNS[key][0], error=prompt)
        dv.add(f"{letter[key]}2:{letter[key]}{last}")
        ws.add_data_validation(dv)

    info = wb.create_sheet("填写说明")
    for name, text in INSTRUCTIONS:
        info.append([name, text])
    info["A1"].font = Font(bold=True, size=13)
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 90
    for row in info.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------- training

TRAINING_COLUMNS: dict[str, tuple[str, str, bool, tuple[str, ...]]] = {
    "id_number": ("身份证号", "id_number", True, ("身份证号码", "身份证", "idnumber", "id")),
    "hours": ("课时", "hours", True, ("学时", "已完成课时", "已完成学时", "完成课时")),
    "course_hours": ("课程总课时", "course_hours", False, ("总课时", "总学时", "课程总学时", "coursehours")),
    "program": ("项目", "program", True, ("培训项目", "证书项目")),
    "level": ("级别", "level", True, ("等级",)),
    "work_type": ("工种", "work_type", False, ("worktype",)),
    "completed_on": ("完成日期", "completed_on", False, ("结业日期", "完成时间", "completedon", "completiondate")),
}
TRAINING_ALIASES = {_header_key(a): key for key, (zh, en, _, al) in TRAINING_COLUMNS.items() for a in (zh, en, *al)}


def read_training_csv(text: str, file_label: str = "training.csv", *,
                      today: date | None = None) -> tuple[list[TrainingRecord], list[Problem]]:
    """Training hours exported by a learning platform, one row per candidate and course (already-decoded text;
    a UTF-8 BOM is dropped). Row numbers count the header as row 1, like a spreadsheet shows the file."""
    today = today or date.today()
    text = text.removeprefix("\ufeff")
    first_line = text.split("\n", 1)[0]
    # The delimiter whose split of the first line names the most known columns (Excel writes ; or tab in some locales).
    delimiter = max(",\t;", key=lambda d: sum(_header_key(h) in TRAINING_ALIASES for h in first_line.split(d)))
    records_raw = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not records_raw:
        return [], [Problem(file_label, None, "file", "REG_TRAINING_EMPTY", "文件是空的", "the file is empty")]
    header = records_raw[0]
    cols: dict[str, int] = {}
    names: dict[str, str] = {}
    for i, cell in enumerate(header):
        key = TRAINING_ALIASES.get(_header_key(cell))
        if key and key not in cols:
            cols[key], names[key] = i, _nfkc(cell)
    missing = [k for k, (_, _, req, _) in TRAINING_COLUMNS.items() if req and k not in cols]
    if missing:
        return [], _sort(Problem(file_label, 1, TRAINING_COLUMNS[k][0], "REG_TRAINING_MISSING_COLUMN",
                                           f"缺少“{TRAINING_COLUMNS[k][0]}”列",
                                           f"the column {TRAINING_COLUMNS[k][0]} ({TRAINING_COLUMNS[k][1]}) is missing")
                         for k in missing)

    records: list[TrainingRecord] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str, str, str], int] = {}
    data_rows = 0
    for n, raw in enumerate(records_raw[1:], start=2):
        values = {k: _text(raw[i]) if i < len(raw) else "" for k, i in cols.items()}
        if not any(values.values()):
            continue
        data_rows += 1
        row_problems: list[Problem] = []

        def problem(key: str, code: str, zh: str, en: str, n: int = n, out: list[Problem] = row_problems) -> None:
            out.append(Problem(file_label, n, names.get(key, TRAINING_COLUMNS[key][0]), code, zh, en))

        for key in ("id_number", "hours", "program", "level"):
            if not values[key]:
                problem(key, "REG_TRAINING_REQUIRED", f"“{names[key]}”不能为空", f"{TRAINING_COLUMNS[key][1]} is required")
        id_number = ""
        if values["id_number"]:
            if hint := _id_hint_if_number(values["id_number"]):
                problem("id_number", *hint)
            else:
                try:
                    id_number = parse_id_number(values["id_number"], today).number
                except IdNumberError as exc:
                    problem("id_number", *_id_problem(exc))
        hours = _number(values["hours"], ("学时", "课时")) if values["hours"] else None
        if values["hours"] and (hours is None or not 0 <= hours <= MAX_HOURS):
            problem("hours", "REG_TRAINING_HOURS", f"课时“{values['hours']}”应为0到{MAX_HOURS}之间的数字",
                    f"hours {values['hours']!r} must be a number from 0 to {MAX_HOURS}")
            hours = None
        course_hours = None
        if values.get("course_hours"):
            course_hours = _number(values["course_hours"], ("学时", "课时"))
            if course_hours is None or not 0 < course_hours <= MAX_HOURS:
                problem("course_hours", "REG_TRAINING_COURSE_HOURS",
                        f"课程总课时“{values['course_hours']}”应为大于0且不超过{MAX_HOURS}的数字",
                        f"course hours {values['course_hours']!r} must be a number above 0, at most {MAX_HOURS}")
                course_hours = None
            elif hours is not None and hours > course_hours:
                # More hours done than the course has: usually the two columns are swapped.
                problem("hours", "REG_TRAINING_HOURS", f"已完成课时{hours:g}超过课程总课时{course_hours:g}",
                        f"hours done ({hours:g}) exceed the course's total ({course_hours:g})")
        completed_on = None
        if values.get("completed_on"):
            try:
                completed_on = date.fromisoformat(values["completed_on"].replace("/", "-"))
            except ValueError:
                problem("completed_on", "REG_TRAINING_DATE", f"完成日期“{values['completed_on']}”应写作YYYY-MM-DD",
                        f"completion date {values['completed_on']!r} is not YYYY-MM-DD")
            else:
                if completed_on > today:
                    problem("completed_on", "REG_TRAINING_DATE", f"完成日期{completed_on.isoformat()}晚于今天",
                            f"completion date {completed_on.isoformat()} is in the future")
        dup_key = (id_number, values["program"], values["level"], values.get("work_type", ""))
        if id_number and dup_key in seen:
            problem("id_number", "REG_TRAINING_DUPLICATE", f"与第{seen[dup_key]}行重复（同一学员、项目、级别和工种）",
                    f"the same candidate, program, level and work type as row {seen[dup_key]}")
        elif id_number:
            seen[dup_key] = n
        problems.extend(row_problems)
        if not row_problems and hours is not None:
            records.append(TrainingRecord(n, id_number, hours, course_hours, values["program"], values["level"],
                                          values.get("work_type") or None, completed_on))
    if not data_rows:
        problems.append(Problem(file_label, None, "file", "REG_TRAINING_EMPTY", "文件中没有数据行",
                                          "no data rows below the header"))
    return records, _sort(problems)
