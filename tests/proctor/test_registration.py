"""Batch registration: a training base's sheet of candidates plus a folder or .zip of photos."""

from __future__ import annotations

import ast
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from examengine.proctor import registration as reg
from examengine.proctor.idcard import check_digit
from examengine.proctor.registration import (
    PhotoArchiveError,
    read_photos,
    read_registration,
    read_training_csv,
    registration_template,
)

TODAY = date(2026, 11, 23)
HEADERS = ["姓名", "性别", "出生年月", "学历", "民族", "手机", "工作单位", "行业", "邮箱", "身份证号", "工种", "级别",
           "工作年限", "参加工作时间", "培训学时"]


def make_id(first17: str) -> str:
    return first17 + check_digit(first17)


ID_A = make_id("11010519900307123")  # male (17th digit odd), born 1990-03-07
ID_B = make_id("44030619851120002")  # female, born 1985-11-20
ID_C = make_id("32010219950615004")  # female, born 1995-06-15


def person(name: str, id_number: str, **over: object) -> dict[str, object]:
    born = date(int(id_number[6:10]), int(id_number[10:12]), 1)
    row: dict[str, object] = {
        "姓名": name, "性别": "男" if int(id_number[16]) % 2 else "女", "出生年月": f"{born:%Y-%m}",
        "学历": "本科", "民族": "汉族", "手机": "13800138000", "工作单位": "某某电力有限公司", "行业": "发电",
        "邮箱": "someone@example.com", "身份证号": id_number, "工种": "核算", "级别": "四级", "工作年限": 3,
        "参加工作时间": "", "培训学时": "",
    }
    row.update(over)
    return row


def rows3() -> list[dict[str, object]]:
    return [
        person("张三", ID_A, 参加工作时间=datetime(2012, 7, 1), 培训学时=80),
        person("李四", ID_B, 学历="大专", 行业="其他", 手机=13900139000, 出生年月=datetime(1985, 11, 1)),
        person("王 五", ID_C, 学历="硕士", 邮箱="", 工作年限="1.5年", 出生年月="1995年6月"),
    ]


def xlsx(rows: list[dict[str, object]], headers: list[str] | None = None, *,
         before: tuple[list[object], ...] = ()) -> bytes:
    headers = headers or HEADERS
    wb = Workbook()
    ws = wb.active
    for extra in before:
        ws.append(extra)
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers] if row else [])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def image(fmt: str, color: tuple[int, int, int] = (200, 220, 240), size: tuple[int, int] = (40, 50)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, fmt)
    return buf.getvalue()


def photos3() -> dict[str, bytes]:
    return {
        f"张三_{ID_A}.jpg": image("JPEG", (250, 250, 250)),
        f"{ID_B}_李四.PNG": image("PNG", (240, 240, 255)),
        f"王五_{ID_C}.bmp": image("BMP", (255, 240, 240)),
    }


def read(rows=None, photos=None, **kw) -> reg.Batch:
    sheet = kw.pop("sheet", None) or xlsx(rows3() if rows is None else rows)
    return read_registration(sheet, photos3() if photos is None else photos, sheet_name="batch.xlsx",
                             today=TODAY, **kw)


def codes(batch: reg.Batch) -> list[tuple[str, int | None, str]]:
    return [(p.code, p.row, p.field) for p in batch.problems]


# ------------------------------------------------------------------------------------------- the clean batch


