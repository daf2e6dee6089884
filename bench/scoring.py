"""Scoring speed on one core: short answers scored per second, and a sitting's objective items.

    python bench/scoring.py                                   # the development set if present, else the carbon set
    python bench/scoring.py --answers question_banks/scoring_eval/carbon.jsonl --papers 10000

Short answers: per question, a scorer is built (cold) and fitted on 30 % of the answers (warm); then every
answer of the file is scored again and again in batches of one question's answers, as the review queue does,
for at least --seconds. Rows: building a scorer, fitting it, scoring cold and scoring warm (answers/s).

Objective items: --papers papers of the shipped 碳排放管理员 三级 blueprint's make-up (20 true-false, 45 single,
25 multiple choice, 6 short answers) drawn from the carbon_manager bank's items, every paper with its own
option orders, answered at random with about 70 % right; the time to score all of them (`objective.prepare`
once per paper plus `objective.score_papers`), median of 3 runs.

Threads of the numerical libraries are pinned to one, so the figures are for one core.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from examengine.bank.itemtypes import LETTERS  # noqa: E402
from examengine.scoring import evaluation, objective  # noqa: E402
from examengine.scoring.shortanswer import Scorer  # noqa: E402

DEV = ROOT.parent / "shared" / "scoring_eval" / "dev.jsonl"
CARBON = ROOT / "question_banks" / "scoring_eval" / "carbon.jsonl"
MAKEUP = (("truefalse", 20, 0.5), ("single", 45, 1.0), ("multi", 25, 1.0), ("short", 6, 0.0))


def short_answers(path: Path, seconds: float) -> float:
    questions = evaluation.read(path)
    n_answers = sum(len(q.answers) for q in questions)
    t = time.perf_counter()
    scorers = [Scorer(q.spec) for q in questions]
    build = time.perf_counter() - t
    t = time.perf_counter()
    cold = _rate(scorers, questions, seconds)
    t = time.perf_counter()
    for s, q in zip(scorers, questions, strict=True):
        k = max(round(0.3 * len(q.answers)), 1)
        s.fit(q.answers[:k], q.scores[:k])
    fit = time.perf_counter() - t
    warm = _rate(scorers, questions, seconds)
    print(f"short answers: {path.name}, {len(questions)} questions, {n_answers} answers")
    print(f"  build scorers      {build / len(questions) * 1000:8.1f} ms per question")
    print(f"  fit on 30 %        {fit / len(questions) * 1000:8.1f} ms per question")
    print(f"  score, cold        {cold:8.0f} answers/s")
    print(f"  score, fitted      {warm:8.0f} answers/s")
    return warm


def _rate(scorers: list[Scorer], questions: list[evaluation.Question], seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while True:
        for s, q in zip(scorers, questions, strict=True):
            s.score_many(q.answers)
            done += len(q.answers)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def _bank_items() -> dict[str, list[dict]]:
    by_type: dict[str, list[dict]] = {}
    for path in sorted((ROOT / "question_banks" / "carbon_manager" / "items").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for item in data["items"]:
            item.setdefault("module", data.get("module", ""))
            by_type.setdefault(item["type"], []).append(item)
    return by_type


def _paper(rng: random.Random, by_type: dict[str, list[dict]], ids: dict[str, int]):
    specs, responses, position = [], {}, 0
    for section, (kind, count, points) in enumerate(MAKEUP):
        for item in rng.sample(by_type[kind], count):
            position += 1
            n = len(item.get("options") or [])
            order = rng.sample(range(n), n) if n else None
            key = item.get("key")
            if kind == "multi":
                key = sorted(key)  # "ABD" or [A, B, D] in the bank file
            specs.append(objective.PaperItemSpec(
                position, section, kind, points or float(item.get("points", 10)), key, order,
                {"name": "partial", "partial_fraction": 0.5} if kind == "multi" else None,
                item["module"], ids.setdefault(item["id"], len(ids) + 1)))
            responses[position] = _response(rng, kind, key, order)
    return specs, responses


def _response(rng: random.Random, kind: str, key, order):
    """In shown letters: right about 70 % of the time."""
    if kind == "short":
        return "碳排放核算应遵循相关性、完整性、一致性、准确性和透明性原则。"
    if kind == "truefalse":
        return key if rng.random() < 0.7 else (not key)
    shown = {orig: LETTERS[j] for j, orig in enumerate(order)}
    if kind == "single":
        pick = key if rng.random() < 0.7 else LETTERS[rng.randrange(len(order))]
        return shown[LETTERS.index(pick)]
    chosen = list(key) if rng.random() < 0.7 else rng.sample(LETTERS[: len(order)], rng.randint(1, len(order)))
    return sorted(shown[LETTERS.index(x)] for x in chosen)


def objective_items(n_papers: int) -> float:
    rng = random.Random(7)
    by_type = _bank_items()
    ids: dict[str, int] = {}
    papers = [_paper(rng, by_type, ids) for _ in range(n_papers)]
    n_items = sum(len(s) for s, _ in papers)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        cache: dict = {}
        scored = objective.score_papers((objective.prepare(specs, cache), responses) for specs, responses in papers)
        runs.append(time.perf_counter() - t)
    total = sum(s.points or 0 for paper in scored for s in paper)
    print(f"objective items: {n_papers} papers, {n_items} items ({n_items / n_papers:.0f} per paper)")
    print(f"  score all papers   {statistics.median(runs):8.3f} s (runs: {', '.join(f'{r:.3f}' for r in runs)})")
    print(f"  mean score         {total / n_papers:8.1f} of {sum(c * p for _, c, p in MAKEUP):.0f} objective points")
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=Path, default=DEV if DEV.exists() else CARBON)
    parser.add_argument("--papers", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    rate = short_answers(args.answers, args.seconds)
    seconds = objective_items(args.papers)
    print(f"scoring short_answers_per_s={rate:.0f} objective_papers={args.papers} objective_s={seconds:.3f}")


if __name__ == "__main__":
    main()
