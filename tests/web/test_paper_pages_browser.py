"""Exam staff's paper pages in headless Chromium: feasibility per cell, generating, previews and PDFs."""

import pytest

from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


def test_staff_checks_a_blueprint_generates_and_previews_a_paper(app, page, users, demo_bank):
    log_in(page, "staff")
    page.click("#nav-blueprints")
    page.click("text=demo-l4")
    assert "可行" in page.inner_text("#feasibility") and "不可行" not in page.inner_text("#feasibility")
    rows = page.locator("#cells tbody tr")
    assert rows.count() == 4 and page.locator("#cells tr.short").count() == 0
    assert "简答" in page.inner_text("#cells")
    page.fill("#count", "3")
    page.fill("#seed", "42")
    page.click("#generate-button")
    page.wait_for_url("**/papers/*")
    items = page.locator(".paper-item")
    assert items.count() == 4
    assert page.locator(".key").count() == 0  # the candidate's view shows no keys
    assert [s.strip()[:1] for s in page.locator(".paper-section h2").all_inner_texts()] == ["一", "二", "三", "四"]
    page.click("#keys-view")
    assert page.locator(".key-text").count() == 4
    assert page.locator(".key-text").first.inner_text() in ("对", "错")
    href = page.get_attribute("#pdf-paper", "href")
    pdf = page.request.get(href)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
    sheet = page.request.get(page.get_attribute("#pdf-sheet", "href"))
    assert sheet.ok and sheet.body()[:4] == b"%PDF"


def test_item_writer_sees_feasibility_but_cannot_generate_and_english_works(app, page, users, demo_bank):
    log_in(page, "item_writer")
    page.goto("/papers/blueprints/demo-l4?planned=50")
    assert page.locator("#cells tbody tr").count() == 4
    assert page.locator("#generate").count() == 0
    page.click("#lang-en")
    assert "Feasible" in page.inner_text("#feasibility")
    assert "Needed" in page.inner_text("#cells thead")


def test_candidate_cannot_open_blueprints(app, page, users, demo_bank):
    log_in(page, "candidate")
    assert page.locator("#nav-blueprints").count() == 0
    resp = page.goto("/papers/blueprints")
    assert resp.status == 403