def test_a_clean_batch_reads_every_field(tmp_path: Path):
    folder = tmp_path / "photos"
    folder.mkdir()
    for name, data in photos3().items():
        (folder / name).write_bytes(data)
    sheet = tmp_path / "基地报名表.xlsx"
    sheet.write_bytes(xlsx(rows3()))
    batch = read_registration(sheet, read_photos(folder), today=TODAY)
    assert batch.ok and batch.problems == [] and batch.rows_read == 3
    a, b, c = batch.registrants
    assert (a.row, a.name, a.gender, a.birth_date, a.education) == (2, "张三", "M", date(1990, 3, 7), "bachelor")
    assert (a.phone, a.industry, a.email, a.id_number) == ("13800138000", "发电", "someone@example.com", ID_A)
    assert (a.work_type_text, a.level_text, a.related_work_years) == ("核算", "四级", 3.0)
    assert (a.work_started_on, a.training_hours, a.ethnicity, a.employer) == (date(2012, 7, 1), 80.0, "汉族",
                                                                               "某某电力有限公司")
    assert (a.photo_name, a.photo_format) == (f"张三_{ID_A}.jpg", "JPEG") and a.photo == photos3()[a.photo_name]
    assert (b.gender, b.education, b.industry, b.phone, b.photo_format) == ("F", "associate", "其它", "13900139000",
                                                                          "PNG")
    assert (b.work_started_on, b.training_hours) == (None, None)
    assert (c.name, c.education, c.email, c.related_work_years, c.photo_format) == ("王五", "master", "", 1.5, "BMP")


