"""Submitted sittings for scoring, marking and results tests.

`submitted_sitting(n_candidates=1, answers=None, *, submit=True, code="s1", seed=7) -> Submitted` seats
candidates in a sitting of the demo-l4 blueprint (one 判断 10 points, one 单选 30, one 多选 30 with the partial
rule, one 简答 30; pass mark 60), starts their sessions, saves their answers through the session service and
submits them (which scores them). The first candidate is the `users` fixture's "candidate" (so `auth("candidate")`
is them); the others are users cand2, cand3, ... with the password `tests.conftest.PASSWORD`.

`answers` say what each candidate answers, in the ITEM'S OWN letters (the fixture turns them into the letters the
candidate saw, since options are shuffled per paper): one dict for everybody, or a list with one dict per
candidate. Keys are item types or item codes ("single" or "pub-001"); an item left out is not answered. Use
`CORRECT` (every objective item right), `WRONG`, or your own, e.g. `{**CORRECT, "multi": ["A", "B"]}` (a correct
subset: half points under the partial rule).

This signature is stable: the marking workflow's tests build on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import select

from examengine.db import db
from tests.conftest import PASSWORD
from tests.proctor.conftest import ADMIN, make_candidate, open_sitting, rules  # noqa: F401  (fixture)

# The demo bank's keys: pub-002 判断 对, pub-001 单选 B, pub-003 多选 ABC; acc-001 is the short answer.
SHORT_ANSWER = "排放量等于活动数据乘以排放因子。活动数据是产生排放的活动量。"
CORRECT: dict[str, Any] = {"truefalse": True, "single": "B", "multi": ["A", "B", "C"], "short": SHORT_ANSWER}
WRONG: dict[str, Any] = {"truefalse": False, "single": "A", "multi": ["A", "D"], "short": "不知道"}
# Points on the demo-l4 paper, by item type.
POINTS = {"truefalse": 10, "single": 30, "multi": 30, "short": 30}


@dataclass
class SeatedCandidate:
    user_id: int
    username: str
    id_number: str
    name: str
    session_id: int
    key: str  # the browser key of the session
    paper_id: int
    positions: dict[str, int] = field(default_factory=dict)  # item type and item code -> position
    option_orders: dict[int, list[int] | None] = field(default_factory=dict)  # position -> shown order


@dataclass
class Submitted:
    code: str
    sitting_id: int
    candidates: list[SeatedCandidate]

    @property
    def session_ids(self) -> list[int]:
        return [c.session_id for c in self.candidates]


def shown(order: list[int] | None, original: Any) -> Any:
    """A response in the item's own letters as the candidate saw them (the inverse of options.to_original)."""
    from examengine.bank.itemtypes import LETTERS

    if not order or original is None:
        return original
    where = {orig: i for i, orig in enumerate(order)}
    if isinstance(original, list):
        return sorted(LETTERS[where[LETTERS.index(x)]] for x in original)
    if isinstance(original, str) and original in LETTERS:
        return LETTERS[where[LETTERS.index(original)]]
    return original


def _layout(paper_id: int) -> tuple[dict[str, int], dict[int, list[int] | None]]:
    from examengine.bank.models import Item
    from examengine.papers.models import PaperItem

    rows = db.session.execute(select(PaperItem.position, PaperItem.option_order, Item.type, Item.code)
                              .join(Item, Item.id == PaperItem.item_id).where(PaperItem.paper_id == paper_id))
    positions, orders = {}, {}
    for pos, order, type_, code in rows:
        positions[type_] = positions[code] = pos
        orders[pos] = order
    return positions, orders


@pytest.fixture
def submitted_sitting(app, rules, users) -> Callable[..., Submitted]:  # noqa: F811
    from examengine.auth import service as auth_service
    from examengine.proctor import service, sessions

    def make(n_candidates: int = 1, answers: dict[str, Any] | list[dict[str, Any]] | None = None, *,
             submit: bool = True, code: str = "s1", seed: int = 7) -> Submitted:
        per_candidate = answers if isinstance(answers, list) else [answers or {}] * n_candidates
        assert len(per_candidate) == n_candidates, "one answers dict per candidate"
        with app.app_context():
            people = []
            for i in range(n_candidates):
                if i == 0:
                    uid, username = users["candidate"], "candidate"
                else:
                    username = f"cand{i + 1}"
                    uid = auth_service.create_user(username, PASSWORD, "candidate", system=True).id
                number = make_candidate(uid, i + 1)
                service.enrol(ADMIN, number, "demo", "L4", "accounting")
                people.append((uid, username, number))
            sitting = open_sitting(code)
            seated = service.seat_candidates(ADMIN, code)
            assert len(seated.seated) == n_candidates, seated.refused
            service.prepare_papers(ADMIN, code, seed=seed)
            out = Submitted(code, sitting.id, [])
            for (uid, username, number), wanted in zip(people, per_candidate, strict=True):
                started = sessions.start(uid, sitting.id)
                sess = started.session
                positions, orders = _layout(sess.paper_id)
                for what, response in wanted.items():
                    pos = positions[what]
                    r = sessions.save_answer(sess.id, started.key, pos, {"response": shown(orders[pos], response),
                                                                         "seq": 1})
                    assert r["status"] == "saved", r
                if submit:
                    sessions.submit(sess.id, started.key)
                out.candidates.append(SeatedCandidate(uid, username, number, f"考生{len(out.candidates) + 1}",
                                                      sess.id, started.key, sess.paper_id, positions, orders))
            db.session.remove()
        return out

    return make


def finalise_short_answers(app, points: float | dict[int, float]) -> None:
    """Stand-in for the graders: every pending short answer becomes final with `points` (or session id ->
    points), and the results are recomputed, as the marking service does when a mark makes a score final."""
    from examengine.scoring import service
    from examengine.scoring.models import ResponseScore

    with app.app_context():
        rows = db.session.scalars(select(ResponseScore).where(ResponseScore.status == "pending")).all()
        for row in rows:
            given = points[row.session_id] if isinstance(points, dict) else points
            row.points, row.status, row.source = given, "final", "confirmed"
        db.session.commit()
        for sid in sorted({r.session_id for r in rows}):
            service.recompute_result(sid)
        db.session.remove()
