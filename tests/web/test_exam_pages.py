"""The candidate's exam pages through the test client: starting, refusals in Chinese, owner only, takeover."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from examengine import limiter
from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.auth import service as auth_service
from examengine.db import db, utcnow
from examengine.proctor import sessions
from examengine.proctor.models import Candidate, ExamSession, Seat, Sitting
from tests.conftest import PASSWORD
from tests.proctor.conftest import ADMIN, exam, make_candidate, open_sitting, rules  # noqa: F401
from tests.web.test_pages import login


def _token(client, path="/exam") -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def _start(client, code="s1"):
    return client.post(f"/exam/sittings/{code}/start", data={"csrf_token": _token(client)})


def setup_function():
    limiter.reset()


@pytest.mark.usefixtures("exam")
def test_start_stores_the_key_and_the_page_carries_it(app, client):
    login(client, "candidate")
    home = client.get("/exam").get_data(as_text=True)
    assert "未开始" in home and 'id="start-s1"' in home
    r = _start(client)
    assert r.status_code == 302
    sid = int(r.headers["Location"].rsplit("/", 1)[1])
    page = client.get(f"/exam/sessions/{sid}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    key = re.search(r'data-key="([^"]+)"', html).group(1)
    state = client.get(f"/api/v1/sessions/{sid}/state", headers={"X-Exam-Key": key})
    assert state.status_code == 200 and state.get_json()["status"] == "open"
    # Starting again finds the same session and leads back to it.
    again = _start(client)
    assert again.headers["Location"].endswith(f"/exam/sessions/{sid}")
    assert "继续作答" in client.get("/exam").get_data(as_text=True)
    assert "CSRF" in client.post("/exam/sittings/s1/start").get_data(as_text=True)


@pytest.mark.usefixtures("exam")
def test_a_browser_without_the_key_is_offered_a_takeover(app, client):
    login(client, "candidate")
    sid = int(_start(client).headers["Location"].rsplit("/", 1)[1])
    first_key = re.search(r'data-key="([^"]+)"', client.get(f"/exam/sessions/{sid}").get_data(as_text=True)).group(1)
    other = app.test_client()
    login(other, "candidate")
    html = other.get(f"/exam/sessions/{sid}").get_data(as_text=True)
    assert "在此浏览器继续作答" in html and "data-key" not in html
    r = other.post(f"/exam/sessions/{sid}/takeover", data={"csrf_token": _token(other)})
    assert r.status_code == 302
    assert 'data-key="' in other.get(f"/exam/sessions/{sid}").get_data(as_text=True)
    old = client.put(f"/api/v1/sessions/{sid}/answers/1", json={"response": True, "seq": 1},
                     headers={"X-Exam-Key": first_key})
    assert old.status_code == 409 and old.get_json()["code"] == "SESSION_TAKEN_OVER"
    # The first browser's cookie key is stale now: it is offered the takeover back, not a dead page.
    assert "此浏览器已不再持有考试" in client.get(f"/exam/sessions/{sid}").get_data(as_text=True)


@pytest.mark.usefixtures("exam")
def test_only_the_owner_opens_a_session(app, client, users):
    login(client, "candidate")
    sid = int(_start(client).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        auth_service.create_user("someone", PASSWORD, "candidate", system=True)
        db.session.remove()
    stranger = app.test_client()
    login(stranger, "someone")
    assert stranger.get(f"/exam/sessions/{sid}").status_code == 404
    assert stranger.post(f"/exam/sessions/{sid}/takeover", data={"csrf_token": _token(stranger)}).status_code == 404
    assert "您目前没有安排考试" in stranger.get("/exam").get_data(as_text=True)
    staff = app.test_client()
    login(staff, "staff")
    assert staff.get("/exam").status_code == 403
    assert staff.get(f"/exam/sessions/{sid}").status_code == 403
    assert app.test_client().get("/exam").status_code == 302  # not logged in: to the login page


@pytest.mark.usefixtures("exam")
def test_a_submitted_session_shows_when(app, client):
    login(client, "candidate")
    sid = int(_start(client).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        s = db.session.get(ExamSession, sid)
        sessions.close(sid, "deadline", s.deadline_at + timedelta(seconds=1))
        db.session.remove()
    html = client.get(f"/exam/sessions/{sid}").get_data(as_text=True)
    assert "已交卷" in html and "考试时间到，系统已自动交卷" in html and "data-key" not in html
    assert "已交卷（" in client.get("/exam").get_data(as_text=True)


@pytest.mark.usefixtures("exam")
def test_an_expired_session_is_submitted_when_its_page_is_opened(app, client):
    login(client, "candidate")
    sid = int(_start(client).headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        s = db.session.get(ExamSession, sid)
        s.deadline_at = s.close_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        db.session.remove()
    assert "已交卷" in client.get(f"/exam/sessions/{sid}").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(ExamSession, sid).status == "submitted"
        db.session.remove()


@pytest.mark.usefixtures("rules")
def test_refusals_are_shown_in_chinese(app, client, users):
    from examengine.proctor import service

    with app.app_context():
        number = make_candidate(users["candidate"], 2, hours=4)  # the demo rules need 10 hours
        service.enrol(ADMIN, number, "demo", "L4", "accounting")
        open_sitting("late", opens_at=utcnow() - timedelta(minutes=40), late_entry=30)
        open_sitting("now")
        cand = db.session.scalar(select(Candidate).where(Candidate.id_number == number))
        for s in db.session.scalars(select(Sitting)):
            db.session.add(Seat(sitting_id=s.id, candidate_id=cand.id, user_id=cand.user_id))
        db.session.commit()
        expected = [f.message_zh for f in service.eligibility_for(ADMIN, number, "demo", "L4", "").failures]
        db.session.remove()
    assert expected
    login(client, "candidate")
    home = client.get("/exam").get_data(as_text=True)
    assert "开考30分钟后不得入场" in home
    late = _start(client, "late")
    assert late.status_code == 409
    assert "开考30分钟后不得入场" in late.get_data(as_text=True) and 'id="refusal"' in late.get_data(as_text=True)
    r = _start(client, "now")
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "您目前不符合本场考试的报考条件" in html
    for message in expected:
        assert message in html
    client.get("/lang/en")
    english = _start(client, "late").get_data(as_text=True)
    assert "entry closes 30 minutes after the start" in english
    with app.app_context():
        assert db.session.scalar(select(ExamSession.id)) is None
        db.session.remove()