def test_the_photos_may_come_as_a_zip_with_folders_and_mac_debris(tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in photos3().items():
            zf.writestr(f"第一批/照片/{name}", data)
        zf.writestr(f"__MACOSX/第一批/._张三_{ID_A}.jpg", b"junk")
        zf.writestr("第一批/.DS_Store", b"junk")
        zf.writestr("第一批/", b"")
    photos = read_photos(buf.getvalue())
    assert sorted(photos) == sorted(photos3())
    assert read(photos=photos).ok
    path = tmp_path / "photos.zip"
    path.write_bytes(buf.getvalue())
    assert read_photos(path) == photos


def test_gbk_file_names_in_a_windows_zip_are_decoded(tmp_path: Path):
    real = f"张三_{ID_A}.jpg"
    placeholder = "zhsa" + real[2:]  # same byte length as the GBK name: patched in below
    assert len(placeholder.encode()) == len(real.encode("gbk"))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(placeholder, image("JPEG"))
    data = buf.getvalue().replace(placeholder.encode(), real.encode("gbk"))
    assert list(read_photos(data)) == [real]


def test_english_headers_in_any_order_and_spelling():
    english = {"姓名": "Name", "性别": "gender", "出生年月": "Birth Month", "学历": "EDUCATION", "民族": "ethnicity",
               "手机": "mobile", "工作单位": "employer", "行业": "Industry", "邮箱": "E-mail", "身份证号": "ID number",
               "工种": "work_type", "级别": "level", "工作年限": "related work years", "参加工作时间": "work start",
               "培训学时": "training hours"}
    order = list(reversed(HEADERS))
    rows = [{english[k]: v for k, v in r.items()} for r in rows3()]
    batch = read(sheet=xlsx(rows, [english[h] for h in order]))
    assert batch.ok, batch.problems
    assert [r.name for r in batch.registrants] == ["张三", "李四", "王五"]
    assert batch.registrants[0].training_hours == 80.0


def test_headers_with_spaces_full_width_marks_and_hints_and_a_title_row():
    headers = ["*姓 名", "性别", "出生年月", "文化程度", "民族", "手机号码（必填）", "工作单位", "所属行业", "电子信箱 E-mail",
               "身份证号码", "申请工种", "级别", "工龄(年)", "参加工作时间", "培训学时"]
    rows = [dict(zip(headers, (r[h] for h in HEADERS), strict=True)) for r in rows3()]
    batch = read(sheet=xlsx(rows, headers, before=(["某某培训基地 2026年第3批 学员报名表"],)))
    assert batch.ok, batch.problems
    assert [r.row for r in batch.registrants] == [3, 4, 5]
    assert batch.registrants[0].phone == "13800138000"


def test_full_width_and_stray_spaces_are_normalised():
    full = ID_A.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = [person(" 张三\u3000", ID_A, 身份证号=f" {full} ", 手机="１３８ ００１３ ８０００", 邮箱="ｓｏｍｅｏｎｅ＠ｅｘａｍｐｌｅ.ｃｏｍ",
                   性别=" 男 ")]
    batch = read(rows, {f"张三_{ID_A}.jpg": image("JPEG")})
    assert batch.ok, batch.problems
    r = batch.registrants[0]
    assert (r.name, r.id_number, r.phone, r.email) == ("张三", ID_A, "13800138000", "someone@example.com")


def test_empty_rows_are_skipped_and_rows_keep_their_excel_numbers():
    rows = rows3()
    sheet = xlsx([rows[0], {}, {"姓名": "  "}, rows[1], rows[2]])
    batch = read(sheet=sheet)
    assert batch.ok, batch.problems
    assert batch.rows_read == 3 and [r.row for r in batch.registrants] == [2, 5, 6]


def test_photos_are_optional_when_not_required():
    batch = read(photos={}, require_photos=False)
    assert batch.ok and all(r.photo is None and r.photo_format is None for r in batch.registrants)
    assert not read(photos={}).ok


# ------------------------------------------------------------------------------------------- one problem each


def one_row(**over: object) -> list[dict[str, object]]:
    return [person("张三", ID_A, **over)]


A_PHOTO = {f"张三_{ID_A}.jpg": image("JPEG")}


@pytest.mark.parametrize("over,code,field", [
    ({"姓名": ""}, "REG_REQUIRED", "姓名"),
    ({"学历": None}, "REG_REQUIRED", "学历"),
    ({"手机": ""}, "REG_REQUIRED", "手机"),
    ({"行业": ""}, "REG_REQUIRED", "行业"),
    ({"工作年限": ""}, "REG_REQUIRED", "工作年限"),
    ({"身份证号": ID_A[:17] + ("0" if ID_A[17] != "0" else "1")}, "REG_ID_CHECK_DIGIT", "身份证号"),
    ({"身份证号": ID_A[:16]}, "REG_ID_LENGTH", "身份证号"),
    ({"身份证号": "99" + ID_A[2:]}, "REG_ID_REGION", "身份证号"),
    ({"身份证号": make_id("11010519900230123")}, "REG_ID_BIRTH_DATE", "身份证号"),
    ({"身份证号": float(ID_A[:17] + "0")}, "REG_ID_LENGTH", "身份证号"),
    ({"身份证号": "1.10105E+17"}, "REG_ID_LENGTH", "身份证号"),
    ({"性别": "女"}, "REG_GENDER_MISMATCH", "性别"),
    ({"性别": "F"}, "REG_GENDER_MISMATCH", "性别"),
    ({"性别": "未知"}, "REG_GENDER", "性别"),
    ({"出生年月": "1990-04"}, "REG_BIRTH_MISMATCH", "出生年月"),
    ({"出生年月": datetime(1991, 3, 1)}, "REG_BIRTH_MISMATCH", "出生年月"),
    ({"出生年月": "九零年"}, "REG_BIRTH_MONTH", "出生年月"),
    ({"学历": "小学"}, "REG_EDUCATION", "学历"),
    ({"手机": "1380013800"}, "REG_PHONE", "手机"),
    ({"手机": "010-62345678"}, "REG_PHONE", "手机"),
    ({"邮箱": "someone@"}, "REG_EMAIL", "邮箱"),
    ({"邮箱": "some one@example"}, "REG_EMAIL", "邮箱"),
    ({"行业": "互联网"}, "REG_INDUSTRY", "行业"),
    ({"工作年限": 61}, "REG_YEARS", "工作年限"),
    ({"工作年限": -1}, "REG_YEARS", "工作年限"),
    ({"工作年限": "三年"}, "REG_YEARS", "工作年限"),
    ({"参加工作时间": "2030-01"}, "REG_WORK_START", "参加工作时间"),
    ({"参加工作时间": "1980-01-01"}, "REG_WORK_START", "参加工作时间"),
    ({"参加工作时间": "去年"}, "REG_WORK_START", "参加工作时间"),
    ({"培训学时": -5}, "REG_TRAINING_HOURS", "培训学时"),
])
def test_each_bad_cell_has_its_code_row_and_field(over, code, field):
    batch = read(one_row(**over), A_PHOTO)
    assert codes(batch) == [(code, 2, field)], batch.problems
    p = batch.problems[0]
    assert p.file == "batch.xlsx" and p.message_zh and p.message_en
    assert batch.registrants == [] and batch.rows_read == 1


def test_an_id_number_stored_as_a_number_says_to_format_the_column_as_text():
    batch = read(one_row(身份证号=1.10105199003071e17), A_PHOTO)
    assert codes(batch) == [("REG_ID_LENGTH", 2, "身份证号")]
    assert "文本" in batch.problems[0].message_zh and "text" in batch.problems[0].message_en


def test_the_field_is_the_header_as_written_in_the_sheet():
    headers = [h if h != "手机" else "手机号码" for h in HEADERS]
    rows = [{("手机号码" if k == "手机" else k): v for k, v in person("张三", ID_A, 手机="123").items()}]
    assert codes(read(sheet=xlsx(rows, headers), photos=A_PHOTO)) == [("REG_PHONE", 2, "手机号码")]


def test_a_missing_required_column_is_one_problem_naming_it():
    headers = [h for h in HEADERS if h not in ("手机", "身份证号")]
    batch = read(sheet=xlsx(rows3(), headers))
    assert [(p.code, p.field) for p in batch.problems] == [("REG_MISSING_COLUMN", "手机"),
                                                          ("REG_MISSING_COLUMN", "身份证号")]
    assert batch.problems[0].row == 1 and batch.rows_read == 3 and batch.registrants == []


def test_optional_columns_may_be_left_out():
    headers = ["姓名", "学历", "手机", "行业", "身份证号", "工作年限"]
    batch = read(sheet=xlsx(rows3(), headers))
    assert batch.ok, batch.problems
    assert batch.registrants[1].gender == "F" and batch.registrants[1].work_started_on is None


def test_a_duplicate_id_is_reported_on_the_later_row_naming_the_first():
    rows = [*rows3(), person("张三", ID_A)]
    batch = read(rows)
    assert codes(batch) == [("REG_DUPLICATE_ID", 5, "身份证号")]
    assert "2" in batch.problems[0].message_zh and "row 2" in batch.problems[0].message_en
    assert [r.row for r in batch.registrants] == [2, 3, 4]


def test_problems_are_sorted_by_row_then_field_and_only_valid_rows_are_kept():
    rows = rows3()
    rows[2]["手机"], rows[2]["邮箱"] = "12", "bad"
    rows[0]["行业"] = "互联网"
    batch = read(rows)
    assert codes(batch) == [("REG_INDUSTRY", 2, "行业"), ("REG_PHONE", 4, "手机"), ("REG_EMAIL", 4, "邮箱")]
    assert [r.row for r in batch.registrants] == [3]
    assert batch.problems[0].as_dict() == {
        "file": "batch.xlsx", "row": 2, "field": "行业", "code": "REG_INDUSTRY",
        "message_zh": batch.problems[0].message_zh, "message_en": batch.problems[0].message_en}


def test_an_unreadable_workbook():
    for data in (b"not a workbook", b"\xd0\xcf\x11\xe0" + b"\0" * 100, b"PK\x03\x04broken"):
        batch = read(sheet=data)
        assert codes(batch) == [("REG_SHEET", None, "file")] and batch.problems[0].file == "batch.xlsx"


def test_an_empty_sheet():
    assert codes(read(sheet=xlsx([]))) == [("REG_EMPTY", None, "file")]
    wb = Workbook()
    buf = io.BytesIO()
    wb.save(buf)
    assert codes(read(sheet=buf.getvalue())) == [("REG_EMPTY", None, "file")]


# ------------------------------------------------------------------------------------------- photos


def test_a_row_without_a_photo_and_a_photo_without_a_row():
    photos = photos3()
    del photos[f"张三_{ID_A}.jpg"]
    stranger = make_id("51010219800101001")
    photos[f"赵六_{stranger}.jpg"] = image("JPEG", (1, 2, 3))
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_ORPHAN", None, "photo"), ("REG_PHOTO_MISSING", 2, "photo")]
    assert batch.problems[0].file == f"赵六_{stranger}.jpg" and batch.problems[1].file == "batch.xlsx"
    assert [r.row for r in batch.registrants] == [3, 4]


def test_the_name_in_the_photo_file_must_be_the_rows():
    photos = photos3()
    photos[f"张四_{ID_A}.jpg"] = photos.pop(f"张三_{ID_A}.jpg")
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_NAME", 2, "photo")] and batch.problems[0].file == f"张四_{ID_A}.jpg"


def test_a_mistyped_id_in_the_photo_file_is_matched_by_name():
    photos = photos3()
    wrong = make_id("11010519900307125")
    photos[f"张三_{wrong}.jpg"] = photos.pop(f"张三_{ID_A}.jpg")
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_NAME", 2, "photo")] and wrong in batch.problems[0].message_en


def test_an_unparseable_photo_name_and_files_that_are_not_photos():
    photos = {**photos3(), "张三.jpg": image("JPEG", (9, 9, 9)), "说明.txt": b"hello", "Thumbs.db": b"x"}
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_NAME", None, "photo")] and batch.problems[0].file == "张三.jpg"


def test_a_row_with_a_bad_id_claims_its_photo_without_an_orphan():
    bad = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    photos = {f"张三_{bad}.jpg": image("JPEG")}
    assert codes(read(one_row(身份证号=bad), photos)) == [("REG_ID_CHECK_DIGIT", 2, "身份证号")]


@pytest.mark.parametrize("name,data,reason", [
    (f"张三_{ID_A}.jpg", image("PNG"), "PNG"),            # named .jpg, really a PNG
    (f"张三_{ID_A}.png", image("JPEG"), "JPEG"),
    (f"张三_{ID_A}.jpg", b"this is a text file, not a photo", "readable"),
    (f"张三_{ID_A}.jpg", b"", "readable"),
    (f"张三_{ID_A}.jpg", image("JPEG")[:200], "readable"),  # truncated
    (f"张三_{ID_A}.gif", image("GIF"), "GIF"),
    (f"张三_{ID_A}.txt", b"hello", "readable"),
])
def test_a_photo_must_really_be_a_png_jpeg_or_bmp_as_its_name_says(name, data, reason):
    batch = read(one_row(), {name: data})
    assert codes(batch) == [("REG_PHOTO_FORMAT", 2, "photo")]
    assert batch.problems[0].file == name and reason in batch.problems[0].message_en


def test_a_photo_of_one_megabyte_is_refused_and_one_byte_less_accepted():
    jpeg = image("JPEG")
    just_under = jpeg + b"\0" * (reg.PHOTO_MAX_BYTES - 1 - len(jpeg))  # trailing bytes after the JPEG end marker
    batch = read(one_row(), {f"张三_{ID_A}.jpg": just_under})
    assert batch.ok and len(batch.registrants[0].photo) == 1_048_575
    batch = read(one_row(), {f"张三_{ID_A}.jpg": just_under + b"\0"})
    assert codes(batch) == [("REG_PHOTO_SIZE", 2, "photo")]
    big_bmp = image("BMP", size=(700, 600))  # a real 1.2 MB bitmap
    assert len(big_bmp) > reg.PHOTO_MAX_BYTES
    assert codes(read(one_row(), {f"张三_{ID_A}.bmp": big_bmp})) == [("REG_PHOTO_SIZE", 2, "photo")]


def test_two_photos_for_one_id_or_one_image_for_two_people():
    photos = {**photos3(), f"{ID_A}_张三.png": image("PNG")}
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_DUPLICATE", 2, "photo")]
    assert [r.row for r in batch.registrants] == [3, 4]

    photos = photos3()
    photos[f"王五_{ID_C}.jpg"] = photos.pop(f"王五_{ID_C}.bmp")
    photos[f"王五_{ID_C}.jpg"] = photos[f"张三_{ID_A}.jpg"]
    batch = read(photos=photos)
    assert codes(batch) == [("REG_PHOTO_DUPLICATE", 4, "photo")] and "row 2" in batch.problems[0].message_en


def test_same_file_name_in_two_zip_folders_is_a_duplicate():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"a/张三_{ID_A}.jpg", image("JPEG", (1, 1, 1)))
        zf.writestr(f"b/张三_{ID_A}.jpg", image("JPEG", (2, 2, 2)))
    photos = read_photos(buf.getvalue())
    assert sorted(photos) == [f"b/张三_{ID_A}.jpg", f"张三_{ID_A}.jpg"]
    assert codes(read(one_row(), photos)) == [("REG_PHOTO_DUPLICATE", 2, "photo")]


