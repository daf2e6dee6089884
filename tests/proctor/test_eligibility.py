"""Eligibility rules as data: the shipped files, and each rule of the evaluator at its boundaries."""

import copy
from datetime import date
from pathlib import Path

import pytest
import yaml

from examengine.proctor.eligibility import (
    Attempt,
    CandidateFacts,
    HeldCertificate,
    RulesError,
    add_months,
    evaluate,
    months_between,
    parse_rules,
    rules_summary,
)

BANKS = Path(__file__).resolve().parents[2] / "question_banks"
SHIPPED = sorted(BANKS.glob("*/eligibility.yaml"))
ON = date(2024, 6, 29)  # a 碳排放管理员 sitting (last Saturday of June 2024, seed 001)


def load(program: str):
    path = BANKS / program / "eligibility.yaml"
    return parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))


CM = load("carbon_manager")
CEM = load("carbon_emission_manager")
CAM = load("carbon_asset_manager")
CRS = load("carbon_reduction_skills")


def facts(**kw) -> CandidateFacts:
    """A candidate who passes everything but what the test changes."""
    base = {"education": "bachelor", "work_started_on": None, "training_hours": 80.0,
            "enrolled_on": date(2024, 3, 1)}
    return CandidateFacts(**{**base, **kw})


def codes(decision) -> list[str]:
    return [f.rule for f in decision.failures]


def minimal(**over) -> dict:
    data = {"program": "demo", "enrolment_valid_months": 6, "training": {"min_hours": 10},
            "retake": {"free_retakes": 1, "within_months": 6, "after": "refused"},
            "levels": {"L4": {"name_zh": "四级", "name_en": "Level 4",
                              "any_of": [{"id": "edu", "education_at_least": "secondary_vocational"}]},
                       "L3": {"name_zh": "三级", "name_en": "Level 3",
                              "any_of": [{"id": "bachelor", "education_at_least": "bachelor"},
                                         {"id": "cert", "certificate": {"level": "L4"},
                                          "years_since_certificate": 1}]}}}
    data.update(over)
    return data


# ------------------------------------------------------------------------------------------- shipped files

def test_every_program_of_the_seeds_has_rules():
    assert {p.parent.name for p in SHIPPED} == {"carbon_manager", "carbon_emission_manager",
                                                "carbon_asset_manager", "carbon_reduction_skills"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_shipped_file_parses_names_its_seeds_and_round_trips(path):
    text = path.read_text(encoding="utf-8")
    assert text.startswith("#") and "seed" in text.splitlines()[0]
    rules = parse_rules(yaml.safe_load(text), str(path))
    assert rules.program == path.parent.name
    assert parse_rules(rules.as_dict()) == rules
    for level in rules.levels:
        assert all(c.label_zh and c.label_en for c in rules.levels[level].any_of)
        assert len(rules_summary(rules, level)) == len(rules_summary(rules, level, "en")) == 4


@pytest.mark.parametrize("path", [p for p in SHIPPED if (p.parent / "syllabus.yaml").exists()],
                         ids=lambda p: p.parent.name)
def test_level_codes_exist_in_the_syllabus(path):
    syllabus = yaml.safe_load((path.parent / "syllabus.yaml").read_text(encoding="utf-8"))
    levels = {lv["id"] for lv in syllabus["levels"]}
    rules = parse_rules(yaml.safe_load(path.read_text(encoding="utf-8")), str(path))
    assert set(rules.levels) == levels
    for lv in rules.levels.values():
        for c in lv.any_of:
            if c.certificate and c.certificate.program == rules.program:
                assert c.certificate.level in levels


def test_the_training_gates_of_the_seeds():
    assert (CM.training.min_hours, CM.training.min_share) == (80, 1.0)  # seeds 001 and 000
    assert (CEM.training.min_hours, CEM.training.min_share) == (None, 0.9)  # seed 002
    assert CM.retake.free_retakes == 1 and CM.retake.after == "refused"  # seeds 000, 001
    assert CEM.retake.free_retakes == 0 and CEM.retake.after == "paid"  # seed 002: 100 元/次


# ------------------------------------------------------------------------------------------------ dates

def test_calendar_months_clamp_the_day():
    assert add_months(date(2023, 8, 31), 6) == date(2024, 2, 29)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2020, 2, 29), 36) == date(2023, 2, 28)
    assert months_between(date(2020, 3, 1), date(2023, 3, 1)) == 36
    assert months_between(date(2020, 3, 1), date(2023, 2, 28)) == 35
    assert months_between(date(2024, 5, 1), date(2024, 4, 1)) == 0


