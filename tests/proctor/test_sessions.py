"""Timed sessions through the API: start, autosave, deadline, takeover, events, journal, sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from examengine.db import db, utcnow
from examengine.proctor import sessions
from examengine.proctor.models import Answer, ExamSession, JournalEntry, ProctorEvent
from tests.proctor.conftest import ADMIN, make_candidate, open_sitting


def start(client, auth, sitting="s1"):
    r = client.post(f"/api/v1/sittings/{sitting}/session", headers=auth("candidate"))
    return r


def started(client, auth):
    r = start(client, auth)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return body["session_id"], {"X-Exam-Key": body["key"]}


def save(client, sid, key, pos, response, seq, **extra):
    return client.put(f"/api/v1/sessions/{sid}/answers/{pos}", json={"response": response, "seq": seq, **extra},
                      headers=key)


def layout(app, sid):
    with app.app_context():
        return db.session.get(ExamSession, sid).layout


def position_of(app, sid, type_code):
    return next(i for i, (t, _) in enumerate(layout(app, sid), start=1) if t == type_code)


def test_start_fixes_the_deadline_and_a_second_start_finds_the_same_session(app, client, auth, exam):
    r = start(client, auth)
    assert r.status_code == 201
    body = r.get_json()
    with app.app_context():
        s = db.session.get(ExamSession, body["session_id"])
        assert s.deadline_at - s.started_at == timedelta(minutes=30)  # the blueprint's duration
        assert s.close_at - s.deadline_at == timedelta(seconds=30)
        assert s.journal_n == 1
    again = start(client, auth)
    assert again.status_code == 200
    assert again.get_json()["session_id"] == body["session_id"] and "key" not in again.get_json()


def test_saves_are_idempotent_by_sequence_number(app, client, auth, exam):
    sid, key = started(client, auth)
    pos = position_of(app, sid, "single")
    assert save(client, sid, key, pos, "B", 2).get_json()["status"] == "saved"
    assert save(client, sid, key, pos, "B", 2).get_json()["status"] == "unchanged"
    # An older save arriving late (reordered by the network) must not overwrite the newer one.
    assert save(client, sid, key, pos, "A", 1).get_json()["status"] == "unchanged"
    with app.app_context():
        a = db.session.get(Answer, (sid, pos))
        assert (a.response, a.seq) == ("B", 2)
        assert db.session.get(ExamSession, sid).journal_n == 2  # start + one save


def test_every_type_is_saved_in_its_canonical_form_and_bad_responses_change_nothing(app, client, auth, exam):
    sid, key = started(client, auth)
    answers = {"truefalse": True, "single": "c", "multi": ["A", "C"], "short": "边界、排放源、活动数据"}
    for t, resp in answers.items():
        r = save(client, sid, key, position_of(app, sid, t), resp, 1)
        assert r.status_code == 200, r.get_json()
    bad = save(client, sid, key, position_of(app, sid, "single"), "Z", 5)
    assert bad.status_code == 422 and bad.get_json()["code"] == "RESPONSE_INVALID"
    assert save(client, sid, key, 99, "A", 1).get_json()["code"] == "POSITION_INVALID"
    assert save(client, sid, key, 1, "A", 0).get_json()["code"] == "SEQ_INVALID"
    state = client.get(f"/api/v1/sessions/{sid}/state", headers=key).get_json()
    got = {layout(app, sid)[int(p) - 1][0]: a["response"] for p, a in state["answers"].items()}
    assert got == {"truefalse": True, "single": "C", "multi": ["A", "C"], "short": "边界、排放源、活动数据"}


def test_state_never_carries_keys_or_rubrics(client, auth, exam):
    sid, key = started(client, auth)
    state = client.get(f"/api/v1/sessions/{sid}/state", headers=key).get_json()
    items = [it for s in state["paper"]["sections"] for it in s["items"]]
    assert len(items) == 4
    for it in items:
        assert not {"key", "rubric", "references", "explanation", "item_code"} & set(it)
    assert state["deadline"] and state["server_now"] and state["status"] == "open"


def test_a_wrong_key_is_refused_and_the_login_alone_is_not_enough(client, auth, exam):
    sid, _ = started(client, auth)
    r = save(client, sid, {"X-Exam-Key": "guess"}, 1, True, 1)
    assert r.status_code == 403 and r.get_json()["code"] == "SESSION_KEY_INVALID"
    r = client.put(f"/api/v1/sessions/{sid}/answers/1", json={"response": True, "seq": 1}, headers=auth("candidate"))
    assert r.status_code == 403


def test_a_save_inside_the_grace_counts_and_a_later_one_is_refused_and_submits(app, client, auth, exam):
    sid, key = started(client, auth)
    k = key["X-Exam-Key"]
    with app.app_context():
        s = db.session.get(ExamSession, sid)
        deadline, close_at = s.deadline_at, s.close_at
        assert sessions.save_answer(sid, k, 1, {"response": True, "seq": 1}, now=deadline + timedelta(seconds=29))[
            "status"] == "saved"
        with pytest.raises(sessions.SessionClosed):
            sessions.save_answer(sid, k, 1, {"response": False, "seq": 2}, now=close_at + timedelta(seconds=1))
        db.session.expire_all()
        s = db.session.get(ExamSession, sid)
        assert s.status == "submitted" and s.submit_reason == "deadline"
        assert db.session.get(Answer, (sid, 1)).response is True  # the refused save changed nothing
    r = save(client, sid, key, 1, False, 3)
    assert r.status_code == 409 and r.get_json()["code"] == "SESSION_CLOSED"


def test_a_second_browser_takes_over_and_the_first_turns_read_only(app, client, auth, exam):
    sid, first = started(client, auth)
    assert save(client, sid, first, 1, True, 1).status_code == 200
    r = client.post(f"/api/v1/sessions/{sid}/takeover", headers={**auth("candidate"), "User-Agent": "phone"})
    second = {"X-Exam-Key": r.get_json()["key"]}
    old = save(client, sid, first, 1, False, 2)
    assert old.status_code == 409 and old.get_json()["code"] == "SESSION_TAKEN_OVER"
    assert save(client, sid, second, 1, False, 2).get_json()["status"] == "saved"
    with app.app_context():
        kinds = list(db.session.scalars(select(ProctorEvent.kind).where(ProctorEvent.session_id == sid)))
        assert "takeover" in kinds
        assert "takeover" in db.session.scalars(select(JournalEntry.kind).where(JournalEntry.session_id == sid)).all()
    # someone else's candidate account cannot take it over
    r = client.post(f"/api/v1/sessions/{sid}/takeover", headers=auth("staff"))
    assert r.status_code == 403


def test_the_journal_chain_verifies_and_a_tampered_entry_is_found(app, client, auth, exam):
    sid, key = started(client, auth)
    for seq in range(1, 6):
        save(client, sid, key, 4, f"答案第{seq}稿", seq)
    client.post(f"/api/v1/sessions/{sid}/submit", headers=key)
    runner = CliRunner()
    with app.app_context():
        assert sessions.verify(sid).ok and sessions.verify(sid).entries == 7
        from examengine.proctor.cli import proctor_cli

        ok = runner.invoke(proctor_cli, ["verify", str(sid)], obj=None, catch_exceptions=False,
                           standalone_mode=False)
        assert ok.exit_code == 0 and "intact, 7 entries" in ok.output
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE answer_journal SET payload = :p WHERE session_id = :s AND n = 3"),
                         {"p": '{"response": "改过的", "flagged": false, "client_at": null}', "s": sid})
        v = sessions.verify(sid)
        assert not v.ok and v.first_bad == 3
        bad = runner.invoke(proctor_cli, ["verify", str(sid)])
        assert bad.exit_code == 1 and "BROKEN at entry 3" in bad.output


def test_page_events_are_stamped_by_the_server_and_unknown_kinds_refused(app, client, auth, exam):
    sid, key = started(client, auth)
    r = client.post(f"/api/v1/sessions/{sid}/events", headers=key,
                    json={"events": [{"kind": "focus_lost", "at": "2020-01-01T00:00:00Z"}, {"kind": "paste"}]})
    assert r.get_json() == {"recorded": 2}
    bad = client.post(f"/api/v1/sessions/{sid}/events", headers=key, json={"events": [{"kind": "nap"}]})
    assert bad.status_code == 422 and "events.0.kind" in bad.get_json()["errors"]
    with app.app_context():
        e = db.session.scalar(select(ProctorEvent).where(ProctorEvent.kind == "focus_lost"))
        assert e.source == "page" and e.at.year >= 2026 and e.client_at.year == 2020


def test_starts_outside_the_window_or_without_eligibility_are_refused_with_the_reason(app, client, auth, rules,
                                                                                      users):
    from examengine.proctor import service

    with app.app_context():
        number = make_candidate(users["candidate"], 2, hours=4)  # needs 10 hours
        service.enrol(ADMIN, number, "demo", "L4", "accounting")
        open_sitting("late", opens_at=utcnow() - timedelta(minutes=20), late_entry=15)
        open_sitting("later", opens_at=utcnow() + timedelta(hours=1))
        open_sitting("now")
        for code in ("late", "later", "now"):
            refused = service.seat_candidates(ADMIN, code, [number])
            assert "ELIG_TRAINING_HOURS" in {f["rule"] for f in refused.refused[number]}
        # Seats given before the hours were short (records change): force seats to check the start itself.
        from examengine.proctor.models import Candidate, Seat, Sitting

        cand = db.session.scalar(select(Candidate).where(Candidate.id_number == number))
        for s in db.session.scalars(select(Sitting)):
            db.session.add(Seat(sitting_id=s.id, candidate_id=cand.id, user_id=cand.user_id))
        db.session.commit()
    assert start(client, auth, "late").get_json()["code"] == "LATE_ENTRY_CLOSED"
    assert start(client, auth, "later").get_json()["code"] == "SITTING_NOT_OPEN"
    r = start(client, auth, "now")
    assert r.status_code == 422 and r.get_json()["code"] == "NOT_ELIGIBLE"
    assert "ELIG_TRAINING_HOURS" in r.get_json()["errors"]
    with app.app_context():
        assert db.session.scalar(select(ExamSession.id)) is None


def test_a_candidate_without_a_seat_cannot_start(client, auth, exam, app, users):
    r = client.post("/api/v1/sittings/s1/session", headers=auth("staff"))
    assert r.status_code == 403
    with app.app_context():
        open_sitting("other")
    r = start(client, auth, "other")
    assert r.status_code == 403 and r.get_json()["code"] == "NO_SEAT"


def test_the_sweeper_submits_expired_sessions_once_and_leaves_the_rest(app, client, auth, exam):
    sid, _ = started(client, auth)
    with app.app_context():
        close_at = db.session.get(ExamSession, sid).close_at
        assert sessions.sweep(close_at - timedelta(seconds=1)) == []
        assert sessions.sweep(close_at + timedelta(seconds=1)) == [sid]
        assert sessions.sweep(close_at + timedelta(seconds=2)) == []
        s = db.session.get(ExamSession, sid)
        assert s.status == "submitted" and s.submit_reason == "deadline"
        assert sessions.verify(sid).ok


def test_staff_see_the_history_of_a_session(client, auth, exam):
    sid, key = started(client, auth)
    save(client, sid, key, 1, True, 1)
    h = client.get(f"/api/v1/sessions/{sid}/history", headers=auth("staff")).get_json()
    assert [e["kind"] for e in h["journal"]] == ["start", "save"]
    assert h["verdict"]["ok"] and h["candidate"]["id_number"] == exam.id_number
    assert client.get(f"/api/v1/sessions/{sid}/history", headers=auth("candidate")).status_code == 403
    overview = client.get("/api/v1/sittings/s1", headers=auth("staff")).get_json()
    assert overview["seats"][0]["session"]["answered"] == 1
