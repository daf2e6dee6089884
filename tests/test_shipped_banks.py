"""The shipped question banks: valid, complete per syllabus, and free of near-duplicates."""

from collections import Counter
from pathlib import Path

import pytest

from examengine.bank.bankfile import check_program, find_programs
from examengine.bank.duplicates import all_pairs, item_text

BANKS = Path(__file__).resolve().parent.parent / "question_banks"
CHECKED = {c.syllabus.program if c.syllabus else str(c.files.root): c for c in map(check_program, find_programs(BANKS))}


def test_every_program_of_the_seeds_is_shipped():
    assert set(CHECKED) == {"carbon_manager", "carbon_asset_manager", "carbon_emission_manager"}


@pytest.mark.parametrize("program", sorted(CHECKED))
def test_bank_is_valid_and_covers_every_module(program):
    checked = CHECKED[program]
    assert [str(p) for p in checked.problems] == []
    active = [e.data for e in checked.entries if e.data.get("status", "active") == "active"]
    per_module = Counter(d["module"] for d in active)
    assert {m.code for m in checked.syllabus.modules} == set(per_module), "a module without active items"
    assert all(d.get("source") and d.get("explanation") for d in active)
    assert len(active) >= (1000 if program == "carbon_manager" else 150)


def test_carbon_manager_mix_and_short_answers():
    active = [e.data for e in CHECKED["carbon_manager"].entries if e.data.get("status", "active") == "active"]
    types = Counter(d["type"] for d in active)
    share = {t: n / len(active) for t, n in types.items()}
    assert 0.4 <= share["single"] <= 0.6 and 0.1 <= share["truefalse"] <= 0.2
    assert 0.2 <= share["multi"] <= 0.3 and types["short"] >= 120
    shorts = [d for d in active if d["type"] == "short"]
    assert all(1 <= len(d["references"]) <= 3 and d["rubric"] for d in shorts)
    assert all(any(p.get("synonyms") for p in d["rubric"]) for d in shorts)
    # every work type's professional modules and the public courses: at least 3 singles and 1 short each
    cells = Counter((d["module"], d["type"]) for d in active)
    for m in CHECKED["carbon_manager"].syllabus.modules:
        assert cells[(m.code, "single")] >= 10 and cells[(m.code, "short")] >= 2, m.code


@pytest.mark.parametrize("program", sorted(CHECKED))
def test_no_near_duplicates(program):
    entries = CHECKED[program].entries
    pairs = all_pairs([e.data["id"] for e in entries],
                      [item_text(e.data["stem"], [str(o) for o in e.data.get("options") or []]) for e in entries])
    assert [(p.a, p.b, p.score) for p in pairs] == []


def test_domain_dictionary():
    lines = (BANKS / "carbon_manager" / "terms.txt").read_text(encoding="utf-8").splitlines()
    terms = [line.split()[0] for line in lines if line.strip()]
    assert len(terms) >= 300 and len(set(terms)) == len(terms)
    assert {"碳排放权", "温室气体", "排放因子", "核算边界", "碳足迹", "CCER", "配额清缴"} <= set(terms)
    assert all(len(line.split()) == 3 and line.split()[1].isdigit() for line in lines if line.strip())