# ------------------------------------------------------------------------------------- entry conditions

def test_unknown_level():
    d = evaluate(CM, "L2", None, facts(), ON)
    assert not d.eligible and codes(d) == ["ELIG_UNKNOWN_LEVEL"] and d.satisfied_by is None
    assert "L2" in d.failures[0].message_zh and d.failures[0].detail["known"] == ["L4", "L3"]


def test_l4_by_education_student_or_three_years_to_the_day():
    assert evaluate(CM, "L4", "accounting", facts(education="secondary_vocational"), ON).satisfied_by \
        == "secondary_vocational"
    assert evaluate(CM, "L4", "accounting", facts(education="junior_high", student=True), ON).satisfied_by \
        == "student"
    worker = facts(education="junior_high", work_started_on=date(2020, 3, 1), enrolled_on=date(2023, 1, 1))
    d = evaluate(CM, "L4", "accounting", worker, date(2023, 3, 1))
    assert d.eligible and d.satisfied_by == "three_years_work"
    d = evaluate(CM, "L4", "accounting", worker, date(2023, 2, 28))
    assert not d.eligible and codes(d) == ["ELIG_EDUCATION_OR_EXPERIENCE"]


def test_the_refusal_lists_every_alternative_and_what_the_candidate_had():
    d = evaluate(CM, "L4", "trading", facts(education="junior_high", related_work_years=2.5), ON)
    (f,) = d.failures
    assert f.message_zh == ("学历或工作年限不符合四级报名条件：需满足其一：中专（中职）及以上学历；"
                            "中专（中职）及以上在读学生；累计从事相关职业工作满3年。本人：初中，相关工作2.5年")
    assert "Level 4" in f.message_en and "2.5 years" in f.message_en
    assert f.detail["alternatives"] == ["secondary_vocational", "student", "three_years_work"]
    assert f.detail["related_work_years"] == 2.5
    dated = evaluate(CM, "L4", "trading", facts(education=None, work_started_on=date(2021, 8, 1)), ON)
    assert dated.failures[0].message_zh.endswith("本人：学历未登记，相关工作2年10个月")


def test_related_work_years_from_a_form_is_used_without_a_start_date():
    assert evaluate(CM, "L4", None, facts(education=None, related_work_years=3), ON).satisfied_by \
        == "three_years_work"
    # the start date, when known, wins over the number
    d = evaluate(CM, "L4", None, facts(education=None, related_work_years=5, work_started_on=date(2023, 1, 1)), ON)
    assert not d.eligible


def test_l3_via_a_level_4_certificate_and_a_year_of_work_since():
    l4 = HeldCertificate("carbon_manager", "L4", "monitoring", date(2023, 5, 1))
    held = facts(education="high_school", work_started_on=date(2019, 1, 1), certificates=(l4,))
    d = evaluate(CM, "L3", "consulting", held, date(2024, 5, 1))
    assert d.eligible and d.satisfied_by == "l4_certificate_one_year"  # any work type's certificate counts
    d = evaluate(CM, "L3", "consulting", held, date(2024, 4, 30))
    assert codes(d) == ["ELIG_EDUCATION_OR_EXPERIENCE"]
    assert "持有四级证书（2023-05-01颁发）" in d.failures[0].message_zh
    # a year since the certificate, but less than a year of related work: min(since issue, work) < 1
    late_starter = facts(education="high_school", work_started_on=date(2023, 9, 1), certificates=(l4,))
    assert not evaluate(CM, "L3", None, late_starter, date(2024, 6, 1)).eligible
    # another program's 四级-named level does not count
    other = HeldCertificate("carbon_asset_manager", "L4", None, date(2020, 1, 1))
    d = evaluate(CM, "L3", None, facts(education="high_school", work_started_on=date(2019, 1, 1),
                                        certificates=(other,)), ON)
    assert "未持有所需证书" in d.failures[0].message_zh


