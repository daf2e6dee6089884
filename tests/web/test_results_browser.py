"""Results pages in headless Chromium: staff publish a sitting's results from its results page; a candidate sees
their result only once it is published."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from tests.proctor.conftest import rules  # noqa: F401  (fixture)
from tests.scoring.conftest import CORRECT, WRONG, finalise_short_answers, submitted_sitting  # noqa: F401
from tests.web.test_browser import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def _no_login_limit(app):
    with app.app_context():
        limiter.reset()


def test_staff_publish_from_the_results_page_once_every_score_is_final(app, page, submitted_sitting):  # noqa: F811
    s = submitted_sitting(2, [CORRECT, WRONG])
    first, second = s.candidates
    log_in(page, "staff")
    page.goto(f"/proctor/sittings/{s.code}")
    page.click("#results-link")
    expect(page.locator("#publication-state")).to_have_text("成绩尚未发布")
    expect(page.locator(f"#result-{first.id_number} .outcome")).to_have_text("待评定")
    # The short answers are not marked yet: publishing is refused and says why.
    page.click("#publish")
    expect(page.locator("#publish-error")).to_contain_text("2 道答题待评分")
    expect(page.locator("#publication-state")).to_have_text("成绩尚未发布")
    finalise_short_answers(app, {first.session_id: 20, second.session_id: 5})
    page.goto(f"/results/sittings/{s.code}")
    row = page.locator(f"#result-{first.id_number}")
    expect(row.locator(".total")).to_have_text("90 / 100")
    expect(row.locator(".outcome")).to_have_text("合格")
    expect(row.locator(".module-acc")).to_have_text("20 / 30")
    expect(page.locator(f"#result-{second.id_number} .outcome")).to_have_text("不合格")
    page.click("#publish")
    expect(page.locator("#publication-state")).to_contain_text("成绩已发布")
    with page.expect_download() as dl:
        page.click("#export-xlsx")
    assert dl.value.suggested_filename == "results-s1.xlsx"
    page.click("#unpublish")
    expect(page.locator("#publication-state")).to_have_text("成绩尚未发布")


def test_a_candidate_sees_the_result_only_after_publication(app, page, submitted_sitting):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    finalise_short_answers(app, 30)
    log_in(page, "candidate")
    page.click("#nav-exam")
    page.click("#my-results-link")
    card = page.locator(f"#result-{s.code}")
    expect(card.locator(".not-published")).to_have_text("成绩尚未发布")
    expect(card.locator(".total")).to_have_count(0)
    with app.app_context():
        from examengine.db import db
        from examengine.scoring import service
        from tests.proctor.conftest import ADMIN

        service.publish(ADMIN, s.code)
        db.session.remove()
    page.reload()
    expect(card.locator(".total")).to_have_text("100 / 100")
    expect(card.locator(".outcome")).to_have_text("合格")
    expect(card.locator(".module-pub")).to_contain_text("70")
    # In English too.
    page.goto("/lang/en")
    page.goto("/exam/results")
    expect(page.locator(f"#result-{s.code} .outcome")).to_have_text("Pass")