def test_photo_problems_wait_until_the_row_has_a_name():
    assert codes(read(one_row(姓名=""), {})) == [("REG_REQUIRED", 2, "姓名")]


@pytest.mark.parametrize("entry", ["../evil.jpg", "photos/../../evil.jpg", "/etc/evil.jpg", "C:\\evil.jpg",
                                   "..\\evil.jpg"])
def test_zip_slip_entries_refuse_the_archive(entry):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(f"张三_{ID_A}.jpg", image("JPEG"))
        zf.writestr(zipfile.ZipInfo(entry), b"x")
    with pytest.raises(PhotoArchiveError) as exc:
        read_photos(buf.getvalue(), "photos.zip")
    problem = exc.value.as_problem()
    assert (problem.code, problem.file, problem.row, problem.field) == ("REG_PHOTO_ARCHIVE", "photos.zip", None, "photo")


def test_archives_that_unpack_too_large_or_are_not_zips(monkeypatch, tmp_path: Path):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.jpg", b"\0" * 5000)
    monkeypatch.setattr(reg, "MAX_PHOTOS_BYTES", 4000)
    with pytest.raises(PhotoArchiveError):
        read_photos(buf.getvalue())
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"\0" * 5000)
    with pytest.raises(PhotoArchiveError):
        read_photos(folder)
    with pytest.raises(PhotoArchiveError):
        read_photos(b"not a zip")
    with pytest.raises(PhotoArchiveError):
        read_photos(tmp_path / "does-not-exist")


