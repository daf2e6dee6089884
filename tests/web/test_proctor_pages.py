"""Exam staff's monitoring pages in headless Chromium: sittings, seats with flags, a session's history for appeals."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.db import db
from examengine.proctor import sessions
from examengine.proctor.models import Sitting
from tests.proctor.conftest import exam, rules  # noqa: F401  (fixtures: a sitting open now, the candidate seated)
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("exam")]


@pytest.fixture(autouse=True)
def _no_login_limit(app):
    with app.app_context():
        limiter.reset()


@pytest.fixture
def taken(app, users):
    """The candidate started, answered two questions (one flagged) and left the page six times."""
    with app.app_context():
        sitting_id = db.session.scalar(select(Sitting.id).where(Sitting.code == "s1"))
        started = sessions.start(users["candidate"], sitting_id, "10.0.0.1", "test-browser")
        sid, key = started.session.id, started.key
        layout = started.session.layout
        tf = next(i for i, (t, _) in enumerate(layout, start=1) if t == "truefalse")
        multi = next(i for i, (t, _) in enumerate(layout, start=1) if t == "multi")
        sessions.save_answer(sid, key, tf, {"response": True, "seq": 1, "client_at": "2026-01-01T00:00:00Z"})
        sessions.save_answer(sid, key, tf, {"response": False, "seq": 2})
        sessions.save_answer(sid, key, multi, {"response": ["A", "D"], "seq": 1, "flagged": True})
        sessions.record_events(sid, key, [{"kind": "focus_lost", "at": "2026-01-01T00:00:05Z"}] * 6
                               + [{"kind": "paste", "detail": {"position": multi}}])
        db.session.remove()
    return sid


def test_staff_follow_a_sitting_and_read_a_sessions_history(app, page, taken):
    log_in(page, "staff")
    page.click("#nav-proctor")
    row = page.locator("#sitting-s1")
    expect(row).to_contain_text("s1")
    expect(row.locator("td.num")).to_have_text(["1", "1"])  # seats, sessions
    page.click("#sitting-s1 a")
    seat = page.locator("tr.seat")
    expect(seat).to_have_count(1)
    expect(seat).to_contain_text("考生1")
    expect(seat).to_contain_text("作答中")
    expect(seat.locator("td.answered")).to_have_text("2/4")
    expect(seat.locator(".badge")).to_contain_text(["离开考试页面6次", "粘贴文本1次"])
    page.click("tr.seat .history-link")
    expect(page.locator("#verdict")).to_contain_text("完整")
    expect(page.locator("#verdict")).to_contain_text("4")  # start + three saves
    journal = page.locator("#journal tbody tr")
    expect(journal).to_have_count(4)
    expect(journal.nth(1)).to_contain_text("保存")
    expect(journal.nth(1)).to_contain_text("对")
    expect(journal.nth(2)).to_contain_text("错")
    expect(journal.nth(3)).to_contain_text("A、D")
    expect(page.locator("#events tbody tr.kind-focus_lost")).to_have_count(6)
    expect(page.locator("#events tbody tr.kind-focus_lost").first).to_contain_text("离开页面")
    expect(page.locator("#answers tbody tr")).to_have_count(2)
    expect(page.locator("#flags")).to_contain_text("离开考试页面6次")

    # Someone edits an answer in the database: the chain names the entry.
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE answer_journal SET payload = :p WHERE session_id = :s AND n = 3"),
                         {"p": '{"response": true, "flagged": false, "client_at": null}', "s": taken})
        db.session.remove()
    page.reload()
    expect(page.locator("#verdict")).to_contain_text("已损坏")
    expect(page.locator("#verdict")).to_contain_text("从第 3 条记录起")
    expect(page.locator("#journal tr.bad")).to_have_count(2)

    page.click("#lang-en")
    expect(page.locator("#verdict")).to_contain_text("Broken")


def test_candidates_and_item_writers_cannot_open_the_staff_pages(page, taken):
    log_in(page, "candidate")
    expect(page.locator("#nav-proctor")).to_have_count(0)
    for path in ("/proctor/sittings", "/proctor/sittings/s1", f"/proctor/sessions/{taken}"):
        assert page.goto(path).status == 403, path
    page.click("#logout")
    log_in(page, "item_writer")
    assert page.goto("/proctor/sittings").status == 403
