"""The graders' pages through the test client: blind, refusals that change nothing, who may open what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.db import db
from examengine.scoring.models import Mark, ResponseScore
from tests.proctor.conftest import rules  # noqa: F401  (fixture)
from tests.scoring.conftest import CORRECT, submitted_sitting  # noqa: F401  (fixture)
from tests.web.test_pages import login


@pytest.fixture(autouse=True)
def _no_login_limit(app):
    with app.app_context():
        limiter.reset()


def _csrf(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_the_answer_page_is_blind_and_refuses_bad_points(app, client, submitted_sitting):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    login(client, "grader")
    home = client.get("/grading").get_data(as_text=True)
    path = re.search(r'href="(/grading/s1/\d+)"', home).group(1)
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="answer"' in html
    for c in s.candidates:
        assert c.name not in html and c.id_number not in html and c.username not in html
    rid = re.search(r'name="response_id" value="(\d+)"', html).group(1)
    resp = client.post(path, data={"csrf_token": _csrf(html), "response_id": rid, "slot": "first",
                                   "points": "31", "comment": ""})
    assert resp.status_code == 422 and "分数须在 0 到满分之间" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Mark)) == 0
        assert db.session.get(ResponseScore, int(rid)).status == "pending"
        db.session.remove()
    # without the CSRF token nothing is marked either
    assert client.post(path, data={"response_id": rid, "slot": "first", "points": "5"}).status_code == 400
    ok = client.post(path, data={"csrf_token": _csrf(html), "response_id": rid, "slot": "first", "points": "5",
                                 "comment": "<script>alert(1)</script>"})
    assert ok.status_code == 302 and "saved=1" in ok.headers["Location"]
    with app.app_context():
        assert float(db.session.get(ResponseScore, int(rid)).points) == 5
        db.session.remove()


def test_who_may_open_the_marking_pages(app, client, submitted_sitting):  # noqa: F811
    submitted_sitting(1, CORRECT)
    login(client, "candidate")
    for path in ("/grading", "/grading/adjudication", "/grading/sittings/s1/policy", "/grading/sittings/s1/agreement"):
        assert client.get(path).status_code == 403, path
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    login(client, "grader")
    assert client.get("/grading").status_code == 200
    assert client.get("/grading/adjudication").status_code == 403
    assert client.get("/grading/sittings/s1/policy").status_code == 403
    client.post("/logout", data={"csrf_token": _csrf(client.get("/").get_data(as_text=True))})
    login(client, "staff")
    assert client.get("/grading").status_code == 403  # staff set policies; they do not mark
    assert client.get("/grading/sittings/s1/agreement").status_code == 200
    html = client.get("/grading/sittings/s1/policy").get_data(as_text=True)
    bad = client.post("/grading/sittings/s1/policy", data={"csrf_token": _csrf(html), "double_mode": "all",
                                                          "double_percent": "150", "tolerance": "2",
                                                          "auto_confirm_confidence": "0.9",
                                                          "auto_confirm_sample_percent": "10"})
    assert bad.status_code == 422 and "POLICY_PERCENT_INVALID" in bad.get_data(as_text=True)
    assert "marking-policy-link" in client.get("/proctor/sittings/s1").get_data(as_text=True)