def test_read_photos_takes_a_mapping_and_skips_dotfiles(tmp_path: Path):
    photos = read_photos({"x/张三.jpg": b"1", ".hidden.jpg": b"2", "__MACOSX/a.jpg": b"3"})
    assert photos == {"张三.jpg": b"1"}
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jpg").write_bytes(b"1")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "b.jpg").write_bytes(b"2")
    assert read_photos(tmp_path) == {"a.jpg": b"1"}


# ------------------------------------------------------------------------------------------- the template


def test_the_template_has_the_header_lists_and_instructions_and_reads_back_empty(tmp_path: Path):
    data = registration_template()
    wb = load_workbook(io.BytesIO(data))
    ws = wb.worksheets[0]
    assert [c.value for c in ws[1]] == HEADERS
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation if dv.type == "list"}
    assert '"男,女"' in formulas
    assert any("本科" in f for f in formulas) and any("物流" in f and "其它" in f for f in formulas)
    instructions = wb.worksheets[1]
    assert instructions.title == "填写说明"
    text = " ".join(str(c.value) for row in instructions.iter_rows() for c in row if c.value)
    assert "姓名_身份证号" in text and "1 MB" in text
    assert codes(read(sheet=data)) == [("REG_EMPTY", None, "file")]

    # A base fills it in (education and industry from the drop-down lists) and it reads cleanly.
    ws.append([rows3()[0][h] for h in HEADERS])
    ws["D2"] = "中专/中职/技校"
    buf = io.BytesIO()
    wb.save(buf)
    batch = read(sheet=buf.getvalue(), photos=A_PHOTO)
    assert batch.ok, batch.problems
    assert batch.registrants[0].education == "secondary_vocational"


