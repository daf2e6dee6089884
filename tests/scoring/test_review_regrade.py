"""Regrading after a key or rubric change: the dry run lists every affected score and changes nothing; applying
does exactly what the dry run showed, audited, and is refused when the scores changed in between."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from examengine import models as _models  # noqa: F401  (every table mapped before the fixtures' imports)
from examengine.auth.models import User
from examengine.bank import service as bank
from examengine.bank.models import Item
from examengine.db import db
from examengine.errors import Conflict, Forbidden
from examengine.scoring import review
from examengine.scoring.models import Mark, ResponseScore, Result, ScoreEvent
from tests.scoring.conftest import CORRECT, WRONG, submitted_sitting  # noqa: F401  (fixture)


@pytest.fixture
def actors(users, ctx) -> dict[str, User]:
    return {n: db.session.get(User, users[n]) for n in ("staff", "grader", "item_writer")}


def _item(code: str) -> Item:
    return db.session.scalar(select(Item).where(Item.code == code))


def _scores() -> dict[int, tuple]:
    db.session.expire_all()
    return {rs.id: (rs.item_version_id, rs.status, rs.points, rs.source)
            for rs in db.session.scalars(select(ResponseScore))}


def test_a_key_change_dry_run_equals_what_apply_does(submitted_sitting, actors):  # noqa: F811
    s = submitted_sitting(2, [CORRECT, {**CORRECT, "single": "A"}])
    staff = actors["staff"]
    single = _item("pub-001")
    old_version = single.current_version_id
    bank.update_item(actors["item_writer"], single.id, {"key": "A", "note": "答案更正"})
    before = _scores()
    events_before = db.session.scalar(select(func.count()).select_from(ScoreEvent))
    plan = review.regrade_preview(staff, single.id)
    assert _scores() == before  # the dry run changes nothing
    assert db.session.scalar(select(func.count()).select_from(ScoreEvent)) == events_before
    assert {(r["old_points"], r["new_points"]) for r in plan.rows} == {(30.0, 0.0), (0.0, 30.0)}
    assert all(r["old_version_id"] == old_version and r["new_version_id"] != old_version for r in plan.rows)
    # the same preview twice: the same digest
    assert review.regrade_preview(staff, single.code).digest == plan.digest

    def totals() -> dict:
        return dict(db.session.execute(select(Result.session_id, Result.total)
                                       .where(Result.sitting_id == s.sitting_id)).all())

    totals_before = totals()
    applied = review.regrade_apply(staff, single.id, plan.digest)
    assert applied.rows == plan.rows
    after = _scores()
    for r in plan.rows:
        version, status, points, source = after[r["response_id"]]
        assert (version, status, float(points), source) == (r["new_version_id"], "scored", r["new_points"],
                                                            "regraded")
        (ev,) = db.session.scalars(select(ScoreEvent).where(ScoreEvent.response_score_id == r["response_id"]))
        assert (ev.kind, float(ev.old_points), float(ev.new_points), ev.actor_id) == (
            "regraded", r["old_points"], r["new_points"], staff.id)
    # results follow: the first candidate loses the 30 points, the second gains them
    db.session.expire_all()
    first, second = s.session_ids
    assert totals()[first] == totals_before[first] - 30 and totals()[second] == totals_before[second] + 30
    # Nothing is left to regrade.
    assert review.regrade_preview(staff, single.id).rows == []


def test_apply_is_refused_when_the_scores_changed_since_the_preview(submitted_sitting, actors):  # noqa: F811
    submitted_sitting(2, CORRECT)
    staff = actors["staff"]
    tf = _item("pub-002")
    bank.update_item(actors["item_writer"], tf.id, {"key": False})
    plan = review.regrade_preview(staff, tf.id)
    assert len(plan.rows) == 2
    rs = db.session.get(ResponseScore, plan.rows[0]["response_id"])
    rs.points = 5
    db.session.commit()
    before = _scores()
    with pytest.raises(Conflict) as err:
        review.regrade_apply(staff, tf.id, plan.digest)
    assert err.value.code == "REGRADE_STALE"
    assert _scores() == before
    with pytest.raises(Forbidden):
        review.regrade_preview(actors["grader"], tf.id)


def test_a_rubric_change_suggests_again_and_reopens_only_when_asked(submitted_sitting, actors):  # noqa: F811
    s = submitted_sitting(2, [CORRECT, WRONG])
    staff, grader = actors["staff"], actors["grader"]
    review.suggest(staff, s.code)
    first, second = sorted(db.session.scalars(select(ResponseScore).where(ResponseScore.item_type == "short")),
                           key=lambda r: r.id)
    review.mark(grader, first.id, 20, slot="first")  # final; `second` stays pending
    short = _item("acc-001")
    rubric = [dict(p) for p in short.current_version.rubric]
    rubric[0]["synonyms"] = [*rubric[0]["synonyms"], "AD乘EF"]
    bank.update_item(actors["item_writer"], short.id, {"rubric": rubric})

    plan = review.regrade_preview(staff, short.id)
    by_id = {r["response_id"]: r for r in plan.rows}
    assert by_id[first.id]["action"] == "kept" and by_id[first.id]["new_points"] == 20.0
    assert by_id[second.id]["action"] == "suggested" and by_id[second.id]["new_suggested"] is not None
    review.regrade_apply(staff, short.id, plan.digest)
    db.session.expire_all()
    assert (first.status, float(first.points)) == ("final", 20.0)
    assert second.item_version_id == short.current_version_id and second.status == "pending"
    assert second.suggestion["points"] == by_id[second.id]["new_suggested"]

    reopen = review.regrade_preview(staff, short.id, reopen=True)
    row = next(r for r in reopen.rows if r["response_id"] == first.id)
    assert (row["action"], row["new_status"], row["new_points"]) == ("reopened", "pending", None)
    review.regrade_apply(staff, short.id, reopen.digest, reopen=True)
    db.session.expire_all()
    assert (first.status, first.points, first.marks) == ("pending", None, [])
    ev = db.session.scalars(select(ScoreEvent).where(ScoreEvent.response_score_id == first.id,
                                                     ScoreEvent.kind == "regraded")).all()[-1]
    assert float(ev.old_points) == 20.0 and ev.new_points is None
    assert ev.detail["removed_marks"][0]["points"] == 20.0 and ev.detail["removed_marks"][0]["grader_id"] == grader.id
    assert db.session.scalar(select(func.count()).select_from(Mark).where(Mark.response_score_id == first.id)) == 0
    # the reopened answer is back in the queue
    (q,) = review.grader_questions(grader)
    assert q["first"] == 2
    result = db.session.scalar(select(Result).where(Result.session_id == first.session_id))
    assert result.pending == 1 and not result.complete
