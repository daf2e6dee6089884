"""Results: totals, pass/fail and breakdowns; publication; what candidates may see; export; eligibility."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from examengine.db import db
from examengine.proctor import service as proctor
from examengine.scoring import service
from examengine.scoring.models import Result
from examengine.scoring.results import Line, summarise
from tests.proctor.conftest import ADMIN
from tests.scoring.conftest import CORRECT, WRONG, finalise_short_answers

SECTIONS = [{"title": "判断题", "type": "truefalse"}, {"title": "简答题", "type": "short"}]


# ---- the pure summary ------------------------------------------------------------------------------------------

def test_totals_are_exact_and_pass_at_the_mark():
    lines = [Line("m1", 0, 1, 0.1, True), Line("m1", 0, 1, 0.2, True), Line("m2", 1, 58, 59.7, True)]
    s = summarise(lines, 60, SECTIONS)
    assert s.total == Decimal("60.00") and s.passed is True and s.complete and s.pending == 0
    assert s.modules == {"m1": {"points": 0.3, "max": 2.0, "pending": 0}, "m2": {"points": 59.7, "max": 58.0,
                                                                               "pending": 0}}
    assert summarise([Line("m1", 0, 100, 59.99, True)], 60).passed is False


def test_nothing_is_passed_or_failed_while_a_response_is_pending():
    lines = [Line("m1", 0, 10, 10, True), Line("m2", 1, 90, None, False)]
    s = summarise(lines, 5, SECTIONS)
    assert (s.total, s.max_total, s.passed, s.complete, s.pending) == (Decimal("10.00"), Decimal("100.00"), None,
                                                                       False, 1)
    assert [(x["title"], x["points"], x["max"], x["pending"]) for x in s.sections] == [("判断题", 10, 10, 0),
                                                                                       ("简答题", 0, 90, 1)]
    # A pending score's provisional points never count.
    assert summarise([Line("m1", 0, 10, 7, False)], 5).total == 0


# ---- results of a sitting ------------------------------------------------------------------------------------------

def _result(app, session_id) -> Result:
    with app.app_context():
        r = db.session.scalar(select(Result).where(Result.session_id == session_id))
        db.session.expunge(r)
        db.session.remove()
    return r


def test_result_follows_the_scores_to_pass_or_fail(app, submitted_sitting):
    s = submitted_sitting(3, [CORRECT, WRONG, {**CORRECT, "single": "A", "multi": ["A", "B"]}])
    good, bad, middle = (c.session_id for c in s.candidates)
    r = _result(app, good)
    assert (r.total, r.max_total, r.pass_mark, r.passed, r.pending) == (70, 100, 60, None, 1)
    assert r.modules == {"acc": {"points": 0.0, "max": 30.0, "pending": 1},
                         "pub": {"points": 70.0, "max": 70.0, "pending": 0}}
    assert [x["points"] for x in r.sections] == [10, 30, 30, 0]
    finalise_short_answers(app, {good: 20, bad: 30, middle: 24})
    assert (_result(app, good).total, _result(app, good).passed) == (90, True)
    assert (_result(app, bad).total, _result(app, bad).passed) == (30, False)
    assert (_result(app, middle).total, _result(app, middle).passed) == (49, False)  # 10 + 0 + 15 + 24
    assert _result(app, middle).modules["acc"] == {"points": 24.0, "max": 30.0, "pending": 0}


def test_publishing_is_refused_while_anything_is_pending(app, client, auth, submitted_sitting):
    s = submitted_sitting(2, CORRECT)
    r = client.post(f"/api/v1/sittings/{s.code}/results/publication", json={}, headers=auth("staff"))
    assert r.status_code == 409
    body = r.get_json()
    assert body["code"] == "RESULTS_INCOMPLETE" and body["pending"] == 2 and "2 道答题待评分" in body["message_zh"]
    finalise_short_answers(app, 25)
    r = client.post(f"/api/v1/sittings/{s.code}/results/publication", json={"note": "第一批"},
                    headers=auth("staff"))
    assert r.status_code == 200 and r.get_json()["published"] is True
    again = client.post(f"/api/v1/sittings/{s.code}/results/publication", json={}, headers=auth("admin"))
    assert again.get_json()["published_at"] == r.get_json()["published_at"]  # the first publication stands


def test_publishing_is_refused_while_a_session_is_open(app, submitted_sitting):
    s = submitted_sitting(1, CORRECT, submit=False)
    with app.app_context():
        with pytest.raises(service.ResultsIncomplete) as err:
            service.publish(ADMIN, s.code)
        assert err.value.extra["open_sessions"] == 1
        db.session.remove()


def test_staff_list_shows_every_seat_with_outcome_and_progress(app, client, auth, submitted_sitting):
    s = submitted_sitting(2, [CORRECT, WRONG])
    finalise_short_answers(app, {s.candidates[0].session_id: 30, s.candidates[1].session_id: 0})
    body = client.get(f"/api/v1/sittings/{s.code}/results", headers=auth("staff")).get_json()
    assert body["progress"] == {"seats": 2, "submitted": 2, "open_sessions": 0, "unscored": 0, "pending": 0,
                                "complete": True}
    assert body["modules"] == [{"code": "pub", "name": "应对气候变化基础知识"}, {"code": "acc", "name": "温室气体核算"}]
    rows = {x["id_number"]: x for x in body["seats"]}
    first, second = (rows[c.id_number] for c in s.candidates)
    assert (first["outcome"], first["result"]["total"], first["ticket"]) == ("passed", 100.0, "s1-0001")
    assert (second["outcome"], second["result"]["total"]) == ("failed", 0.0)
    assert body["publication"] is None


def test_a_candidate_sees_their_own_result_only_after_publication(app, client, auth, submitted_sitting):
    s = submitted_sitting(2, [CORRECT, WRONG])
    finalise_short_answers(app, 20)
    mine = client.get("/api/v1/me/results", headers=auth("candidate")).get_json()
    assert [(r["sitting"], r["published"], r["result"]) for r in mine] == [("s1", False, None)]
    assert client.post(f"/api/v1/sittings/{s.code}/results/publication", json={},
                       headers=auth("staff")).status_code == 200
    (mine,) = client.get("/api/v1/me/results", headers=auth("candidate")).get_json()
    assert (mine["result"]["total"], mine["result"]["passed"]) == (90.0, True)
    assert mine["result"]["modules"]["pub"] == {"points": 70.0, "max": 70.0, "pending": 0}
    # The other candidate logs in and sees their own, never the first one's.
    token = client.post("/api/v1/auth/token", json={"username": "cand2", "password": "correct horse battery"})
    theirs = client.get("/api/v1/me/results", headers={"Authorization": f"Bearer {token.get_json()['token']}"})
    assert [(r["result"]["total"], r["result"]["passed"]) for r in theirs.get_json()] == [(20.0, False)]
    # Withdrawn: hidden again.
    assert client.delete(f"/api/v1/sittings/{s.code}/results/publication",
                         headers=auth("staff")).get_json()["withdrawn"] is True
    assert client.get("/api/v1/me/results", headers=auth("candidate")).get_json()[0]["result"] is None


def test_export_to_excel_and_csv(app, client, auth, submitted_sitting):
    s = submitted_sitting(2, [CORRECT, WRONG])
    finalise_short_answers(app, {s.candidates[0].session_id: 30, s.candidates[1].session_id: 0})
    r = client.get(f"/api/v1/sittings/{s.code}/results/export?format=xlsx", headers=auth("staff"))
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="results-s1.xlsx"'
    ws = load_workbook(io.BytesIO(r.data)).active
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0][:6] == ["准考证号", "姓名", "身份证号", "总分", "满分", "结果"]
    assert rows[0][6:] == ["应对气候变化基础知识 (pub)", "温室气体核算 (acc)", "待评题数"]
    pub, acc = 6, 7
    by_id = {row[2]: row for row in rows[1:]}
    first, second = (by_id[c.id_number] for c in s.candidates)
    assert (first[0], first[1], first[3], first[4], first[5], first[pub], first[acc], first[-1]) == (
        "s1-0001", "考生1", 100, 100, "合格", 70, 30, 0)
    assert (second[3], second[5], second[pub], second[acc]) == (0, "不合格", 0, 0)
    r = client.get(f"/api/v1/sittings/{s.code}/results/export?format=csv", headers=auth("staff"))
    assert r.data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel opens the Chinese as UTF-8
    table = list(csv.reader(io.StringIO(r.data.decode("utf-8-sig"))))
    assert table[0] == rows[0]
    assert next(c for c in table[1:] if c[2] == s.candidates[0].id_number)[:6] == [
        "s1-0001", "考生1", s.candidates[0].id_number, "100.0", "100.0", "合格"]
    assert client.get(f"/api/v1/sittings/{s.code}/results/export?format=pdf",
                      headers=auth("staff")).status_code == 422


def test_the_command_line(app, submitted_sitting, tmp_path):
    s = submitted_sitting(1, CORRECT)
    runner = app.test_cli_runner()
    out = runner.invoke(args=["scoring", "results", s.code])
    assert out.exit_code == 0 and "s1-0001\t考生1" in out.output and "1 responses pending" in out.output
    refused = runner.invoke(args=["scoring", "publish", s.code])
    assert refused.exit_code == 1 and "RESULTS_INCOMPLETE" in refused.output
    finalise_short_answers(app, 30)
    assert runner.invoke(args=["scoring", "publish", s.code]).exit_code == 0
    target = tmp_path / "r.csv"
    assert runner.invoke(args=["scoring", "export", s.code, "--format", "csv", "-o", str(target)]).exit_code == 0
    assert "合格" in target.read_text(encoding="utf-8-sig")
    assert "publication withdrawn" in runner.invoke(args=["scoring", "publish", s.code, "--withdraw"]).output


# ---- eligibility reads published results --------------------------------------------------------------------

def _eligibility(app, number):
    with app.app_context():
        d = proctor.eligibility_for(ADMIN, number, "demo", "L4", "accounting")
        db.session.remove()
    return d


def test_eligibility_sees_a_fail_or_a_pass_once_published(app, submitted_sitting):
    s = submitted_sitting(2, [CORRECT, WRONG])
    passed, failed = s.candidates
    finalise_short_answers(app, {passed.session_id: 30, failed.session_id: 0})
    # Scored but not published: still pending for eligibility.
    assert [f.rule for f in _eligibility(app, failed.id_number).failures] == ["ELIG_RESULT_PENDING"]
    with app.app_context():
        service.publish(ADMIN, s.code)
        db.session.remove()
    d = _eligibility(app, failed.id_number)
    assert d.eligible and d.attempt_kind == "free_retake"
    assert [f.rule for f in _eligibility(app, passed.id_number).failures] == ["ELIG_ALREADY_PASSED"]
