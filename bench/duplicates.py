"""Near-duplicate detection on synthetic banks: time, memory and recall of planted near-duplicates.

    python bench/duplicates.py --items 100000
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from pathlib import Path

from examengine.bank.duplicates import all_pairs, item_text, vectorize

TERMS = Path(__file__).resolve().parent.parent / "question_banks" / "carbon_manager" / "terms.txt"
GLUE = list("的是在和对与及或等中为了把被从向于以下列各项其")
TEMPLATES = ["下列关于{a}的说法中，正确的是（  ）。", "{a}与{b}之间的关系是（  ）。", "根据{a}，{b}应当在（  ）完成。",
             "在{a}中，{b}的主要作用是（  ）。", "{a}属于{b}的是（  ）。"]


def vocabulary() -> list[str]:
    words = [line.split()[0] for line in TERMS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return words or ["温室气体", "排放因子", "碳排放权"]


def synthetic(n: int, planted: float, seed: int) -> tuple[list[str], set[tuple[int, int]]]:
    rng = random.Random(seed)
    vocab = vocabulary()

    def phrase(k: int) -> str:
        return "".join(rng.choice(vocab) + (rng.choice(GLUE) if rng.random() < 0.5 else "") for _ in range(k))

    texts: list[str] = []
    pairs: set[tuple[int, int]] = set()
    for i in range(n):
        if i > 10 and rng.random() < planted:
            j = rng.randrange(i)
            chars = list(texts[j])
            for _ in range(rng.randint(1, 2)):  # a near-duplicate: one or two characters changed
                chars[rng.randrange(len(chars))] = rng.choice(GLUE)
            texts.append("".join(chars))
            pairs.add((j, i))
            continue
        stem = rng.choice(TEMPLATES).format(a=phrase(rng.randint(1, 3)), b=phrase(rng.randint(1, 2)))
        options = [phrase(rng.randint(1, 2)) for _ in range(4)]
        texts.append(item_text(stem, options))
    return texts, pairs


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--items", type=int, default=100_000)
    ap.add_argument("--threshold", type=float, default=0.9)
    ap.add_argument("--planted", type=float, default=0.01, help="share of items that copy another with 1-2 edits")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    t0 = time.perf_counter()
    texts, planted = synthetic(args.items, args.planted, args.seed)
    t1 = time.perf_counter()
    found = all_pairs(list(range(len(texts))), texts, args.threshold)
    t2 = time.perf_counter()
    got = {(min(p.a, p.b), max(p.a, p.b)) for p in found}
    # Recall: planted copies whose exact cosine (same corpus weights) is above the threshold must be found.
    full = vectorize(texts)
    reachable = {(a, b) for a, b in planted if full[a].multiply(full[b]).sum() >= args.threshold}
    recall = len(got & reachable) / len(reachable) if reachable else 1.0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{'items':>8} {'generate_s':>10} {'detect_s':>9} {'pairs':>7} {'planted':>8} {'recall':>7} {'peak_mb':>8}")
    print(f"{args.items:>8} {t1 - t0:>10.1f} {t2 - t1:>9.1f} {len(found):>7} {len(reachable):>8} {recall:>7.3f} {peak_mb:>8.0f}")
    print(f"duplicates items={args.items} threshold={args.threshold} seconds={t2 - t1:.1f} pairs={len(found)} "
          f"recall={recall:.3f} peak_mb={peak_mb:.0f}")


if __name__ == "__main__":
    main()
