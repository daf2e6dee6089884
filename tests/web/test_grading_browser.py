"""The graders' pages in headless Chromium: confirming with Enter, overriding with a digit key, adjudicating,
and the staff's marking settings reached from the sitting page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.auth import service as auth_service
from examengine.auth.models import User
from examengine.db import db
from examengine.scoring import marking, review
from examengine.scoring.models import MarkingPolicy, ResponseScore, ScoreEvent
from tests.conftest import PASSWORD
from tests.proctor.conftest import rules  # noqa: F401  (fixture)
from tests.scoring.conftest import CORRECT, submitted_sitting  # noqa: F401  (fixture)
from tests.web.test_browser import log_in

pytestmark = pytest.mark.browser


@pytest.fixture(autouse=True)
def _no_login_limit(app):
    with app.app_context():
        limiter.reset()


def short_rows(app, sitting_id: int) -> dict[int, ResponseScore]:
    with app.app_context():
        rows = db.session.scalars(select(ResponseScore).where(ResponseScore.sitting_id == sitting_id,
                                                              ResponseScore.item_type == "short")).all()
        for rs in rows:
            db.session.expunge(rs)
        db.session.remove()
    return {rs.id: rs for rs in rows}


def test_a_grader_confirms_with_enter_and_overrides_with_a_digit(app, page, users, submitted_sitting):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    log_in(page, "grader")
    page.click("#nav-grading")
    row = page.locator("tr.question")
    expect(row).to_have_count(1)
    expect(row.locator("td.first")).to_have_text("2")
    row.locator("a.mark-link").click()
    expect(page.locator("#slot")).to_have_text("初评")
    expect(page.locator("#remaining")).to_have_text("2")

    rid = int(page.locator("input[name=response_id]").input_value())
    rs = short_rows(app, s.sitting_id)[rid]
    suggested = rs.suggestion["points"]
    expect(page.locator("#suggested-points")).to_have_text(f"{suggested:g}")
    expect(page.locator("#points")).to_have_value(f"{suggested:g}")
    # the matched scoring points are highlighted in the answer, and the answer is shown as typed
    spans = [(e["start"], e["end"], "matched", e["point"]) for e in rs.suggestion["matched"]]
    highlighted = [seg["text"] for seg in marking.segments(rs.response, spans) if seg["kind"]]
    assert highlighted, "the model answer makes scoring points"
    expect(page.locator("#answer mark.ev-matched")).to_have_text(highlighted)
    expect(page.locator("#answer")).to_have_text(rs.response)
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("已保存")
    expect(page.locator("#remaining")).to_have_text("1")
    done = short_rows(app, s.sitting_id)[rid]
    assert (done.status, float(done.points), done.source) == ("final", float(suggested), "confirmed")

    rid2 = int(page.locator("input[name=response_id]").input_value())
    assert rid2 != rid
    digit = "7" if short_rows(app, s.sitting_id)[rid2].suggestion["points"] != 7 else "6"
    page.keyboard.press(digit)
    expect(page.locator("#points")).to_have_value(digit)
    expect(page.locator("#mark-mode")).to_contain_text(digit)
    page.keyboard.press("Enter")
    expect(page.locator("#done")).to_be_visible()
    done = short_rows(app, s.sitting_id)[rid2]
    assert (done.status, float(done.points)) == ("final", float(digit))
    with app.app_context():
        marked = db.session.scalar(select(ScoreEvent).where(ScoreEvent.response_score_id == rid2,
                                                            ScoreEvent.kind == "marked"))
        assert marked.detail["action"] == "overridden" and marked.actor_id == users["grader"]
        db.session.remove()
    page.click("text=返回题目列表")
    expect(page.locator("#no-questions")).to_be_visible()


def test_a_senior_grader_adjudicates_seeing_both_marks(app, page, users, submitted_sitting):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    with app.app_context():
        staff, grader = db.session.get(User, users["staff"]), db.session.get(User, users["grader"])
        g2 = auth_service.create_user("grader2", PASSWORD, "grader", system=True)
        review.set_policy(staff, s.code, {"double_mode": "all", "tolerance": 2})
        (rid,) = short_rows(app, s.sitting_id)
        review.mark(grader, rid, 3, comment="只答到公式", slot="first")
        assert review.mark(g2, rid, 27, slot="second").status == "adjudication"
        db.session.remove()
    log_in(page, "senior_grader")
    page.click("#nav-grading")
    expect(page.locator("#adjudication-link .count")).to_have_text("1")
    page.click("#adjudication-link a")
    marks = page.locator("#marks tbody tr")
    expect(marks).to_have_count(2)
    expect(marks.nth(0)).to_contain_text("初评")
    expect(marks.nth(0)).to_contain_text("3")
    expect(marks.nth(0)).to_contain_text("只答到公式")
    expect(marks.nth(1)).to_contain_text("27")
    page.keyboard.press("1")
    page.keyboard.press("5")
    expect(page.locator("#points")).to_have_value("15")
    page.keyboard.press("Enter")
    expect(page.locator("#notice")).to_have_text("已保存")
    expect(page.locator("#done")).to_be_visible()
    done = short_rows(app, s.sitting_id)[rid]
    assert (done.status, float(done.points), done.source) == ("final", 15.0, "adjudicated")


def test_staff_set_the_marking_policy_from_the_sitting_page(app, page, users, submitted_sitting):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    log_in(page, "staff")
    page.goto(f"/proctor/sittings/{s.code}")
    page.click("#marking-policy-link")
    expect(page.locator("#progress-pending")).to_have_text("1")
    page.select_option("#double_mode", "sample")
    page.fill("#double_percent", "30")
    page.fill("#tolerance", "1.5")
    page.check("#second_sees_suggestion")
    page.click("#save-policy")
    expect(page.locator("#notice")).to_have_text("已保存")
    with app.app_context():
        p = db.session.get(MarkingPolicy, s.sitting_id)
        assert (p.double_mode, p.double_percent, float(p.tolerance), p.second_sees_suggestion) == (
            "sample", 30, 1.5, True)
        db.session.remove()
    page.click("#agreement-link")
    expect(page.locator("#human_human .overall td.n")).to_have_text("0")
    page.click("#lang-en")
    expect(page.locator("h1")).to_contain_text("Marking agreement")
