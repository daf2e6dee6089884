"""The shipped blueprints: valid against their syllabus and items, and feasible against the shipped banks."""

from __future__ import annotations

from pathlib import Path

import pytest

from examengine.bank.bankfile import find_programs, read_item_file, read_yaml, strip_lines
from examengine.bank.syllabus import parse_syllabus
from examengine.papers.assembly import PoolItem, build_pool
from examengine.papers.blueprint import scope_from_syllabus
from examengine.papers.blueprintfile import blueprint_files, check_blueprint_files
from examengine.papers.feasibility import check

BANKS = Path(__file__).resolve().parents[2] / "question_banks"


def shipped():
    out = []
    for pf in find_programs(BANKS):
        syllabus, _ = parse_syllabus(strip_lines(read_yaml(pf.syllabus)))
        items = [e.data for path in pf.item_files for e in read_item_file(path)]
        entries, problems = check_blueprint_files(blueprint_files(pf.root), scope_from_syllabus(syllabus),
                                                  {d["id"] for d in items})
        assert problems == [], [str(p) for p in problems]
        levels = {m.code: m.levels for m in syllabus.modules}
        for e in entries:
            bp = e.blueprint
            pool_items = [PoolItem(i, i, d["id"], d["type"], d["module"], int(d.get("difficulty", 3)),
                                   len(d.get("options") or []), tuple(d.get("knowledge_points") or ()))
                          for i, d in enumerate(items) if d.get("status", "active") == "active"
                          and bp.level in (d.get("levels") or levels[d["module"]] or [bp.level])]
            out.append((bp, pool_items))
    return out


SHIPPED = shipped()


def test_every_program_and_level_has_its_blueprints():
    codes = {bp.code for bp, _ in SHIPPED}
    assert {f"cm-l4-{w}" for w in ("monitoring", "accounting", "verification", "trading")} <= codes
    assert {f"cm-l3-{w}" for w in ("monitoring", "accounting", "verification", "trading", "consulting")} <= codes
    assert {f"cem-{lv}" for lv in ("junior", "intermediate", "senior")} <= codes
    assert {f"cam-{lv}" for lv in ("junior", "intermediate", "senior")} <= codes
    by_code = {bp.code: bp for bp, _ in SHIPPED}
    assert by_code["cm-l4-monitoring"].item_count == 100 and by_code["cm-l3-monitoring"].item_count == 96
    assert {s.type for s in by_code["cm-l3-trading"].sections} == {"single", "truefalse", "multi", "short"}
    cem = by_code["cem-junior"]
    assert [(s.type, s.count, s.points) for s in cem.sections] == [("single", 30, 1), ("multi", 10, 2),
                                                                    ("short", 5, 10)]
    for bp, _ in SHIPPED:
        assert bp.total_points == 100 and bp.pass_mark == 60
        assert bp.duration_minutes == (90 if bp.code.startswith("cm-") else 120)


@pytest.mark.parametrize("bp,items", SHIPPED, ids=[bp.code for bp, _ in SHIPPED])
def test_shipped_blueprint_is_feasible(bp, items):
    report = check(build_pool(bp, items), planned=1000, trial_papers=150)
    assert report.problems == [] and all(c.ok for c in report.cells)
    assert report.trial.failures == 0 and report.trial.max_exposure <= bp.exposure_cap
    assert report.trial.score_sd <= 1.0