def test_a_same_work_type_certificate_requirement():
    data = minimal()
    data["levels"]["L3"]["any_of"][1]["certificate"]["same_work_type"] = True
    rules = parse_rules(data)
    cert = HeldCertificate("demo", "L4", "trading", date(2022, 1, 1))
    f = facts(education="high_school", work_started_on=date(2020, 1, 1), certificates=(cert,))
    assert evaluate(rules, "L3", "trading", f, ON).eligible
    assert not evaluate(rules, "L3", "monitoring", f, ON).eligible


def test_emission_manager_alternatives_by_education_and_years():
    # 初级: 中专 + 2 years; 大专 + 1 year; 本科; related-major 大专 + 1 year
    assert evaluate(CEM, "junior", None, facts(education="secondary_vocational", related_work_years=2),
                    ON).satisfied_by == "secondary_vocational_two_years"
    assert not evaluate(CEM, "junior", None, facts(education="secondary_vocational", related_work_years=1.9,
                                                   course_hours=80), ON).eligible
    assert evaluate(CEM, "junior", None, facts(course_hours=80), ON).satisfied_by == "bachelor"
    # 中级: a related-major associate needs no work; a junior certificate needs a year of work
    assert evaluate(CEM, "intermediate", None, facts(education="associate", related_major=True, course_hours=80),
                    ON).satisfied_by == "related_major_associate"
    jr = HeldCertificate("carbon_emission_manager", "junior", "emission_manager", date(2024, 2, 1))
    assert evaluate(CEM, "intermediate", None, facts(education="high_school", related_work_years=1,
                                                     certificates=(jr,), course_hours=80),
                    ON).satisfied_by == "junior_certificate_one_year"
    # 高级: another senior title counts once held a full year, higher grades count for lower asks
    title = HeldCertificate("other", "senior", None, date(2023, 6, 29))
    assert evaluate(CEM, "senior", None, facts(education=None, certificates=(title,), course_hours=80),
                    ON).satisfied_by == "other_senior_certificate_one_year"
    assert not evaluate(CEM, "senior", None, facts(education=None, certificates=(title,), course_hours=80),
                        date(2024, 6, 28)).eligible
    assert evaluate(CEM, "intermediate", None, facts(education=None, certificates=(title,), course_hours=80),
                    ON).satisfied_by == "other_intermediate_certificate"


def test_asset_manager_and_reduction_skills_alternatives():
    assert evaluate(CAM, "junior", None, facts(education="junior_high", student=True, course_hours=80),
                    ON).satisfied_by == "student"
    assert evaluate(CAM, "junior", None, facts(education="high_school", related_work_years=1, course_hours=80),
                    ON).satisfied_by == "secondary_vocational_one_year"  # the shared scale ranks them equal
    assert evaluate(CRS, "single", "carbon_audit", facts(education=None, sector_staff=True, course_hours=80),
                    ON).satisfied_by == "sector_staff"
    assert not evaluate(CRS, "single", None, facts(education="master", course_hours=80), ON).eligible
    assert evaluate(CRS, "single", None, facts(education="master", related_major=True, course_hours=80),
                    ON).eligible


# ------------------------------------------------------------------------------------------ training gate

def test_training_hours_80_pass_79_5_fail():
    assert evaluate(CM, "L4", None, facts(training_hours=80), ON).eligible
    d = evaluate(CM, "L4", None, facts(training_hours=79.5), ON)
    assert codes(d) == ["ELIG_TRAINING_HOURS"]
    assert d.failures[0].message_zh == "培训学时不足：已完成 79.5 学时，需至少 80 学时"
    assert d.failures[0].detail["required_hours"] == 80 and d.failures[0].detail["completed_hours"] == 79.5


def test_when_hours_and_share_are_both_set_the_stricter_applies():
    # carbon_manager: 80 h (seed 001) and all hours (seed 000): a 120-hour course needs all 120
    d = evaluate(CM, "L4", None, facts(training_hours=100, course_hours=120), ON)
    assert d.failures[0].detail["required_hours"] == 120
    assert "课程全部学时" in d.failures[0].message_zh
    assert evaluate(CM, "L4", None, facts(training_hours=120, course_hours=120), ON).eligible
    # a 60-hour course still needs the 80 hours
    assert not evaluate(CM, "L4", None, facts(training_hours=60, course_hours=60), ON).eligible