# ------------------------------------------------------------------------------------------- training CSV

TRAINING = (
    "\ufeff身份证号,课时,课程总课时,项目,级别,工种,完成日期\n"
    f"{ID_A},80,80,碳排放管理员,四级,核算,2026-10-30\n"
    "\n"
    f"{ID_B},72.5,,碳排放管理员,三级,,\n"
)


def test_training_csv_good_rows_with_a_bom():
    records, problems = read_training_csv(TRAINING, today=TODAY)
    assert problems == []
    a, b = records
    assert (a.row, a.id_number, a.hours, a.course_hours, a.program, a.level, a.work_type, a.completed_on) == (
        2, ID_A, 80.0, 80.0, "碳排放管理员", "四级", "核算", date(2026, 10, 30))
    assert (b.row, b.hours, b.course_hours, b.work_type, b.completed_on) == (4, 72.5, None, None, None)


def test_training_csv_english_headers_and_semicolons():
    text = f"id_number;hours;program;level\n{ID_C};90;碳资产管理师;初级\n"
    records, problems = read_training_csv(text, today=TODAY)
    assert problems == [] and records[0].id_number == ID_C and records[0].work_type is None


def test_training_csv_bad_rows():
    bad_id = ID_A[:17] + ("0" if ID_A[17] != "0" else "1")
    text = ("身份证号,课时,课程总课时,项目,级别,完成日期\n"
            f"{bad_id},80,,碳排放管理员,四级,\n"
            f"{ID_B},-1,,碳排放管理员,四级,\n"
            f"{ID_C},90,80,碳排放管理员,四级,\n"
            f"{ID_A},80,,,四级,2026/13/01\n"
            f"{ID_C},80,,碳排放管理员,三级,2027-01-01\n"
            f"1.10105E+17,80,,碳排放管理员,四级,\n"
            f"{ID_B},2001,,碳排放管理员,三级,\n")
    records, problems = read_training_csv(text, "base.csv", today=TODAY)
    assert records == []
    assert [(p.code, p.row, p.field) for p in problems] == [
        ("REG_ID_CHECK_DIGIT", 2, "身份证号"),
        ("REG_TRAINING_HOURS", 3, "课时"),
        ("REG_TRAINING_HOURS", 4, "课时"),
        ("REG_TRAINING_DATE", 5, "完成日期"),
        ("REG_TRAINING_REQUIRED", 5, "项目"),
        ("REG_TRAINING_DATE", 6, "完成日期"),
        ("REG_ID_LENGTH", 7, "身份证号"),
        ("REG_TRAINING_HOURS", 8, "课时"),
    ]
    assert all(p.file == "base.csv" for p in problems)


