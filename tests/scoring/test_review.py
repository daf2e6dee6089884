"""The marking service end to end: suggestions, single and double marking, adjudication, auto-confirmation,
the audit trail, blindness and agreement. Nothing here depends on the particular points the scorer suggests."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.auth import service as auth_service
from examengine.auth.models import User
from examengine.db import db
from examengine.errors import Conflict, Forbidden, ValidationError
from examengine.scoring import marking, review
from examengine.scoring.models import Mark, ResponseScore, Result, ScoreEvent
from tests.conftest import PASSWORD
from tests.scoring.conftest import CORRECT, submitted_sitting  # noqa: F401  (fixture)


@pytest.fixture
def people(app, users, ctx) -> dict[str, User]:
    """The graders, a second grader, the senior grader and staff, as actors."""
    g2 = auth_service.create_user("grader2", PASSWORD, "grader", system=True).id
    out = {name: db.session.get(User, users[name]) for name in ("grader", "senior_grader", "staff", "candidate")}
    out["grader2"] = db.session.get(User, g2)
    return out


def shorts(sitting_id: int) -> list[ResponseScore]:
    db.session.expire_all()
    return list(db.session.scalars(select(ResponseScore).where(ResponseScore.sitting_id == sitting_id,
                                                               ResponseScore.item_type == "short")
                                   .order_by(ResponseScore.id)))


def events(rs_id: int) -> list[str]:
    return list(db.session.scalars(select(ScoreEvent.kind).where(ScoreEvent.response_score_id == rs_id)
                                   .order_by(ScoreEvent.id)))


def counts() -> tuple[int, int]:
    return (db.session.scalar(select(func.count()).select_from(Mark)),
            db.session.scalar(select(func.count()).select_from(ScoreEvent)))


def other_points(suggested: float, max_points: float) -> float:
    """A valid score that differs from the suggestion."""
    return suggested - 1 if suggested >= 1 else suggested + 1


# ---- single marking --------------------------------------------------------------------------------------

def test_single_marking_confirm_override_and_invalid_points(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    grader = people["grader"]
    report = review.suggest(people["staff"], s.code)
    assert report.suggested == 2 and report.auto_confirmed == 0
    rows = shorts(s.sitting_id)
    assert all(rs.suggestion is not None and rs.status == "pending" and not rs.needs_second for rs in rows)
    assert [events(rs.id) for rs in rows] == [["suggested"], ["suggested"]]
    # Suggesting again does nothing: the suggestions are current.
    assert review.suggest(people["staff"], s.code).suggested == 0

    (q,) = review.grader_questions(grader)
    assert (q["sitting"], q["first"], q["second"], q["total"]) == (s.code, 2, 0, 2)
    first = review.next_answer(grader, s.code, q["item_version_id"])
    assert first["slot"] == "first" and first["remaining"] == 2 and first["suggestion"] is not None
    rs = db.session.get(ResponseScore, first["response_id"])
    suggested = float(rs.suggestion["points"])

    # Invalid points: a clear error and nothing changed.
    before = counts()
    for bad, code in ((suggested + 0.5, "MARK_NOT_ON_STEP"), (31, "MARK_OUT_OF_RANGE"), (-1, "MARK_OUT_OF_RANGE"),
                      ("seven", "MARK_INVALID"), (None, "MARK_INVALID")):
        with pytest.raises(ValidationError) as err:
            review.mark(grader, rs.id, bad, slot="first")
        assert err.value.code == code, bad
    assert counts() == before
    assert shorts(s.sitting_id)[0].status == "pending"

    done = review.mark(grader, rs.id, confirm=True, comment="要点齐全", slot="first")
    assert (done.status, done.final_points, done.source) == ("final", suggested, "confirmed")
    assert events(rs.id) == ["suggested", "marked", "final"]
    marked = db.session.scalar(select(ScoreEvent).where(ScoreEvent.response_score_id == rs.id,
                                                        ScoreEvent.kind == "marked"))
    assert marked.actor_id == grader.id and marked.reason == "要点齐全"
    assert marked.detail["action"] == "confirmed" and marked.detail["suggested"] == suggested

    second = review.next_answer(grader, s.code, q["item_version_id"])
    assert second["response_id"] != rs.id and second["remaining"] == 1
    rs2 = db.session.get(ResponseScore, second["response_id"])
    new = other_points(float(rs2.suggestion["points"]), float(rs2.max_points))
    with pytest.raises(ValidationError) as err:  # confirming means the suggestion's points
        review.mark(grader, rs2.id, new, confirm=True, slot="first")
    assert err.value.code == "MARK_CONFIRM_MISMATCH"
    done = review.mark(grader, rs2.id, new, slot="first")
    assert (done.status, done.final_points) == ("final", new)
    mark_row = db.session.scalar(select(Mark).where(Mark.response_score_id == rs2.id))
    assert float(mark_row.suggested_points) == float(rs2.suggestion["points"]) and mark_row.saw_suggestion
    assert review.next_answer(grader, s.code, q["item_version_id"]) is None
    assert review.grader_questions(grader) == []
    # Every response of both sessions is final: their results are complete.
    results = db.session.scalars(select(Result).where(Result.sitting_id == s.sitting_id)).all()
    assert len(results) == 2 and all(r.complete and r.pending == 0 for r in results)

    # A final answer takes no more marks.
    with pytest.raises(Conflict) as err:
        review.mark(people["grader2"], rs.id, 3, slot="first")
    assert err.value.code == "MARK_CONFLICT"


def test_who_may_mark(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    (rs,) = shorts(s.sitting_id)
    for who in ("staff", "candidate"):
        with pytest.raises(Forbidden):
            review.mark(people[who], rs.id, 3, slot="first")
        with pytest.raises(Forbidden):
            review.grader_questions(people[who])
    with pytest.raises(Forbidden):
        review.set_policy(people["grader"], s.code, {"double_mode": "all"})
    with pytest.raises(Forbidden):
        review.audit_trail(people["grader"], rs.id)


def test_the_same_slot_twice_is_a_conflict(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    review.set_policy(people["staff"], s.code, {"double_mode": "all"})
    (rs,) = shorts(s.sitting_id)
    review.mark(people["grader"], rs.id, 10, slot="first")
    # grader2 was shown the same answer as a first mark before grader saved: refused, nothing changed
    before = counts()
    with pytest.raises(Conflict) as err:
        review.mark(people["grader2"], rs.id, 12, slot="first")
    assert err.value.code == "MARK_CONFLICT"
    assert counts() == before
    review.mark(people["grader2"], rs.id, 12, slot="second")
    with pytest.raises(Conflict):
        review.mark(people["senior_grader"], rs.id, 12, slot="second")


# ---- double marking --------------------------------------------------------------------------------------

def test_double_marking_blind_mean_and_adjudication(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(3, CORRECT)
    staff, g1, g2, senior = people["staff"], people["grader"], people["grader2"], people["senior_grader"]
    review.set_policy(staff, s.code, {"double_mode": "all", "tolerance": 2})
    review.suggest(staff, s.code)
    rows = shorts(s.sitting_id)
    assert all(rs.needs_second for rs in rows)
    vid = rows[0].item_version_id
    firsts = {}
    while (a := review.next_answer(g1, s.code, vid)) is not None:
        assert a["slot"] == "first"
        firsts[a["response_id"]] = 10
        assert review.mark(g1, a["response_id"], 10, slot="first").status == "pending"
    assert len(firsts) == 3
    # g1 never second-marks their own answers
    assert review.next_answer(g1, s.code, vid) is None
    assert review.grader_questions(g1) == []
    with pytest.raises(Forbidden) as err:
        review.mark(g1, rows[0].id, 10, slot="second")
    assert err.value.code == "MARK_OWN_SECOND"

    (q,) = review.grader_questions(g2)
    assert (q["first"], q["second"]) == (0, 3)
    seen = review.next_answer(g2, s.code, vid)
    # blind to the first mark and (by default) to the suggestion
    assert seen["slot"] == "second" and seen["suggestion"] is None
    assert "10" not in json.dumps({k: v for k, v in seen.items() if k not in ("max_points", "step", "question")})
    a, b, c = (rs.id for rs in rows)
    within = review.mark(g2, a, 12, slot="second")  # 2 apart, tolerance 2/10 of 30 = 6: mean 11
    assert (within.status, within.final_points, within.source) == ("final", 11.0, "double")
    halves = review.mark(g2, b, 13, slot="second")  # mean 11.5 rounds to the step: 12
    assert halves.final_points == 12.0
    apart = review.mark(g2, c, 17, slot="second")  # 7 apart: adjudication
    assert (apart.status, apart.final_points) == ("adjudication", None)
    assert events(c)[-1] == "to_adjudication"

    # Senior graders adjudicate, seeing both marks; graders may not.
    with pytest.raises(Forbidden):
        review.adjudication_queue(g1)
    with pytest.raises(Forbidden):
        review.adjudicate(g2, c, 14)
    (item,) = review.adjudication_queue(senior)
    assert item["response_id"] == c
    assert sorted((m["role"], m["points"]) for m in item["marks"]) == [("first", 10.0), ("second", 17.0)]
    with pytest.raises(ValidationError):
        review.adjudicate(senior, c, 14.5)
    settled = review.adjudicate(senior, c, 14, comment="要点二不完整")
    assert (settled.status, settled.final_points, settled.source) == ("final", 14.0, "adjudicated")
    assert review.adjudication_queue(senior) == []
    with pytest.raises(Conflict) as err:
        review.adjudicate(senior, c, 15)
    assert err.value.code == "NOT_IN_ADJUDICATION"

    trail = review.audit_trail(staff, c)
    assert [e["kind"] for e in trail["events"]] == ["suggested", "marked", "marked", "to_adjudication",
                                                    "adjudicated", "final"]
    assert [(m["role"], m["grader"], m["points"]) for m in trail["marks"]] == [
        ("first", "grader", 10.0), ("second", "grader2", 17.0), ("adjudication", "senior_grader", 14.0)]
    assert trail["marks"][1]["saw_suggestion"] is False and trail["marks"][1]["suggested_points"] is None
    final = trail["events"][-1]
    assert (final["actor"], final["new_points"], final["reason"]) == ("senior_grader", 14.0, "要点二不完整")
    assert trail["response"]["points"] == 14.0 and trail["response"]["source"] == "adjudicated"


def test_second_marker_may_see_the_suggestion_when_the_policy_says_so(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    review.set_policy(people["staff"], s.code, {"double_mode": "all", "second_sees_suggestion": True})
    review.suggest(people["staff"], s.code)
    (rs,) = shorts(s.sitting_id)
    review.mark(people["grader"], rs.id, 10, slot="first")
    seen = review.next_answer(people["grader2"], s.code, rs.item_version_id)
    assert seen["slot"] == "second" and seen["suggestion"]["points"] == rs.suggestion["points"]


def test_a_sample_is_drawn_deterministically(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(6, CORRECT)
    staff = people["staff"]
    review.set_policy(staff, s.code, {"double_mode": "sample", "double_percent": 50})
    policy = review.policy_of(s.sitting_id)
    rows = shorts(s.sitting_id)
    drawn = [rs.needs_second for rs in rows]
    assert drawn == [marking.needs_second(policy, s.sitting_id, rs.id) for rs in rows]
    review.set_policy(staff, s.code, {"double_mode": "none"})
    assert not any(rs.needs_second for rs in shorts(s.sitting_id))
    review.set_policy(staff, s.code, {"double_mode": "sample"})  # the same draw again
    assert [rs.needs_second for rs in shorts(s.sitting_id)] == drawn
    review.set_policy(staff, s.code, {"double_percent": 100})
    assert all(rs.needs_second for rs in shorts(s.sitting_id))


def test_policy_validation_names_the_field(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(1, CORRECT)
    staff = people["staff"]
    assert review.get_policy(staff, s.code)["double_mode"] == "none"
    for data, field, code in (({"double_mode": "half"}, "double_mode", "POLICY_MODE_INVALID"),
                              ({"double_percent": 120}, "double_percent", "POLICY_PERCENT_INVALID"),
                              ({"double_percent": 2.5}, "double_percent", "POLICY_VALUE_INVALID"),
                              ({"tolerance": 0}, "tolerance", "POLICY_TOLERANCE_INVALID"),
                              ({"auto_confirm_confidence": 1.2}, "auto_confirm_confidence",
                               "POLICY_CONFIDENCE_INVALID"),
                              ({"colour": "red"}, "colour", "POLICY_FIELD_UNKNOWN")):
        with pytest.raises(ValidationError) as err:
            review.set_policy(staff, s.code, data)
        assert err.value.code == code and field in err.value.fields
    assert review.get_policy(staff, s.code) == vars(marking.Policy())


# ---- auto-confirmation -----------------------------------------------------------------------------------

def _confident(sitting_id: int, confidence: float = 0.95) -> None:
    """Give every short answer a confident suggestion (the scorer's own confidence is not what is tested)."""
    for rs in shorts(sitting_id):
        rs.suggestion = {"points": 20.0, "confidence": confidence, "confident": True, "matched": [], "missing": [],
                         "contradicted": [], "similarity": 0.5, "method": "rubric", "model": "test"}
    db.session.commit()


def test_auto_confirm_only_when_switched_on_and_a_human_sample_stays(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(6, CORRECT)
    staff = people["staff"]
    _confident(s.sitting_id)
    review.set_policy(staff, s.code, {"double_mode": "none"})
    assert all(rs.status == "pending" and rs.needs_human for rs in shorts(s.sitting_id))
    review.set_policy(staff, s.code, {"auto_confirm_confidence": 0.96, "auto_confirm": True})
    assert all(rs.status == "pending" for rs in shorts(s.sitting_id))  # below the threshold

    rows = shorts(s.sitting_id)
    draws = sorted(marking.draw(s.sitting_id, rs.id, "human") for rs in rows)
    percent = int(draws[0]) + 1
    assert percent <= draws[-1], "the draws leave no answer on one side of the sample"
    review.set_policy(staff, s.code, {"auto_confirm_confidence": 0.9, "auto_confirm_sample_percent": percent})
    rows = shorts(s.sitting_id)
    human = [rs for rs in rows if marking.draw(s.sitting_id, rs.id, "human") < percent]
    auto = [rs for rs in rows if rs not in human]
    assert human and auto
    assert all(rs.status == "pending" and rs.needs_human for rs in human)
    for rs in auto:
        assert (rs.status, float(rs.points), rs.source, rs.needs_human) == ("final", 20.0, "auto_confirmed", False)
        (m,) = rs.marks
        assert (m.role, m.grader_id) == ("auto", None)
        assert events(rs.id) == ["auto_confirmed"]
    (q,) = review.grader_questions(people["grader"])
    assert q["first"] == len(human)


def test_answers_drawn_for_double_marking_are_never_auto_confirmed(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    _confident(s.sitting_id, 1.0)
    review.set_policy(people["staff"], s.code, {"double_mode": "all", "auto_confirm": True,
                                                "auto_confirm_sample_percent": 0})
    assert all(rs.status == "pending" and rs.needs_second for rs in shorts(s.sitting_id))


# ---- blindness -------------------------------------------------------------------------------------------

def test_queue_payloads_hold_no_candidate_details(submitted_sitting, people):  # noqa: F811
    s = submitted_sitting(2, CORRECT)
    review.set_policy(people["staff"], s.code, {"double_mode": "all", "tolerance": 0.5})
    review.suggest(people["staff"], s.code)
    rows = shorts(s.sitting_id)
    review.mark(people["grader"], rows[0].id, 0, slot="first")
    review.mark(people["grader2"], rows[0].id, 30, slot="second")
    payloads = [review.grader_questions(people["grader2"]),
                review.next_answer(people["grader2"], s.code, rows[0].item_version_id),
                review.adjudication_queue(people["senior_grader"])]
    text = json.dumps(payloads, ensure_ascii=False)
    for c in s.candidates:
        assert c.name not in text and c.id_number not in text and c.username not in text
    for forbidden in ("session", "seat", "candidate", "id_number", "position", "name"):
        assert f'"{forbidden}' not in text, forbidden


# ---- agreement -------------------------------------------------------------------------------------------

def test_agreement_against_hand_computed_figures(submitted_sitting, people):  # noqa: F811
    """First marks 30, 15, 0 and second marks 30, 18, 3 of 30 points: on the 0-10 scale 10, 5, 0 and 10, 6, 1.
    QWK = 1 - (0 + 1 + 1) / (97 + 42 + 137) * 3 = 1 - 6/276; exact 1/3, adjacent 1, mean adjustment 2/3.
    The suggestions 27, 15, 6 (9, 5, 2) against the finals 30, 16.5 -> 17, 1.5 -> 2 (10, 6, 1): exact 0,
    adjacent 1, mean adjustment 1/3; the first grader saw them and moved them by (1 + 0 - 2) / 3."""
    s = submitted_sitting(3, CORRECT)
    staff, g1, g2 = people["staff"], people["grader"], people["grader2"]
    review.set_policy(staff, s.code, {"double_mode": "all", "tolerance": 2})
    rows = shorts(s.sitting_id)
    for rs, suggested in zip(rows, (27, 15, 6), strict=True):
        rs.suggestion = {"points": suggested, "confidence": 0.5, "confident": False, "matched": [], "missing": [],
                         "contradicted": [], "similarity": 0.0, "method": "rubric", "model": "test"}
    db.session.commit()
    for rs, first, second in zip(rows, (30, 15, 0), (30, 18, 3), strict=True):
        review.mark(g1, rs.id, first, slot="first")
        assert review.mark(g2, rs.id, second, slot="second").status == "final"
    report = review.agreement_report(staff, s.code)
    hh = report["human_human"]
    assert hh["overall"] == {"n": 3, "qwk": round(1 - 6 / 276, 4), "exact": round(1 / 3, 4), "adjacent": 1.0,
                             "mean_adjustment": round(2 / 3, 4)}
    assert hh["by_question"][0]["item"] == "acc-001" and hh["by_question"][0]["n"] == 3
    by_grader = {g["grader"]: g for g in hh["by_grader"]}
    assert by_grader["grader"]["mean_adjustment"] == round(-2 / 3, 4)
    assert by_grader["grader2"]["mean_adjustment"] == round(2 / 3, 4)
    hm = report["human_machine"]
    assert (hm["overall"]["n"], hm["overall"]["exact"], hm["overall"]["adjacent"]) == (3, 0.0, 1.0)
    assert hm["overall"]["mean_adjustment"] == round(1 / 3, 4)
    (first_grader,) = hm["by_grader"]  # the second grader saw no suggestion
    assert first_grader["grader"] == "grader"
    assert (first_grader["exact"], first_grader["adjacent"], first_grader["mean_adjustment"]) == (
        round(1 / 3, 4), round(2 / 3, 4), round(-1 / 3, 4))
    with pytest.raises(Forbidden):
        review.agreement_report(g1, s.code)


def test_graders_racing_for_one_slot_one_wins(app, submitted_sitting, people):  # noqa: F811
    """Several graders submit the first mark of one answer at the same moment: exactly one mark is kept, the
    others get MARK_CONFLICT."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    s = submitted_sitting(1, CORRECT)
    (rs,) = shorts(s.sitting_id)
    ids = [people[n].id for n in ("grader", "grader2", "senior_grader")]
    db.session.remove()
    barrier = Barrier(len(ids))

    def attempt(uid: int) -> str:
        with app.app_context():
            try:
                actor = db.session.get(User, uid)
                barrier.wait()
                review.mark(actor, rs.id, 10, slot="first")
                return "won"
            except Conflict as exc:
                return exc.code
            finally:
                db.session.remove()

    with ThreadPoolExecutor(len(ids)) as pool:
        outcomes = sorted(pool.map(attempt, ids))
    assert outcomes == ["MARK_CONFLICT", "MARK_CONFLICT", "won"]
    assert db.session.scalar(select(func.count()).select_from(Mark).where(Mark.response_score_id == rs.id)) == 1
