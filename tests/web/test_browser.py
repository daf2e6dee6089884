"""The pages in real headless Chromium: login, the bank list with filters, an item with its versions."""

import pytest

from examengine.auth.models import User
from examengine.bank import service
from examengine.db import db
from tests.conftest import PASSWORD, item_id

pytestmark = pytest.mark.browser


def log_in(page, username):
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login")
    page.wait_for_url("**/")


def test_item_writer_filters_the_bank_and_reads_versions(app, page, users, demo_bank):
    iid = item_id(app, "pub-001")
    with app.app_context():
        service.update_item(db.session.get(User, users["item_writer"]), iid,
                            {"stem": "《联合国气候变化框架公约》于哪一年在纽约通过？（  ）", "note": "地点更准确"})
        db.session.remove()
    log_in(page, "item_writer")
    assert "欢迎" in page.inner_text("main")
    page.click("text=题库")
    assert page.inner_text("#total") == "共 5 条"
    page.select_option("#f-type", "multi")
    page.click("#f-submit")
    rows = page.locator("#items tbody tr")
    assert rows.count() == 1 and "pub-003" in rows.first.inner_text()
    page.fill("#f-q", "纽约")
    page.select_option("#f-type", "")
    page.click("#f-submit")
    assert page.locator("#items tbody tr").count() == 1
    page.click("text=pub-001")
    assert "v2" in page.inner_text("h1 + p")
    assert page.locator("#versions .version-row").count() == 2
    assert page.inner_text("#diff-title").endswith("v1 → v2")
    assert page.inner_text("#diff ins") == "在纽约"
    assert page.inner_text("#key") == "B"
    assert "B. 1992年" in page.inner_text("#preview")


def test_english_and_roles(page, users, demo_bank):
    log_in(page, "candidate")
    assert page.locator("text=题库").count() == 0
    page.goto("/bank/items")
    assert "FORBIDDEN" in page.inner_text("main")
    page.goto("/")
    page.click("#lang-en")
    assert "Welcome" in page.inner_text("main") and page.locator("#logout").inner_text() == "Log out"
    page.click("#logout")
    page.wait_for_url("**/login")
    assert page.locator("h1").inner_text() == "Log in"


def test_wrong_password_is_shown(page, users):
    page.goto("/login")
    page.fill("#username", "staff")
    page.fill("#password", "wrong password")
    page.click("#login")
    assert page.locator("[role=alert]").inner_text() == "用户名或密码错误"