def test_training_csv_duplicate_rows_and_missing_columns():
    text = f"身份证号,课时,项目,级别\n{ID_A},80,碳排放管理员,四级\n{ID_A},80,碳排放管理员,四级\n"
    records, problems = read_training_csv(text, today=TODAY)
    assert len(records) == 1 and [(p.code, p.row) for p in problems] == [("REG_TRAINING_DUPLICATE", 3)]
    records, problems = read_training_csv(f"身份证号,项目\n{ID_A},碳排放管理员\n", today=TODAY)
    assert records == [] and [(p.code, p.row, p.field) for p in problems] == [
        ("REG_TRAINING_MISSING_COLUMN", 1, "级别"), ("REG_TRAINING_MISSING_COLUMN", 1, "课时")]
    assert read_training_csv("", today=TODAY)[1][0].code == "REG_TRAINING_EMPTY"
    assert read_training_csv("身份证号,课时,项目,级别\n", today=TODAY)[1][0].code == "REG_TRAINING_EMPTY"


def test_the_module_is_pure():
    tree = ast.parse(Path(reg.__file__).read_text())
    imported = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert not imported & {"flask", "flask_sqlalchemy", "sqlalchemy"}


@pytest.mark.parametrize("over,attr,value", [
    ({"手机": "+86 138-0013-8000"}, "phone", "13800138000"),
    ({"性别": "M"}, "gender", "M"),
    ({"性别": ""}, "gender", "M"),
    ({"出生年月": 199003}, "birth_date", date(1990, 3, 7)),
    ({"行业": "钢铁行业"}, "industry", "钢铁"),
    ({"工作年限": "0"}, "related_work_years", 0.0),
    ({"参加工作时间": "2015年7月"}, "work_started_on", date(2015, 7, 1)),
    ({"培训学时": "80学时"}, "training_hours", 80.0),
])
def test_usual_spellings_are_accepted(over, attr, value):
    batch = read(one_row(**over), A_PHOTO)
    assert batch.ok, batch.problems
    assert getattr(batch.registrants[0], attr) == value
