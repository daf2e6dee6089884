"""The marking API: thin over the review service, with clear codes for conflicts and bad input."""

from __future__ import annotations

from sqlalchemy import select

from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.db import db
from examengine.scoring.models import ResponseScore
from tests.proctor.conftest import rules  # noqa: F401  (fixture)
from tests.scoring.conftest import CORRECT, submitted_sitting  # noqa: F401  (fixture)


def _short_ids(app, sitting_id: int) -> list[int]:
    with app.app_context():
        ids = list(db.session.scalars(select(ResponseScore.id).where(ResponseScore.sitting_id == sitting_id,
                                                                     ResponseScore.item_type == "short")
                                      .order_by(ResponseScore.id)))
        db.session.remove()
    return ids


def test_a_grader_works_through_the_api(app, client, auth, submitted_sitting):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    r = client.post(f"/api/v1/sittings/{s.code}/suggestions", json={}, headers=auth("staff"))
    assert r.status_code == 200 and r.get_json()["suggested"] == 2
    (q,) = client.get("/api/v1/grading/questions", headers=auth("grader")).get_json()["questions"]
    nxt = client.get(f"/api/v1/grading/sittings/{s.code}/questions/{q['item_version_id']}/next",
                     headers=auth("grader")).get_json()["answer"]
    assert nxt["slot"] == "first" and "session_id" not in nxt
    url = f"/api/v1/grading/responses/{nxt['response_id']}/mark"
    bad = client.post(url, json={"points": 10}, headers=auth("grader"))
    assert bad.status_code == 422 and bad.get_json()["code"] == "BODY_INVALID"  # the slot is required
    bad = client.post(url, json={"points": 10.5, "slot": "first"}, headers=auth("grader"))
    assert bad.status_code == 422 and bad.get_json()["code"] == "MARK_NOT_ON_STEP"
    ok = client.post(url, json={"confirm": True, "slot": "first", "comment": "好"}, headers=auth("grader"))
    assert ok.status_code == 200 and ok.get_json()["status"] == "final"
    again = client.post(url, json={"points": 3, "slot": "first"}, headers=auth("senior_grader"))
    assert again.status_code == 409 and again.get_json()["code"] == "MARK_CONFLICT"
    trail = client.get(f"/api/v1/grading/responses/{nxt['response_id']}/audit", headers=auth("staff")).get_json()
    assert [e["kind"] for e in trail["events"]] == ["suggested", "marked", "final"]
    assert trail["events"][1]["reason"] == "好" and trail["events"][1]["actor"] == "grader"


def test_policy_and_agreement_through_the_api(app, client, auth, submitted_sitting):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    url = f"/api/v1/sittings/{s.code}/marking-policy"
    bad = client.put(url, json={"double_mode": "all", "tolerance": -1}, headers=auth("staff"))
    assert bad.status_code == 422 and bad.get_json()["code"] == "POLICY_TOLERANCE_INVALID"
    assert "tolerance" in bad.get_json()["errors"]
    assert client.get(url, headers=auth("staff")).get_json()["double_mode"] == "none"  # nothing changed
    assert client.put(url, json={"double_mode": "all"}, headers=auth("staff")).get_json()["double_mode"] == "all"
    (rid,) = _short_ids(app, s.sitting_id)
    mark = f"/api/v1/grading/responses/{rid}/mark"
    assert client.post(mark, json={"points": 0, "slot": "first"}, headers=auth("grader")).status_code == 200
    own = client.post(mark, json={"points": 0, "slot": "second"}, headers=auth("grader"))
    assert own.status_code == 403 and own.get_json()["code"] == "MARK_OWN_SECOND"
    r = client.post(mark, json={"points": 30, "slot": "second"}, headers=auth("senior_grader"))
    assert r.get_json()["status"] == "adjudication"
    # the senior grader gave a mark: someone else settles it
    assert client.get("/api/v1/grading/adjudications", headers=auth("senior_grader")).get_json()["answers"] == []
    (item,) = client.get("/api/v1/grading/adjudications", headers=auth("admin")).get_json()["answers"]
    done = client.post(f"/api/v1/grading/responses/{rid}/adjudicate", json={"points": 15}, headers=auth("admin"))
    assert done.get_json()["source"] == "adjudicated" and item["response_id"] == rid
    report = client.get(f"/api/v1/sittings/{s.code}/agreement", headers=auth("staff")).get_json()
    assert report["human_human"]["overall"]["n"] == 1 and report["human_human"]["overall"]["exact"] == 0.0


def test_regrade_through_the_api(app, client, auth, users, submitted_sitting):  # noqa: F811
    from examengine.auth.models import User
    from examengine.bank import service as bank
    from tests.conftest import item_id

    submitted_sitting(1, CORRECT)
    iid = item_id(app, "pub-002")
    with app.app_context():
        bank.update_item(db.session.get(User, users["item_writer"]), iid, {"key": False})
        db.session.remove()
    url = f"/api/v1/items/{iid}/regrade"
    plan = client.post(url, json={}, headers=auth("staff")).get_json()
    assert plan["applied"] is False and [(r["old_points"], r["new_points"]) for r in plan["rows"]] == [(10.0, 0.0)]
    missing = client.post(url, json={"apply": True}, headers=auth("staff"))
    assert missing.status_code == 422
    stale = client.post(url, json={"apply": True, "digest": "0" * 64}, headers=auth("staff"))
    assert stale.status_code == 409 and stale.get_json()["code"] == "REGRADE_STALE"
    done = client.post(url, json={"apply": True, "digest": plan["digest"]}, headers=auth("staff")).get_json()
    assert done["applied"] is True and done["rows"] == plan["rows"]
    assert client.post(url, json={}, headers=auth("staff")).get_json()["rows"] == []
