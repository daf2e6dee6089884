"""Item writers' pages in headless Chromium: create with live preview, review, import with a report, export."""

import pytest
from sqlalchemy import select

from examengine.bank.models import Item
from examengine.db import db
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def test_create_a_multiple_choice_item_with_live_preview(app, page, users, demo_bank):
    log_in(page, "item_writer")
    page.goto("/bank/items/new?program=demo")
    page.select_option("#e-type", "multi")
    page.select_option("#e-module", "pub")
    page.fill("#e-stem", "下列属于温室气体的有（  ）。")
    texts = page.locator(".option-text")
    for i, t in enumerate(["二氧化碳", "甲烷", "氮气", "氧化亚氮"]):
        texts.nth(i).fill(t)
    assert page.text_content("#p-stem") == "下列属于温室气体的有（  ）。"
    assert "D. 氧化亚氮" in page.inner_text("#p-options")
    marks = page.locator(".key-mark")
    marks.nth(0).check()
    page.click("#e-save")  # one key only: the API refuses, naming the field
    page.wait_for_selector("#e-errors div")
    assert page.get_attribute("#e-errors div", "data-field") == "key"
    marks.nth(1).check()
    marks.nth(3).check()
    page.fill("#e-explanation", "CO2、CH4、N2O 属于温室气体，氮气不是。")
    page.fill("#e-points", "2")
    page.click("#e-save")
    page.wait_for_url("**/bank/items/*")
    assert page.inner_text("#key") == "ABD"
    assert page.inner_text("#item-status") == "草稿"
    page.click("#move-in_review")
    assert page.inner_text("#item-status") == "待审核"
    assert page.locator("#move-active").count() == 1  # offered, but a writer cannot approve their own item
    page.click("#move-active")
    assert "SELF_REVIEW" in page.inner_text("main")


def test_edit_makes_a_version_and_reviewer_approves(app, page, users, demo_bank):
    with app.app_context():
        iid = db.session.scalar(select(Item.id).where(Item.code == "pub-002"))
    log_in(page, "item_writer")
    page.goto(f"/bank/items/{iid}/edit")
    assert page.locator("#e-tf-box").is_visible() and not page.locator("#e-options-box").is_visible()
    page.fill("#e-stem", "《京都议定书》为附件一缔约方规定了有法律约束力的量化减排指标。")
    page.fill("#e-note", "措辞")
    page.click("#e-save")
    page.wait_for_url(f"**/bank/items/{iid}")
    assert page.inner_text("#item-status") == "待审核"  # an edited active item goes back to review
    assert page.locator("#versions .version-row").count() == 2
    page.click("#logout")
    log_in(page, "reviewer")
    page.goto(f"/bank/items/{iid}")
    page.click("#move-active")
    assert page.inner_text("#item-status") == "已启用"


def test_import_page_checks_then_imports(app, page, users, demo_bank, tmp_path):
    path = tmp_path / "题库.csv"
    path.write_text("题型,题干,选项A,选项B,答案,解析,模块\n"
                    "单选,全国碳市场首批纳入的行业是（  ）。,发电,钢铁,A,首批为发电行业,pub\n"
                    "单选,坏题,甲,乙,AB,,pub\n", encoding="utf-8")
    log_in(page, "item_writer")
    page.goto("/bank/import")
    page.select_option("#i-program", "demo")
    page.set_input_files("#i-file", str(path))
    page.click("#i-check")
    page.wait_for_selector("#i-entries tr")
    rows = page.locator("#i-entries tr")
    assert rows.count() == 2 and "KEY_NOT_SINGLE" in rows.nth(1).inner_text()
    assert page.is_disabled("#i-confirm")
    page.check("#i-skip")
    page.click("#i-check")
    page.wait_for_function("!document.getElementById('i-confirm').disabled")
    page.click("#i-confirm")
    page.wait_for_function("document.getElementById('i-summary').textContent.includes('已写入 1')")
    with app.app_context():
        assert db.session.scalar(select(Item.status).where(Item.code == "pub-005")) == "draft"


def test_export_page_downloads_a_workbook(page, users, demo_bank):
    log_in(page, "grader")
    page.goto("/bank/export")
    page.select_option("#x-program", "demo")
    with page.expect_download() as info:
        page.click("#x-submit")
    assert info.value.suggested_filename == "demo.xlsx"
