"""Paper assembly (pure): every paper follows the blueprint exactly, under the cap, reproducibly."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from examengine.bank.itemtypes.base import LETTERS
from examengine.papers import ilp
from examengine.papers.assembly import Assembler, AssemblyFailed, PoolItem, build_pool, paper_seed
from examengine.papers.blueprint import parse_blueprint
from examengine.papers.feasibility import check
from examengine.papers.options import shown_content, to_original

MODULES = ["m1", "m2", "m3", "m4"]
SPEC = {
    "code": "t", "title": "t", "level": "L", "duration_minutes": 60, "total_points": 40, "pass_mark": 24,
    "exposure_cap": 0.5, "difficulty": {"expected_score": [25, 29], "target": 27},
    "enemies": [["m1-single-000", "m2-single-000", "m3-single-000"]],
    "knowledge_points": {"kp-rare": 1},
    "sections": [
        {"type": "single", "count": 12, "points": 1, "modules": {m: [2, 4] for m in MODULES}},
        {"type": "multi", "count": 8, "points": 2, "rule": "partial", "modules": {m: 2 for m in MODULES}},
        {"type": "short", "count": 2, "points": 6, "modules": {m: [0, 1] for m in MODULES}},
    ],
}


def bank(per_cell=(12, 8, 3)):
    rng = np.random.default_rng(5)
    items = []
    for m in MODULES:
        for t, n in zip(("single", "multi", "short"), per_cell, strict=True):
            for k in range(n):
                kps = ("kp-rare",) if (m, t, k) in {("m4", "single", 1), ("m3", "multi", 2), ("m2", "single", 5)} else ()
                items.append(PoolItem(len(items), 1000 + len(items), f"{m}-{t}-{k:03d}", t, m,
                                      int(rng.integers(1, 6)), {"single": 4, "multi": 5}.get(t, 0), kps))
    return items


def blueprint(**changes):
    data = copy.deepcopy(SPEC)
    data.update(changes)
    bp, problems = parse_blueprint(data, None)
    assert problems == []
    return bp


def assert_follows_blueprint(pool, draft):
    bp = pool.blueprint
    items = [pool.items[i] for i in draft.picks]
    assert len(set(draft.picks)) == len(draft.picks)
    for si, s in enumerate(bp.sections):
        in_section = [it for it, sec in zip(items, draft.sections, strict=True) if sec == si]
        assert len(in_section) == s.count and all(it.type == s.type for it in in_section)
        for q in s.quotas:
            assert q.lo <= sum(it.module == q.module for it in in_section) <= q.hi
    assert draft.sections == sorted(draft.sections)  # sections in blueprint order
    codes = {it.code for it in items}
    for group in bp.enemies:
        assert len(codes & set(group)) <= 1
    for kp, need in bp.kp_minimums.items():
        assert sum(kp in it.knowledge_points for it in items) >= need
    assert bp.band[0] <= draft.expected_score <= bp.band[1]


def test_a_sitting_of_papers_all_follow_the_blueprint_under_the_cap():
    pool = build_pool(blueprint(), bank())
    asm = Assembler(pool, 200)
    scores = []
    for n in range(200):
        s = paper_seed(9, n)
        try:
            d = asm.assemble(s)
        except AssemblyFailed:
            d = ilp.solve(asm, s)
        assert_follows_blueprint(pool, d)
        asm.record(d)
        scores.append(d.expected_score)
    assert asm.uses.max() <= 0.5 * 200
    assert np.std(scores) <= 1.0
    # different papers for different candidates
    assert asm.uses.max() < 200 and np.count_nonzero(asm.uses) > 60


def test_same_seed_and_same_exposure_give_the_same_paper():
    pool = build_pool(blueprint(), bank())
    a, b = Assembler(pool, 50), Assembler(pool, 50)
    for n in range(10):
        da, db_ = a.assemble(paper_seed(3, n)), b.assemble(paper_seed(3, n))
        assert da.picks == db_.picks and da.option_orders == db_.option_orders
        a.record(da)
        b.record(db_)
    assert a.assemble(paper_seed(3, 99)).picks != a.assemble(paper_seed(4, 99)).picks


def test_options_are_shuffled_and_the_key_follows():
    pool = build_pool(blueprint(), bank())
    d = Assembler(pool, 10).assemble(11)
    orders = [o for o, i in zip(d.option_orders, d.picks, strict=True) if pool.items[i].type != "short"]
    assert all(sorted(o) == list(range(len(o))) for o in orders)
    assert any(o != sorted(o) for o in orders)
    assert all(o is None for o, i in zip(d.option_orders, d.picks, strict=True) if pool.items[i].type == "short")
    content = {"options": ["甲", "乙", "丙", "丁", "戊"], "key": ["A", "C", "E"]}
    order = [4, 2, 0, 3, 1]  # shown A is original E, ...
    shown = shown_content(content, order)
    assert shown["options"] == ["戊", "丙", "甲", "丁", "乙"]
    assert shown["key"] == ["A", "B", "C"]
    assert to_original(order, shown["key"]) == ["A", "C", "E"]
    assert to_original(order, "D") == "D" and to_original([1, 0, 2, 3], "A") == "B"
    assert shown_content({"options": ["x", "y"], "key": "A"}, [1, 0])["key"] == "B"
    assert set(LETTERS) >= set(shown["key"])


def test_ilp_meets_an_overlap_limit_with_earlier_forms():
    pool = build_pool(blueprint(), bank())
    asm = Assembler(pool, 3)
    first = ilp.solve(asm, 1)
    asm.record(first)
    second = ilp.solve(asm, 2, at_most=[(np.array(first.picks), 4)])
    assert_follows_blueprint(pool, second)
    assert len(set(first.picks) & set(second.picks)) <= 4
    assert second.method == "ilp"


def test_an_impossible_cell_is_named_with_its_shortfall():
    pool = build_pool(blueprint(), bank(per_cell=(12, 1, 3)))  # multi needs 2 per module, 1 exists
    asm = Assembler(pool, 10)
    with pytest.raises(AssemblyFailed) as fast:
        asm.assemble(1)
    assert any(s.where == "multi × m1" for s in fast.value.shortfalls)
    with pytest.raises(AssemblyFailed) as slow:
        ilp.solve(asm, 1)
    short = {s.where: s for s in slow.value.shortfalls}
    assert short["multi × m1"].needed == 2 and short["multi × m1"].available == 1
    assert "short by 1" in short["multi × m1"].message


def test_an_unreachable_band_is_reported_not_relaxed():
    pool = build_pool(blueprint(difficulty={"expected_score": [39, 40]}), bank())
    asm = Assembler(pool, 10)
    with pytest.raises(AssemblyFailed) as exc:
        ilp.solve(asm, 1)
    assert exc.value.shortfalls[0].constraint == "difficulty"
    assert "outside the band 39–40" in exc.value.shortfalls[0].message


def test_feasibility_report_gives_the_cap_minimum_per_cell():
    pool = build_pool(blueprint(exposure_cap=0.2), bank())
    report = check(pool, planned=500, trial_papers=0)
    cell = next(c for c in report.cells if c.section == "multi" and c.module == "m1")
    assert (cell.needed_min, cell.available, cell.cap_minimum) == (2, 8, 10)
    assert cell.short_by == 2 and not report.feasible
    assert any("multi × m1" in p and "short by 2" in p for p in report.problems)
    ok = check(build_pool(blueprint(), bank()), planned=100, trial_papers=100)
    assert ok.feasible and ok.trial.failures == 0 and ok.trial.papers == 100
