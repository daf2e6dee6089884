"""The marking rules: deterministic draws, auto-confirmation, resolving two marks, the states of an answer."""

import pytest

from examengine.scoring import marking
from examengine.scoring.marking import MarkingError, Policy, Stage


def test_draws_are_deterministic_and_independent_per_purpose():
    assert marking.draw(1, 42, "double") == marking.draw(1, 42, "double")
    assert marking.draw(1, 42, "double") != marking.draw(2, 42, "double")
    assert marking.draw(1, 42, "double") != marking.draw(1, 42, "human")
    values = [marking.draw(1, i, "double") for i in range(2000)]
    assert all(0 <= v < 100 for v in values)
    assert 45 < sum(values) / len(values) < 55


@pytest.mark.parametrize("mode, percent, low, high", [("none", 50, 0, 0), ("all", 0, 1000, 1000),
                                                      ("sample", 20, 150, 250), ("sample", 0, 0, 0),
                                                      ("sample", 100, 1000, 1000)])
def test_double_marking_share(mode, percent, low, high):
    p = Policy(double_mode=mode, double_percent=percent)
    drawn = sum(marking.needs_second(p, 7, i) for i in range(1000))
    assert low <= drawn <= high


def test_a_larger_sample_keeps_every_answer_of_the_smaller_one():
    small = {i for i in range(500) if marking.needs_second(Policy("sample", 10), 3, i)}
    large = {i for i in range(500) if marking.needs_second(Policy("sample", 30), 3, i)}
    assert small and small < large


def test_auto_confirm_needs_the_switch_confidence_and_leaves_a_human_sample():
    off = Policy(auto_confirm=False)
    on = Policy(auto_confirm=True, auto_confirm_confidence=0.9, auto_confirm_sample_percent=10)
    assert not any(marking.may_auto_confirm(off, 1, i, True, 0.99) for i in range(200))
    assert not any(marking.may_auto_confirm(on, 1, i, True, 0.89) for i in range(200))
    assert not any(marking.may_auto_confirm(on, 1, i, False, 0.99) for i in range(200))
    auto = [i for i in range(1000) if marking.may_auto_confirm(on, 1, i, True, 0.9)]
    assert 850 <= len(auto) <= 950  # about 10 % still go to a grader
    assert not any(marking.in_human_sample(on, 1, i) for i in auto)
    # answers drawn for double marking always go to two people
    both = Policy(double_mode="all", auto_confirm=True)
    assert not any(marking.may_auto_confirm(both, 1, i, True, 1.0) for i in range(200))


def test_tolerance_is_on_a_ten_point_scale():
    assert marking.tolerance_points(2, 10) == 2
    assert marking.tolerance_points(2, 30) == 6
    assert marking.resolve(4, 6, 10, 1, 2) == marking.Resolution(False, 5.0)
    assert marking.resolve(4, 7, 10, 1, 2).adjudicate
    assert marking.resolve(10, 16, 30, 1, 2) == marking.Resolution(False, 13.0)
    assert marking.resolve(10, 17, 30, 1, 2).adjudicate


def test_the_mean_is_rounded_to_the_step():
    assert marking.resolve(5, 6, 10, 1, 2).points == 6.0  # 5.5 rounds half up
    assert marking.resolve(2.5, 3, 5, 0.5, 2).points == 3.0  # 2.75 -> 3.0 on half points
    assert marking.resolve(2, 2.5, 4, 0.5, 2).points == 2.5  # 2.25 -> 2.5


@pytest.mark.parametrize("points, code", [(0, None), (10, None), (7, None), (-1, "MARK_OUT_OF_RANGE"),
                                          (10.5, "MARK_OUT_OF_RANGE"), (6.5, "MARK_NOT_ON_STEP")])
def test_points_must_be_on_the_step_within_the_range(points, code):
    assert marking.check_points(points, 10, 1) == code


def test_half_point_steps():
    assert marking.check_points(2.5, 4, 0.5) is None
    assert marking.check_points(2.25, 4, 0.5) == "MARK_NOT_ON_STEP"


def test_single_marking_goes_straight_to_final():
    out = marking.after_mark(Stage.PENDING, "first", 7, double=False)
    assert out == marking.Outcome(Stage.FINAL, 7, "confirmed")


def test_double_marking_waits_for_the_second_then_resolves():
    first = marking.after_mark(Stage.PENDING, "first", 6, double=True)
    assert first.stage is Stage.AWAITING_SECOND and first.points is None
    agreed = marking.after_mark(Stage.AWAITING_SECOND, "second", 7, double=True, first=6, max_points=10)
    assert agreed == marking.Outcome(Stage.FINAL, 7.0, "double")  # 6.5 rounds up
    apart = marking.after_mark(Stage.AWAITING_SECOND, "second", 9, double=True, first=6, max_points=10)
    assert apart.stage is Stage.ADJUDICATION
    settled = marking.after_mark(Stage.ADJUDICATION, "adjudication", 8, double=True)
    assert settled == marking.Outcome(Stage.FINAL, 8, "adjudicated")


@pytest.mark.parametrize("stage, role", [(Stage.PENDING, "second"), (Stage.PENDING, "adjudication"),
                                         (Stage.AWAITING_SECOND, "first"), (Stage.ADJUDICATION, "second"),
                                         (Stage.FINAL, "first"), (Stage.FINAL, "adjudication")])
def test_marks_out_of_turn_are_refused(stage, role):
    with pytest.raises(MarkingError) as err:
        marking.after_mark(stage, role, 5, double=True, first=5)
    assert err.value.code == "MARK_NOT_EXPECTED"


def test_stage_from_the_stored_status():
    assert marking.stage_of("pending", set()) is Stage.PENDING
    assert marking.stage_of("pending", {"first"}) is Stage.AWAITING_SECOND
    assert marking.stage_of("adjudication", {"first", "second"}) is Stage.ADJUDICATION
    assert marking.stage_of("final", {"first"}) is Stage.FINAL
    assert [marking.status_of(s) for s in Stage] == ["pending", "pending", "adjudication", "final"]


def test_policy_problems_name_the_field():
    assert marking.policy_problems(Policy()) == {}
    bad = Policy(double_mode="some", double_percent=101, tolerance=0, auto_confirm_confidence=1.5,
                 auto_confirm_sample_percent=-1)
    assert marking.policy_problems(bad) == {
        "double_mode": "POLICY_MODE_INVALID", "double_percent": "POLICY_PERCENT_INVALID",
        "tolerance": "POLICY_TOLERANCE_INVALID", "auto_confirm_confidence": "POLICY_CONFIDENCE_INVALID",
        "auto_confirm_sample_percent": "POLICY_PERCENT_INVALID"}


def test_segments_cut_the_answer_around_the_evidence():
    text = "排放量等于活动数据乘以排放因子，不是排放系数"
    segs = marking.segments(text, [(0, 15, "matched", "公式"), (18, 22, "contradicted", "系数"),
                                   (3, 6, "matched", "overlap"), (30, 40, "matched", "outside")])
    assert "".join(s["text"] for s in segs) == text
    assert [(s["kind"], s["point"]) for s in segs] == [("matched", "公式"), (None, None), ("contradicted", "系数")]
    assert marking.segments("", []) == [{"text": "", "kind": None, "point": None}]
    assert marking.segments("abc", []) == [{"text": "abc", "kind": None, "point": None}]