def test_a_share_gate_needs_the_course_hours():
    assert evaluate(CEM, "junior", None, facts(training_hours=99, course_hours=110), ON).eligible  # 90 % = 99
    d = evaluate(CEM, "junior", None, facts(training_hours=98.9, course_hours=110), ON)
    assert codes(d) == ["ELIG_TRAINING_HOURS"] and d.failures[0].detail["required_hours"] == 99
    d = evaluate(CEM, "junior", None, facts(training_hours=500), ON)
    assert codes(d) == ["ELIG_TRAINING_HOURS"] and "课程总学时未登记" in d.failures[0].message_zh


# ------------------------------------------------------------------------------------------------ enrolment

def test_not_enrolled():
    assert codes(evaluate(CM, "L4", None, facts(enrolled_on=None), ON)) == ["ELIG_NOT_ENROLLED"]
    assert codes(evaluate(CM, "L4", None, facts(enrolled_on=date(2024, 7, 1)), ON)) == ["ELIG_NOT_ENROLLED"]


def test_six_months_of_enrolment_to_the_day():
    f = facts(enrolled_on=date(2024, 1, 31))
    assert evaluate(CM, "L4", None, f, date(2024, 7, 31)).eligible
    d = evaluate(CM, "L4", None, f, date(2024, 8, 1))
    assert codes(d) == ["ELIG_ENROLMENT_EXPIRED"] and d.failures[0].detail["expires_on"] == "2024-07-31"
    assert "2024-07-31" in d.failures[0].message_zh
    clamped = facts(enrolled_on=date(2023, 8, 31))
    assert evaluate(CM, "L4", None, clamped, date(2024, 2, 29)).eligible
    assert codes(evaluate(CM, "L4", None, clamped, date(2024, 3, 1))) == ["ELIG_ENROLMENT_EXPIRED"]


# -------------------------------------------------------------------------------------------------- retakes

FAIL = Attempt(date(2024, 3, 30), False)


def test_first_attempt_and_already_passed():
    assert evaluate(CM, "L4", None, facts(), ON).attempt_kind == "first"
    d = evaluate(CM, "L4", None, facts(attempts=(FAIL, Attempt(date(2024, 4, 27), True))), ON)
    assert codes(d) == ["ELIG_ALREADY_PASSED"] and "2024-04-27" in d.failures[0].message_zh


def test_a_pending_result_blocks_the_next_sitting():
    d = evaluate(CM, "L4", None, facts(attempts=(Attempt(date(2024, 5, 25), None),)), ON)
    assert codes(d) == ["ELIG_RESULT_PENDING"]


def test_free_retake_window_to_the_day():
    f = facts(enrolled_on=date(2024, 6, 1), attempts=(FAIL,))
    d = evaluate(CM, "L4", None, f, date(2024, 9, 30))
    assert d.eligible and d.attempt_kind == "free_retake"
    d = evaluate(CM, "L4", None, f, date(2024, 10, 1))
    assert codes(d) == ["ELIG_RETAKE_USED"] and d.failures[0].detail["window_closes_on"] == "2024-09-30"
    assert "2024-09-30" in d.failures[0].message_zh and "2024-09-30" in d.failures[0].message_en


def test_a_second_retake_is_refused_or_paid_by_policy():
    twice = facts(attempts=(FAIL, Attempt(date(2024, 4, 27), False)), course_hours=80)
    d = evaluate(CM, "L4", None, twice, date(2024, 5, 25))
    assert codes(d) == ["ELIG_RETAKE_USED"] and d.attempt_kind == "paid_retake"
    assert "补考机会已用完" in d.failures[0].message_zh and d.failures[0].detail["free_retakes_used"] == 1
    d = evaluate(CEM, "junior", None, twice, date(2024, 5, 25))
    assert d.eligible and d.attempt_kind == "paid_retake"


def test_paid_sittings_do_not_use_up_the_free_retake():
    data = minimal(retake={"free_retakes": 1, "within_months": 6, "after": "paid"})
    rules = parse_rules(data)
    f = facts(attempts=(FAIL, Attempt(date(2024, 4, 27), False, paid=True)), training_hours=10)
    assert evaluate(rules, "L4", None, f, date(2024, 5, 25)).attempt_kind == "free_retake"


