"""The candidate's exam page in real headless Chromium: answering, autosave, reload, offline, time up, takeover,
warnings, the submit dialog and a phone-sized screen. Every wait polls; no test sleeps more than a moment."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.db import db, utcnow
from examengine.proctor.models import Answer, ExamSession, JournalEntry, ProctorEvent
from tests.proctor.conftest import exam, rules  # noqa: F401  (fixtures: a sitting open now, the candidate seated)
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("exam")]

TYPES = ("truefalse", "single", "multi", "short")


@pytest.fixture(autouse=True)
def _no_login_limit(app):
    # Many logins of the same user from 127.0.0.1 within a minute: the login rate limit is not what is tested here.
    with app.app_context():
        limiter.reset()


def positions(app, sid) -> dict[str, int]:
    with app.app_context():
        layout = db.session.get(ExamSession, sid).layout
        db.session.remove()
    return {t: i for i, (t, _) in enumerate(layout, start=1)}


def saved(app, sid) -> dict[int, tuple]:
    """position -> (response, flagged, seq) as the database holds it."""
    with app.app_context():
        rows = db.session.scalars(select(Answer).where(Answer.session_id == sid)).all()
        out = {a.position: (a.response, a.flagged, a.seq) for a in rows}
        db.session.remove()
    return out


def session_row(app, sid) -> ExamSession:
    with app.app_context():
        s = db.session.get(ExamSession, sid)
        db.session.expunge(s)
        db.session.remove()
    return s


def move_deadline(app, sid, seconds: float) -> None:
    """Exam day compressed: the stored deadline (and the last-save time after it) moved to `seconds` from now."""
    with app.app_context():
        deadline = utcnow() + timedelta(seconds=seconds)
        grace = timedelta(seconds=app.config["SAVE_GRACE_SECONDS"])
        with db.engine.begin() as conn:
            conn.execute(update(ExamSession.__table__).where(ExamSession.__table__.c.id == sid)
                         .values(deadline_at=deadline, close_at=deadline + grace))
        db.session.remove()


def event_kinds(app, sid) -> list[str]:
    with app.app_context():
        kinds = list(db.session.scalars(select(ProctorEvent.kind).where(ProctorEvent.session_id == sid)))
        db.session.remove()
    return kinds


def wait_for(check, timeout: float = 8.0):
    """Poll the database (or anything) until `check()` is truthy."""
    end = time.monotonic() + timeout
    while True:
        value = check()
        if value or time.monotonic() > end:
            return value
        time.sleep(0.1)


def start_exam(page) -> int:
    log_in(page, "candidate")
    page.click("#nav-exam")
    expect(page.locator("#sitting-s1")).to_contain_text("未开始")
    page.click("#start-s1")
    page.wait_for_url("**/exam/sessions/*")
    expect(page.locator(".question").first).to_be_attached()
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


def ready(page) -> None:
    expect(page.locator(".question").first).to_be_attached()
    expect(page.locator("#timer")).not_to_have_text("--:--")


def status(page):
    return page.locator("#save-status")


def local_store(page, sid) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('examengine:exam:{sid}')") or "{}")


def test_a_candidate_starts_answers_every_type_and_the_answers_are_saved(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    assert sorted(pos) == sorted(TYPES)
    ready(page)
    # One question per page by default; the navigator moves between them.
    expect(page.locator(".question:visible")).to_have_count(1)
    page.click(f"#nav-{pos['truefalse']}")
    expect(page.locator(f"#q-{pos['truefalse']}")).to_contain_text("对")
    page.check(f"#q-{pos['truefalse']}-F")
    page.click(f"#nav-{pos['single']}")
    page.check(f"#q-{pos['single']}-B")
    page.click(f"#nav-{pos['multi']}")
    page.check(f"#q-{pos['multi']}-A")
    page.check(f"#q-{pos['multi']}-C")
    page.click(f"#nav-{pos['short']}")
    box = page.locator(f"#q-{pos['short']} textarea")
    box.fill("确定核算边界，识别排放源，收集活动数据。")
    expect(status(page)).to_have_text("保存中…")  # typing is saved after a short pause
    expect(status(page)).to_have_text("已保存")
    expect(page.locator("#progress")).to_have_text("已答 4/4")
    for p in pos.values():
        expect(page.locator(f"#nav-{p}")).to_have_class("nav-item answered")
    got = saved(app, sid)
    assert {t: got[p][0] for t, p in pos.items()} == {
        "truefalse": False, "single": "B", "multi": ["A", "C"], "short": "确定核算边界，识别排放源，收集活动数据。"}
    assert not local_store(page, sid)["pending"]
    # The page never carries keys: the options are the candidate's view only.
    html = page.content()
    assert "正确答案" not in html and '"key"' not in html


def test_a_reload_keeps_the_answers_and_the_servers_remaining_time(app, page):
    # This computer's clock is two hours fast: the countdown must still show the server's deadline.
    page.clock.set_system_time(utcnow() + timedelta(hours=2))
    sid = start_exam(page)
    assert page.evaluate("Date.now()") / 1000 - time.time() > 7000
    pos = positions(app, sid)
    ready(page)
    page.click("#mode-toggle")  # all questions on one page, remembered
    expect(page.locator(".question:visible")).to_have_count(4)
    page.check(f"#q-{pos['single']}-D")
    page.check(f"#q-{pos['truefalse']}-T")
    page.locator(f"#q-{pos['short']} textarea").fill("第一稿")
    page.locator(f"#q-{pos['short']} .flag-box").check()
    expect(status(page)).to_have_text("已保存")
    before = int(page.get_attribute("#timer", "data-remaining"))
    deadline = session_row(app, sid).deadline_at
    server_left = (deadline - utcnow()).total_seconds()
    assert abs(before - server_left) <= 2, (before, server_left)
    page.reload()
    ready(page)
    after = int(page.get_attribute("#timer", "data-remaining"))
    assert 0 <= before - after <= 3, (before, after)
    assert abs(after - (deadline - utcnow()).total_seconds()) <= 2
    expect(page.locator(".question:visible")).to_have_count(4)  # the mode was remembered
    expect(page.locator(f"#q-{pos['single']}-D")).to_be_checked()
    expect(page.locator(f"#q-{pos['truefalse']}-T")).to_be_checked()
    expect(page.locator(f"#q-{pos['short']} textarea")).to_have_value("第一稿")
    expect(page.locator(f"#q-{pos['short']} .flag-box")).to_be_checked()
    expect(page.locator(f"#nav-{pos['short']}")).to_have_class("nav-item answered flagged")


def test_offline_changes_are_kept_and_land_in_order_when_the_network_returns(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    page.click("#mode-toggle")
    page.check(f"#q-{pos['single']}-A")
    expect(status(page)).to_have_text("已保存")

    page.context.set_offline(True)
    page.check(f"#q-{pos['single']}-C")
    expect(status(page)).to_have_text("离线，答案已暂存在本机")
    short = page.locator(f"#q-{pos['short']} textarea")
    short.fill("断网时写的答案")
    short.blur()
    page.check(f"#q-{pos['multi']}-A")
    page.check(f"#q-{pos['multi']}-B")
    page.check(f"#q-{pos['single']}-D")
    expect(status(page)).to_have_text("离线，答案已暂存在本机")
    pending = local_store(page, sid)["pending"]
    assert [p["position"] for p in pending] == [pos["single"], pos["short"], pos["multi"], pos["single"]]
    assert saved(app, sid)[pos["single"]][0] == "A"  # nothing reached the server

    page.context.set_offline(False)
    expect(status(page)).to_have_text("已保存")
    got = saved(app, sid)
    assert got[pos["single"]][0] == "D" and got[pos["multi"]][0] == ["A", "B"]
    assert got[pos["short"]][0] == "断网时写的答案"
    with app.app_context():
        saves = db.session.execute(select(JournalEntry.position, JournalEntry.seq).where(
            JournalEntry.session_id == sid, JournalEntry.kind == "save").order_by(JournalEntry.n)).all()
        db.session.remove()
    # In the order typed, and each question's sequence numbers only grow.
    assert [p for p, _ in saves][1:] == [pos["single"], pos["short"], pos["multi"], pos["single"]]
    for p in pos.values():
        seqs = [s for q, s in saves if q == p]
        assert seqs == sorted(set(seqs))
    assert wait_for(lambda: {"offline", "reconnect"} <= set(event_kinds(app, sid)))

    # A save that could not be sent survives a reload: the page shows it and sends it before anything else.
    page.route("**/answers/*", lambda route: route.abort())
    page.check(f"#q-{pos['single']}-B")
    expect(status(page)).not_to_have_text("已保存")
    page.reload()
    ready(page)
    expect(page.locator(f"#q-{pos['single']}-B")).to_be_checked()  # locally newer than the server's D
    assert saved(app, sid)[pos["single"]][0] == "D"
    page.unroute("**/answers/*")
    page.context.set_offline(True)  # a network change (online event) resends at once
    page.context.set_offline(False)
    expect(status(page)).to_have_text("已保存")
    assert saved(app, sid)[pos["single"]][0] == "B"
    assert not local_store(page, sid)["pending"]


def test_when_time_runs_out_the_page_submits_and_a_late_save_is_refused(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    page.click(f"#nav-{pos['single']}")
    page.check(f"#q-{pos['single']}-A")
    expect(status(page)).to_have_text("已保存")
    move_deadline(app, sid, 2.5)
    page.reload()
    ready(page)
    expect(page.locator("#time-warning")).to_contain_text("1分钟")
    expect(page.locator("#finished")).to_be_visible(timeout=10_000)
    expect(page.locator("#finished-title")).to_have_text("已交卷")
    expect(page.locator("#finished-reason")).to_contain_text("自动交卷")
    expect(page.locator("#finished-at")).to_contain_text("交卷时间")
    s = session_row(app, sid)
    # Submitted by the page at zero. The server records a submit inside the network grace as the candidate's
    # (sessions.submit compares with close_at); either way it is at or after the deadline.
    assert s.status == "submitted" and s.submitted_at >= s.deadline_at
    key = page.get_attribute("#exam", "data-key")
    late = page.request.put(f"/api/v1/sessions/{sid}/answers/{pos['single']}", headers={"X-Exam-Key": key},
                            data={"response": "B", "seq": 99})
    assert late.status == 409 and late.json()["code"] == "SESSION_CLOSED"
    assert saved(app, sid)[pos["single"]][0] == "A"
    page.reload()
    expect(page.locator("#finished h1")).to_have_text("已交卷")
    expect(page.locator("#submit-reason")).to_contain_text("自动交卷")


def test_a_second_browser_takes_over_and_the_first_turns_read_only(app, page, browser, live_server):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    page.click(f"#nav-{pos['truefalse']}")
    page.check(f"#q-{pos['truefalse']}-T")
    expect(status(page)).to_have_text("已保存")

    other = browser.new_context(base_url=live_server, locale="zh-CN")
    try:
        second = other.new_page()
        second.set_default_timeout(10_000)
        log_in(second, "candidate")
        second.goto("/exam")
        second.click("#continue-s1")
        expect(second.locator("#elsewhere")).to_contain_text("本场考试已在另一个浏览器或设备上开始")
        second.click("#takeover")
        ready(second)
        second.click(f"#nav-{pos['truefalse']}")
        expect(second.locator(f"#q-{pos['truefalse']}-T")).to_be_checked()  # saved answers followed

        # The first browser learns at its next save: read-only, with a clear message.
        page.click(f"#nav-{pos['single']}")
        page.check(f"#q-{pos['single']}-B")
        expect(status(page)).to_have_text("已被其他浏览器接管")
        expect(page.locator("#readonly-banner")).to_contain_text("请到该浏览器中继续作答")
        expect(page.locator(f"#q-{pos['single']}-A")).to_be_disabled()
        expect(page.locator("#submit-open")).to_be_disabled()
        assert pos["single"] not in saved(app, sid)

        second.click(f"#nav-{pos['single']}")
        second.check(f"#q-{pos['single']}-C")
        expect(status(second)).to_have_text("已保存")
        assert saved(app, sid)[pos["single"]][0] == "C"
        assert session_row(app, sid).holder == 2
    finally:
        other.close()


def test_a_second_tab_takes_over_and_replays_what_the_first_could_not_send(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    page.route("**/answers/*", lambda route: route.abort())
    page.click(f"#nav-{pos['multi']}")
    page.check(f"#q-{pos['multi']}-D")
    expect(status(page)).not_to_have_text("已保存")
    tab = page.context.new_page()
    tab.goto(f"/exam/sessions/{sid}")
    ready(tab)
    expect(status(page)).to_have_text("已在另一标签页中打开")
    expect(page.locator("#readonly-banner")).to_contain_text("另一个标签页")
    expect(page.locator(f"#q-{pos['multi']}-A")).to_be_disabled()
    expect(status(tab)).to_have_text("已保存")
    assert saved(app, sid)[pos["multi"]][0] == ["D"]
    tab.click(f"#nav-{pos['multi']}")
    expect(tab.locator(f"#q-{pos['multi']}-D")).to_be_checked()


def test_warnings_at_ten_minutes_and_at_one_minute(app, page):
    sid = start_exam(page)
    ready(page)
    expect(page.locator("#time-warning")).to_be_hidden()
    move_deadline(app, sid, 600 + 1.5)
    page.reload()
    ready(page)
    expect(page.locator("#time-warning")).to_be_hidden()
    warning = page.locator("#time-warning[role=alert]")
    expect(warning).to_be_visible(timeout=5_000)
    expect(warning).to_contain_text("还有10分钟")
    expect(page.locator("#timer")).to_have_class("timer low")
    move_deadline(app, sid, 60 + 1.5)
    page.reload()
    ready(page)
    expect(warning).to_contain_text("还有10分钟")
    expect(warning).to_contain_text("还有1分钟", timeout=5_000)
    expect(page.locator("#timer")).to_have_class("timer low critical")
    page.click("#time-warning-close")
    expect(warning).to_be_hidden()


def test_the_submit_dialog_lists_unanswered_and_flagged_questions(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    page.click("#mode-toggle")
    page.check(f"#q-{pos['truefalse']}-T")
    page.check(f"#q-{pos['multi']}-B")
    page.locator(f"#q-{pos['multi']} .flag-box").check()
    page.locator(f"#q-{pos['single']} .flag-box").check()
    expect(status(page)).to_have_text("已保存")
    page.click("#submit-open")
    dialog = page.locator("#submit-dialog")
    expect(dialog).to_be_visible()
    unanswered = sorted([pos["single"], pos["short"]])
    flagged = sorted([pos["single"], pos["multi"]])
    expect(page.locator("#submit-unanswered")).to_have_text("、".join(map(str, unanswered)))
    expect(page.locator("#submit-flagged")).to_have_text("、".join(map(str, flagged)))
    expect(page.locator("#submit-summary")).to_have_text("已答 2/4")
    page.click("#submit-cancel")
    expect(dialog).to_be_hidden()
    assert session_row(app, sid).status == "open"
    page.click("#submit-open")
    page.click("#submit-confirm")
    expect(page.locator("#finished")).to_be_visible()
    expect(page.locator("#finished-reason")).to_contain_text("您已交卷")
    s = session_row(app, sid)
    assert s.status == "submitted" and s.submit_reason == "candidate"
    assert saved(app, sid)[pos["single"]][:2] == (None, True)  # the flag alone was saved


def test_keyboard_moves_between_questions_and_chooses_options(app, page):
    sid = start_exam(page)
    pos = positions(app, sid)
    ready(page)
    first = min(pos.values())
    expect(page.locator(f"#q-{first}")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#q-{first + 1}")).to_be_visible()
    page.keyboard.press("k")
    expect(page.locator(f"#q-{first}")).to_be_visible()
    page.click(f"#nav-{pos['single']}")
    page.keyboard.press("c")
    expect(page.locator(f"#q-{pos['single']}-C")).to_be_checked()
    expect(status(page)).to_have_text("已保存")
    assert saved(app, sid)[pos["single"]][0] == "C"
    page.click(f"#nav-{pos['short']}")
    box = page.locator(f"#q-{pos['short']} textarea")
    box.focus()
    page.keyboard.type("jk")  # typing is typing, not navigation
    expect(page.locator(f"#q-{pos['short']}")).to_be_visible()
    expect(box).to_have_value("jk")
    page.keyboard.press("Control+A")
    page.keyboard.press("Control+C")
    page.reload()  # events still waiting for their batch are sent as the page goes away
    ready(page)
    expect(box).to_have_value("jk")
    assert wait_for(lambda: "copy" in event_kinds(app, sid))


def test_the_page_fits_a_phone_screen(app, browser, live_server):
    ctx = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 375, "height": 700},
                              is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        page.set_default_timeout(10_000)
        no_sideways = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        sid = start_exam(page)
        pos = positions(app, sid)
        ready(page)
        assert page.evaluate(no_sideways)
        page.click(f"#nav-{pos['short']}")
        assert page.evaluate(no_sideways)
        page.click("#mode-toggle")
        expect(page.locator(".question:visible")).to_have_count(4)
        assert page.evaluate(no_sideways)
        page.click("#submit-open")
        assert page.evaluate(no_sideways)
        page.click("#submit-cancel")
        page.goto("/exam")
        assert page.evaluate(no_sideways)
    finally:
        ctx.close()


def test_english_exam_page(app, page):
    sid = start_exam(page)
    ready(page)
    page.click("#lang-en")
    page.wait_for_url(f"**/exam/sessions/{sid}")
    ready(page)
    expect(status(page)).to_have_text("Saved")
    expect(page.locator("#nav-1")).to_have_attribute("aria-label", "Question 1, not answered")
    expect(page.locator("#submit-open")).to_have_text("Submit")
