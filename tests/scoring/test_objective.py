"""Objective scoring: every type and multiple-choice rule under shuffled options, the per-paper scorers, and the
scoring of a submitted session (at submission, idempotent, never blocking the submission)."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from examengine.bank.itemtypes import LETTERS
from examengine.db import db
from examengine.papers.options import to_original
from examengine.proctor import sessions
from examengine.proctor.models import ExamSession
from examengine.scoring import objective, service
from examengine.scoring.models import ResponseScore, Result, ScoreEvent
from examengine.scoring.objective import PaperItemSpec, Scored, letter_map, prepare, score_paper
from tests.scoring.conftest import CORRECT, WRONG

ORDER = [2, 0, 3, 1]  # shown A is the item's C, B is A, C is D, D is B
PARTIAL = {"name": "partial", "partial_fraction": 0.5}


def one(item_type, key, response, points=2.0, order=ORDER, rule=None) -> Scored:
    spec = PaperItemSpec(1, 0, item_type, points, key, order if item_type in ("single", "multi") else None, rule)
    (scored,) = score_paper(prepare([spec]), {1: response} if response is not None else {})
    return scored


# ---- the pure scorer -------------------------------------------------------------------------------------------

def test_single_choice_is_scored_in_the_items_own_letters():
    # The key B is shown to this candidate as D; answering D is right, answering "B" (what they saw as B) is wrong.
    assert one("single", "B", "D") == Scored("B", 2.0)
    assert one("single", "B", "B") == Scored("A", 0.0)
    assert one("single", "B", None) == Scored(None, 0.0)


def test_true_false():
    assert one("truefalse", True, True, 1) == Scored(True, 1.0)
    assert one("truefalse", True, False, 1) == Scored(False, 0.0)
    assert one("truefalse", False, None, 1).points == 0.0


@pytest.mark.parametrize(("rule", "subset", "with_wrong"), [
    (None, 0.0, 0.0),
    ({"name": "all_or_nothing"}, 0.0, 0.0),
    (PARTIAL, 1.0, 0.0),
    ({"name": "partial", "partial_fraction": 0.25}, 0.5, 0.0),
    ({"name": "proportional"}, round(2 * 2 / 3, 2), 0.0),
])
def test_multiple_choice_rules_under_shuffled_options(rule, subset, with_wrong):
    # Key ABC is shown as B, D, A (ORDER maps shown B->A, D->B, A->C); the item's D is shown as C.
    assert one("multi", ["A", "B", "C"], ["A", "B", "D"], rule=rule) == Scored(["A", "B", "C"], 2.0)
    assert one("multi", ["A", "B", "C"], ["B", "D"], rule=rule) == Scored(["A", "B"], subset)
    assert one("multi", ["A", "B", "C"], ["B", "D", "C"], rule=rule) == Scored(["A", "B", "D"], with_wrong)
    assert one("multi", ["A", "B", "C"], None, rule=rule).points == 0.0
    # The letters the candidate saw, taken as the item's own, would be wrong: the mapping is not optional.
    assert one("multi", ["A", "B", "C"], ["A", "B", "C"], rule=rule).points == 0.0


def test_short_answers_are_left_for_marking():
    assert one("short", None, "排放量等于活动数据乘以排放因子", 10) == Scored("排放量等于活动数据乘以排放因子", None)


def test_the_letter_map_agrees_with_to_original_for_every_order_and_response():
    for n in (2, 3, 4, 5):
        for order in itertools.permutations(range(n)):
            m = letter_map(list(order))
            for k in range(n + 1):
                for chosen in itertools.combinations(LETTERS[:n], k):
                    assert objective._original(m, list(chosen)) == to_original(list(order), list(chosen))
            for letter in LETTERS[:n]:
                assert objective._original(m, letter) == to_original(list(order), letter)


def _paper(order_single, order_multi, positions=(1, 2, 3)):
    return [PaperItemSpec(positions[0], 0, "single", 1.0, "B", order_single, None, "m1", 11),
            PaperItemSpec(positions[1], 1, "multi", 2.0, ["A", "C"], order_multi, PARTIAL, "m2", 12),
            PaperItemSpec(positions[2], 2, "truefalse", 1.0, False, None, None, "m1", 13)]


def test_papers_of_a_set_share_scorers_and_score_exactly_as_unshared():
    cache: dict = {}
    a = prepare(_paper([1, 0, 2, 3], [3, 2, 1, 0]), cache)
    b = prepare(_paper([1, 0, 2, 3], [0, 1, 2, 3], positions=(3, 1, 2)), cache)
    assert a.scorers[0] is b.scorers[2]  # same version, section and order: one scorer
    assert a.scorers[1] is not b.scorers[0]  # another option order: another scorer
    assert b.positions == (1, 2, 3) and [s.item_type for s in b.scorers] == ["multi", "truefalse", "single"]
    responses = {1: "A", 2: ["D", "B"], 3: False}
    unshared = prepare(_paper([1, 0, 2, 3], [3, 2, 1, 0]))
    for _ in range(2):  # the second time from the scorers' memory
        assert score_paper(a, responses) == score_paper(unshared, responses) == [
            Scored("B", 1.0), Scored(["A", "C"], 2.0), Scored(False, 1.0)]
    assert a.max_total == 4.0


# ---- a submitted session ----------------------------------------------------------------------------------------

def _rows(app, session_id):
    with app.app_context():
        rows = db.session.scalars(select(ResponseScore).where(ResponseScore.session_id == session_id)
                                  .order_by(ResponseScore.position)).all()
        out = {r.item_type: r for r in rows}
        for r in rows:
            db.session.expunge(r)
        db.session.remove()
    return out


def test_submission_scores_objective_items_and_leaves_short_answers_pending(app, submitted_sitting):
    s = submitted_sitting(1, CORRECT)
    cand = s.candidates[0]
    # The paper really is shuffled: a scorer that skipped the mapping would mark these right answers wrong.
    assert cand.option_orders[cand.positions["single"]] != [0, 1, 2, 3]
    assert cand.option_orders[cand.positions["multi"]] != [0, 1, 2, 3]
    rows = _rows(app, cand.session_id)
    for t, points in (("truefalse", 10), ("single", 30), ("multi", 30)):
        r = rows[t]
        assert (r.status, r.source, float(r.points), float(r.max_points)) == ("scored", "auto", points, points)
        assert r.response == CORRECT[t]  # in the item's own letters
        assert r.position == cand.positions[t]
    short = rows["short"]
    assert (short.status, short.source, short.points) == ("pending", None, None)
    assert (float(short.max_points), float(short.step), short.needs_human, short.needs_second) == (30, 1, True, False)
    assert short.response == CORRECT["short"] and short.module == "acc" and rows["single"].module == "pub"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ScoreEvent)) == 0  # see the service's docstring


def test_wrong_and_partial_answers(app, submitted_sitting):
    s = submitted_sitting(2, [WRONG, {"multi": ["A", "C"], "single": "B"}])
    wrong, partial = (_rows(app, c.session_id) for c in s.candidates)
    assert [float(wrong[t].points) for t in ("truefalse", "single", "multi")] == [0, 0, 0]
    assert [float(partial[t].points) for t in ("truefalse", "single", "multi")] == [0, 30, 15]
    assert partial["truefalse"].response is None and partial["short"].response is None


def test_scoring_twice_changes_nothing(app, submitted_sitting):
    s = submitted_sitting(1, CORRECT)
    sid = s.candidates[0].session_id
    before = {t: (r.id, r.points, r.updated_at, r.queue_order) for t, r in _rows(app, sid).items()}
    with app.app_context():
        computed = db.session.scalar(select(Result.computed_at).where(Result.session_id == sid))
        again = service.score_session(sid)
        assert again.computed_at == computed
        assert service.score_submitted() == []
        db.session.remove()
    assert {t: (r.id, r.points, r.updated_at, r.queue_order) for t, r in _rows(app, sid).items()} == before


def test_the_queue_order_does_not_follow_seating(app, submitted_sitting):
    s = submitted_sitting(6, CORRECT)
    orders = [_rows(app, c.session_id)["short"].queue_order for c in s.candidates]
    assert len(set(orders)) == 6 and orders != sorted(orders)


def test_a_session_submitted_at_its_deadline_by_the_sweeper_is_scored(app, submitted_sitting):
    s = submitted_sitting(1, CORRECT, submit=False)
    sid = s.candidates[0].session_id
    assert _rows(app, sid) == {}
    with app.app_context():
        close_at = db.session.get(ExamSession, sid).close_at
        assert sessions.sweep(now=close_at + timedelta(seconds=1)) == [sid]
        db.session.remove()
    assert float(_rows(app, sid)["single"].points) == 30


def test_a_scoring_failure_never_blocks_the_submission_and_the_catch_up_scores_it(app, submitted_sitting,
                                                                               monkeypatch):
    s = submitted_sitting(2, CORRECT, submit=False)
    first, second = s.candidates

    def broken(*_a, **_k):
        raise RuntimeError("scorer down")

    logged = []
    monkeypatch.setattr(service, "_score_rows", broken)
    monkeypatch.setattr(service.log, "exception", lambda msg, *args: logged.append(msg % args))
    with app.app_context():
        out = sessions.submit(first.session_id, first.key)
        assert out["status"] == "submitted" and out["this_call"] is True
        db.session.remove()
    assert logged == [f"scoring session {first.session_id} failed after its submission; run `flask scoring "
                      "score-submitted`"]
    assert _rows(app, first.session_id) == {}
    monkeypatch.undo()
    with app.app_context():
        assert service.unscored_sessions() == [first.session_id]
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["scoring", "score-submitted"], catch_exceptions=False)
    assert result.exit_code == 0 and "scored 1 sessions" in result.output
    assert float(_rows(app, first.session_id)["multi"].points) == 30
    assert _rows(app, second.session_id) == {}  # still open: nothing to score


def test_an_open_session_is_not_scored(app, submitted_sitting):
    s = submitted_sitting(1, CORRECT, submit=False)
    with app.app_context():
        with pytest.raises(Exception) as err:
            service.score_session(s.candidates[0].session_id)
        assert err.value.code == "SESSION_NOT_SUBMITTED"
        db.session.remove()
