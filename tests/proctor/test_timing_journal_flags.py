"""The pure rules of sessions: the start window and deadline, the journal's chain, the staff flags."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from examengine.proctor import flags, journal, timing

T0 = datetime(2026, 11, 28, 1, 0, tzinfo=UTC)  # 09:00 Asia/Shanghai
WINDOW = timing.Window(T0, T0 + timedelta(minutes=90), 90, 30)


def test_the_deadline_is_start_plus_duration_plus_extra_but_never_past_the_window():
    assert timing.deadline(WINDOW, T0) == T0 + timedelta(minutes=90)
    late = T0 + timedelta(minutes=20)
    assert timing.deadline(WINDOW, late) == T0 + timedelta(minutes=90)  # a late starter loses the minutes
    assert timing.deadline(WINDOW, late, extra_minutes=30) == T0 + timedelta(minutes=120)
    assert timing.deadline(WINDOW, T0, extra_minutes=15) == T0 + timedelta(minutes=105)


def test_starting_is_allowed_from_the_opening_to_the_late_entry_cutoff():
    assert timing.start_refusal(WINDOW, T0 - timedelta(seconds=1))[0] == "SITTING_NOT_OPEN"
    assert timing.start_refusal(WINDOW, T0) is None
    assert timing.start_refusal(WINDOW, T0 + timedelta(minutes=30)) is None
    assert timing.start_refusal(WINDOW, T0 + timedelta(minutes=30, seconds=1))[0] == "LATE_ENTRY_CLOSED"
    assert timing.start_refusal(WINDOW, T0 + timedelta(minutes=90))[0] == "SITTING_CLOSED"


def _chain(n: int) -> list[journal.Entry]:
    out, prev = [], journal.GENESIS
    for i in range(1, n + 1):
        at = T0 + timedelta(seconds=i)
        h = journal.entry_hash(prev, i, "save", i, i, {"response": f"答{i}"}, at)
        out.append(journal.Entry(i, "save", i, i, {"response": f"答{i}"}, at, h))
        prev = h
    return out


def test_the_chain_verifies_and_any_change_is_found_where_it_is():
    chain = _chain(5)
    assert journal.verify(chain, chain[-1].hash, 5).ok
    edited = [*chain[:2], replace(chain[2], payload={"response": "改"}), *chain[3:]]
    assert journal.verify(edited, chain[-1].hash, 5).first_bad == 3
    assert journal.verify([*chain[:2], *chain[3:]], chain[-1].hash, 5).first_bad == 3  # removed
    assert not journal.verify(chain[:4], chain[3].hash, 5).ok  # the last entry dropped, head rewritten
    retimed = [*chain[:4], replace(chain[4], at=chain[4].at + timedelta(microseconds=1))]
    assert journal.verify(retimed, chain[-1].hash, 5).first_bad == 5


def test_flags_need_enough_evidence():
    start = T0
    calm = flags.SessionActivity(start, ["focus_lost"] * 4 + ["copy"],
                                 [(start + timedelta(seconds=30 * i), i) for i in range(1, 11)],
                                 {i: 100 for i in range(1, 11)})
    assert flags.flags(calm) == []
    busy = flags.SessionActivity(start, ["focus_lost"] * 3 + ["hidden"] * 2 + ["paste", "ip_change", "takeover"],
                                 calm.saves, calm.text_length)
    assert {f.code for f in flags.flags(busy)} == {"FOCUS_LOSSES", "PASTE", "IP_CHANGE", "TAKEOVER"}


def test_answers_faster_than_reading_are_flagged_only_in_numbers():
    start = T0
    # 100 characters take 4 s to read at 25 characters a second; these come a second apart
    quick = [(start + timedelta(seconds=i), i) for i in range(1, 21)]
    activity = flags.SessionActivity(start, [], quick, {i: 100 for i in range(1, 21)})
    assert flags.fast_answers(activity, flags.Thresholds()) == (20, 20)
    assert [f.code for f in flags.flags(activity)] == ["FAST_ANSWERING"]
    # re-saving an answered question is not answering it again
    few = flags.SessionActivity(start, [], quick[:5] + [(start + timedelta(seconds=30), 1)] * 10,
                                {i: 100 for i in range(1, 21)})
    assert flags.flags(few) == []
