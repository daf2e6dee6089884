"""Blueprint files: what a valid one gives, and every problem named with its field, line and code."""

from __future__ import annotations

import copy

import pytest

from examengine.papers.blueprint import ModuleScope, ProgramScope, blueprint_from_dict, parse_blueprint

SCOPE = ProgramScope(
    code="demo",
    level_work_types={"L4": ("acc",), "L3": ("acc", "con")},
    modules={
        "pub": ModuleScope((), None, frozenset({"pub.k1", "pub.k2"})),
        "acc": ModuleScope((), "acc", frozenset({"acc.k1"})),
        "con": ModuleScope(("L3",), "con", frozenset({"con.k1"})),
    },
)
VALID = {
    "code": "demo-l4-acc", "title": "演示试卷", "level": "L4", "work_type": "acc",
    "duration_minutes": 90, "total_points": 100, "pass_mark": 60, "exposure_cap": 0.5,
    "difficulty": {"expected_score": [62, 68]},
    "enemies": [["pub-001", "acc-002"]], "knowledge_points": {"pub.k1": 1},
    "sections": [
        {"type": "single", "count": 40, "points": 1, "modules": {"pub": [15, 25], "acc": [15, 25]}},
        {"type": "multi", "count": 20, "points": 1.5, "rule": "partial", "modules": {"pub": 10, "acc": 10}},
        {"type": "short", "count": 3, "points": 10, "modules": {"acc": 3}},
    ],
}


def codes(data):
    bp, problems = parse_blueprint(data, SCOPE)
    assert bp is None
    return {(p.field, p.code) for p in problems}


def test_valid_blueprint_reads_back_from_its_snapshot():
    bp, problems = parse_blueprint(VALID, SCOPE)
    assert problems == []
    assert bp.item_count == 63 and bp.total_points == 100
    assert bp.target == 65 and bp.tolerance == 1.0
    assert bp.sections[1].rule == {"name": "partial", "partial_fraction": 0.5}
    assert bp.sections[0].quotas[0].lo == 15 and bp.sections[0].quotas[0].hi == 25
    again = blueprint_from_dict(bp.as_dict())
    assert again == bp


def test_sections_must_add_up_to_the_total():
    data = copy.deepcopy(VALID)
    data["sections"][2]["count"] = 2
    data["sections"][2]["modules"] = {"acc": 2}
    assert ("total_points", "BP_TOTAL_MISMATCH") in codes(data)


def test_module_outside_the_levels_scope_is_refused():
    data = copy.deepcopy(VALID)
    data["sections"][2]["modules"] = {"con": 3}
    assert ("sections.2.modules.con", "BP_MODULE_OUT_OF_SCOPE") in codes(data)


def test_module_counts_must_allow_the_section_count():
    data = copy.deepcopy(VALID)
    data["sections"][0]["modules"] = {"pub": [5, 10], "acc": [5, 10]}
    assert ("sections.0.modules", "BP_QUOTA_SUM") in codes(data)


@pytest.mark.parametrize("field,value,expected", [
    ("level", "L9", ("level", "BP_LEVEL_UNKNOWN")),
    ("work_type", "con", ("work_type", "BP_WORK_TYPE_UNKNOWN")),
    ("exposure_cap", 1.5, ("exposure_cap", "BP_CAP_RANGE")),
    ("pass_mark", 120, ("pass_mark", "BP_PASS_MARK_RANGE")),
    ("duration_minutes", 0, ("duration_minutes", "BP_DURATION")),
    ("difficulty", {"expected_score": [70, 60]}, ("difficulty.expected_score", "BP_BAND_INVALID")),
    ("knowledge_points", {"nope.k9": 1}, ("knowledge_points.nope.k9", "BP_KP_UNKNOWN")),
    ("enemies", [["only-one"]], ("enemies.0", "BP_ENEMY_GROUP")),
])
def test_each_bad_field_is_named(field, value, expected):
    data = copy.deepcopy(VALID)
    data[field] = value
    assert expected in codes(data)


def test_rule_only_for_multiple_choice_and_known_names():
    data = copy.deepcopy(VALID)
    data["sections"][0]["rule"] = "partial"
    data["sections"][1]["rule"] = "generous"
    found = codes(data)
    assert ("sections.0.rule", "BP_RULE_UNKNOWN") in found
    assert ("sections.1.rule", "BP_RULE_UNKNOWN") in found


def test_all_problems_are_reported_at_once():
    data = copy.deepcopy(VALID)
    data["level"] = "L9"
    data["sections"][0]["type"] = "essay"
    data["exposure_cap"] = 0
    assert len(codes(data)) >= 3
