"""The shipped labelled set of the carbon banks: consistent with the bank, and scored well cold and warm."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import yaml

from examengine.scoring import evaluation

ROOT = Path(__file__).resolve().parents[2] / "question_banks"
SET = ROOT / "scoring_eval" / "carbon.jsonl"


def _bank_items() -> dict[str, dict]:
    items = {}
    for path in ROOT.glob("*/items/*.yaml"):
        for item in yaml.safe_load(path.read_text(encoding="utf-8"))["items"]:
            items[item["id"]] = item
    return items


def test_the_set_matches_the_bank_and_spans_the_scale():
    rows = [json.loads(line) for line in SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    per_item = Counter(r["q_id"] for r in rows)
    assert len(per_item) >= 20 and min(per_item.values()) >= 15
    bank = _bank_items()
    for r in rows:
        item = bank[r["q_id"]]
        assert item["type"] == "short"
        assert r["question"] == item["stem"] and r["references"] == item["references"]
        assert r["rubric"] == item["rubric"] and r["max_score"] == item["points"]
        assert 0 <= r["score"] <= r["max_score"]
        assert not any(ref in r["answer"] for ref in item["references"])  # paraphrased, never copied
    for q_id in per_item:
        scores = {r["score"] for r in rows if r["q_id"] == q_id}
        assert min(scores) == 0 and max(scores) == 10 and len(scores) >= 5


def test_the_scorer_agrees_with_the_rubric_scores():
    questions = evaluation.read(SET)
    cold = evaluation.report(evaluation.run(questions, "cold"), "cold").groups["overall"]
    warm = evaluation.report(evaluation.run(questions, "warm", 0.3, seed=1), "warm").groups["overall"]
    # Regression guards well below what the scorer measures (cold about 0.74, warm about 0.73).
    assert cold.qwk >= 0.6 and cold.r >= 0.65
    assert warm.qwk >= 0.6