def test_every_failure_is_reported():
    f = facts(education="junior_high", training_hours=10, enrolled_on=date(2023, 1, 1),
              attempts=(FAIL, Attempt(date(2024, 4, 27), False)))
    d = evaluate(CM, "L4", None, f, ON)
    assert codes(d) == ["ELIG_EDUCATION_OR_EXPERIENCE", "ELIG_TRAINING_HOURS", "ELIG_ENROLMENT_EXPIRED",
                        "ELIG_RETAKE_USED"]
    assert all(x.message_zh and x.message_en for x in d.failures)


# ------------------------------------------------------------------------------------------- rules errors

@pytest.mark.parametrize("change,path,code", [
    (lambda d: d["levels"]["L4"]["any_of"][0].update(colour="red"), "levels.L4.any_of[0].colour",
     "ELIG_RULES_UNKNOWN_KEY"),
    (lambda d: d.update(extra=1), "extra", "ELIG_RULES_UNKNOWN_KEY"),
    (lambda d: d["levels"]["L3"]["any_of"][0].update(education_at_least="phd"),
     "levels.L3.any_of[0].education_at_least", "ELIG_RULES_INVALID"),
    (lambda d: d["training"].update(min_hours=-1), "training.min_hours", "ELIG_RULES_INVALID"),
    (lambda d: d["levels"]["L4"]["any_of"][0].update(related_work_years=-2),
     "levels.L4.any_of[0].related_work_years", "ELIG_RULES_INVALID"),
    (lambda d: d["levels"]["L3"]["any_of"][1]["certificate"].update(level="L5"),
     "levels.L3.any_of[1].certificate.level", "ELIG_RULES_UNKNOWN_LEVEL"),
    (lambda d: d["training"].update(min_share=1.5), "training.min_share", "ELIG_RULES_INVALID"),
    (lambda d: d["retake"].update(after="maybe"), "retake.after", "ELIG_RULES_INVALID"),
    (lambda d: d["retake"].pop("within_months"), "retake.within_months", "ELIG_RULES_MISSING_KEY"),
    (lambda d: d.pop("enrolment_valid_months"), "enrolment_valid_months", "ELIG_RULES_MISSING_KEY"),
    (lambda d: d["levels"]["L4"]["any_of"].append({"id": "edu", "student": True}),
     "levels.L4.any_of[1].id", "ELIG_RULES_INVALID"),
    (lambda d: d["levels"]["L4"]["any_of"].append({"id": "nothing"}), "levels.L4.any_of[1]",
     "ELIG_RULES_MISSING_KEY"),
    (lambda d: d["levels"]["L4"]["any_of"][0].update(years_since_certificate=1),
     "levels.L4.any_of[0].years_since_certificate", "ELIG_RULES_MISSING_KEY"),
    (lambda d: d["levels"]["L4"]["any_of"][0].update(student=False), "levels.L4.any_of[0].student",
     "ELIG_RULES_INVALID"),
    (lambda d: d["levels"]["L4"].update(any_of=[]), "levels.L4.any_of", "ELIG_RULES_INVALID"),
])
def test_rules_errors_name_the_field(change, path, code):
    data = copy.deepcopy(minimal())
    change(data)
    with pytest.raises(RulesError) as exc:
        parse_rules(data, "question_banks/demo/eligibility.yaml")
    assert (exc.value.path, exc.value.code) == (path, code)
    assert str(exc.value).startswith(f"question_banks/demo/eligibility.yaml: {path}: ")


def test_labels_are_generated_when_the_file_gives_none():
    rules = parse_rules(minimal())
    assert rules.levels["L4"].any_of[0].label_zh == "中专/中职/技校及以上学历"
    assert rules.levels["L3"].any_of[1].label_zh == "持有四级证书，取得证书后从事相关工作满1年"
    assert rules_summary(rules, "L3", "en")[0].startswith("Entry conditions for Level 3 (any one): ")
    with pytest.raises(KeyError):
        rules_summary(rules, "L9")


def test_the_module_is_pure():
    # the package's __init__ builds the Flask app, so look at what the module itself imports
    import ast

    import examengine.proctor.eligibility as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= {"__future__", "calendar", "re", "dataclasses", "datetime", "typing",
                        "examengine.proctor.education"}
