"""Concurrent saves, a save racing the deadline, sweepers racing a submit: on SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from sqlalchemy import func, select

from examengine.auth import service as auth_service
from examengine.db import db
from examengine.errors import ExamEngineError
from examengine.proctor import service, sessions
from examengine.proctor.models import Answer, ExamSession, JournalEntry
from tests.conftest import PASSWORD
from tests.proctor.conftest import ADMIN, make_candidate

THREADS = 8


def _start(app, exam, n_candidates: int = 1) -> list[tuple[int, str]]:
    """(session id, key) for the fixture's candidate and `n_candidates - 1` more."""
    with app.app_context():
        users = [exam.user_id]
        for i in range(1, n_candidates):
            u = auth_service.create_user(f"cand{i}", PASSWORD, "candidate", system=True)
            number = make_candidate(u.id, 100 + i)
            service.enrol(ADMIN, number, "demo", "L4", "accounting")
            users.append(u.id)
        service.seat_candidates(ADMIN, exam.sitting)
        service.prepare_papers(ADMIN, exam.sitting)
        out = []
        for uid in users:
            s = sessions.start(uid, exam.sitting_id)
            out.append((s.session.id, s.key))
        db.session.remove()
    return out


def _save(app, sid, key, pos, response, seq):
    with app.app_context():
        try:
            return sessions.save_answer(sid, key, pos, {"response": response, "seq": seq})["status"]
        except ExamEngineError as exc:
            return exc.code
        finally:
            db.session.remove()


def test_concurrent_saves_to_one_answer_keep_the_highest_sequence_number(app, exam):
    ((sid, key),) = _start(app, exam)
    seqs = list(range(1, 121))
    random.Random(7).shuffle(seqs)  # the network delivers them in any order, many at once
    with ThreadPoolExecutor(THREADS) as pool:
        acks = list(pool.map(lambda s: (s, _save(app, sid, key, 4, f"第{s}稿", s)), seqs))
    assert {status for _, status in acks} <= {"saved", "unchanged"}
    saved = sorted(s for s, status in acks if status == "saved")
    with app.app_context():
        a = db.session.get(Answer, (sid, 4))
        assert (a.seq, a.response) == (120, "第120稿")
        entries = db.session.scalars(select(JournalEntry).where(JournalEntry.session_id == sid,
                                                                JournalEntry.kind == "save")
                                     .order_by(JournalEntry.n)).all()
        # every acknowledged save is in the journal, in increasing sequence order, and nothing else is
        assert [e.seq for e in entries] == saved
        assert saved == sorted(saved) and 120 in saved
        assert sessions.verify(sid).ok


def test_concurrent_saves_to_many_sessions_lose_nothing(app, exam):
    started = _start(app, exam, 6)
    work = [(sid, key, pos, seq) for sid, key in started for pos in (1, 2, 3, 4) for seq in (1, 2, 3)]
    random.Random(3).shuffle(work)
    with ThreadPoolExecutor(THREADS) as pool:
        acks = list(pool.map(lambda w: (w, _save(app, w[0], w[1], w[2], _resp(app, w[0], w[2], w[3]),
                                                   w[3])), work))
    assert all(status in ("saved", "unchanged") for _, status in acks), [a for a in acks if a[1] not in
                                                                        ("saved", "unchanged")]
    with app.app_context():
        for sid, _key in started:
            rows = db.session.scalars(select(Answer).where(Answer.session_id == sid)).all()
            assert len(rows) == 4 and all(r.seq == 3 for r in rows)
            assert sessions.verify(sid).ok


def _resp(app, sid, pos, seq):
    """A valid answer for whatever type the paper has at `pos`."""
    with app.app_context():
        t = db.session.get(ExamSession, sid).layout[pos - 1][0]
        db.session.remove()
    by_type = {"truefalse": seq % 2 == 0, "single": "ABCD"[seq % 2], "multi": ["A", "B"][: seq % 2 + 1],
               "short": f"答案{seq}"}
    return by_type[t]


def test_a_save_racing_the_deadline_is_either_in_before_it_or_refused(app, exam):
    ((sid, key),) = _start(app, exam)
    barrier = threading.Barrier(THREADS + 1)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def saver(t: int) -> None:
        barrier.wait()
        for i in range(1, 16):
            seq = i * THREADS + t
            status = _save(app, sid, key, 4, f"{seq}", seq)
            with lock:
                results.append((seq, status))

    def closer() -> None:
        barrier.wait()
        with app.app_context():
            sessions.close(sid, "deadline")
            db.session.remove()

    threads = [threading.Thread(target=saver, args=(t,)) for t in range(THREADS)] + [threading.Thread(target=closer)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {s for _, s in results} <= {"saved", "unchanged", "SESSION_CLOSED"}
    acked = {seq for seq, s in results if s == "saved"}
    with app.app_context():
        entries = db.session.scalars(select(JournalEntry).where(JournalEntry.session_id == sid)
                                     .order_by(JournalEntry.n)).all()
        kinds = [e.kind for e in entries]
        assert kinds.count("submit") == 1 and kinds[-1] == "submit"  # nothing after the submission
        assert {e.seq for e in entries if e.kind == "save"} == acked
        final = db.session.get(Answer, (sid, 4))
        if acked:
            assert final.seq == max(acked)
        assert sessions.verify(sid).ok


def test_two_sweepers_and_a_submit_racing_submit_once(app, exam):
    started = _start(app, exam, 3)
    with app.app_context():
        later = max(db.session.get(ExamSession, sid).close_at for sid, _ in started)
        db.session.remove()
    barrier = threading.Barrier(3)

    def sweeper():
        barrier.wait()
        with app.app_context():
            try:
                return sessions.sweep(later + timedelta(seconds=1))
            finally:
                db.session.remove()

    def submitter():
        barrier.wait()
        with app.app_context():
            try:
                return [started[0][0]] if sessions.close(started[0][0], "candidate") else []
            finally:
                db.session.remove()

    with ThreadPoolExecutor(3) as pool:
        outcomes = [f.result() for f in [pool.submit(sweeper), pool.submit(sweeper), pool.submit(submitter)]]
    closed = [sid for o in outcomes for sid in o]
    assert sorted(closed) == sorted(sid for sid, _ in started)  # each exactly once
    with app.app_context():
        for sid, _ in started:
            n = db.session.scalar(select(func.count()).select_from(JournalEntry)
                                  .where(JournalEntry.session_id == sid, JournalEntry.kind == "submit"))
            assert n == 1
            assert db.session.get(ExamSession, sid).status == "submitted"
