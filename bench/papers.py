"""Paper assembly: speed and quality per paper, against a whole-bank integer program measured in the same run.

    python bench/papers.py                      # synthetic banks of 1,000, 10,000 and 100,000 items + shipped
    python bench/papers.py --bank-size 10000    # one synthetic bank
    python bench/papers.py --shipped-only

Synthetic banks: 8 modules, 50 % single / 15 % true-false / 25 % multiple / 10 % short answer, written
difficulty 1-5; a 45-item blueprint (20 single x 2, 10 true-false x 1, 10 multiple x 2, 5 short x 6 = 100
points) with module ranges, expected score 62-68 (target 65), exposure cap 0.2. Each paper set holds --papers
papers (default 10,000) assembled one after another under the cap, as for one sitting. The shipped bank uses
the shipped blueprints (loaded from the bank files, no database).

Per row: median and p99 milliseconds per paper, papers per second, failures, maximum item exposure (share of
papers) against the cap, mean overlap between two papers (items shared, 2,000 random pairs), and the spread
(SD) of the papers' expected scores. The last line gives, in a fixed format, the bank named by --bank-size
(the first one if several) or else the 10,000-item bank.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from examengine.bank.bankfile import find_programs, read_item_file, read_yaml, strip_lines
from examengine.bank.syllabus import parse_syllabus
from examengine.papers import ilp
from examengine.papers.assembly import (
    Assembler,
    AssemblyFailed,
    PoolItem,
    build_pool,
    mean_overlap,
    paper_seed,
)
from examengine.papers.blueprint import parse_blueprint, scope_from_syllabus
from examengine.papers.blueprintfile import blueprint_files, read_blueprint

MODULES = [f"m{i}" for i in range(8)]
SYNTHETIC = {
    "code": "bench-45", "title": "bench", "level": "L", "duration_minutes": 90, "total_points": 100,
    "pass_mark": 60, "exposure_cap": 0.2, "difficulty": {"expected_score": [62, 68], "target": 65},
    "sections": [
        {"type": "single", "count": 20, "points": 2, "modules": {m: [2, 3] for m in MODULES}},
        {"type": "truefalse", "count": 10, "points": 1, "modules": {m: [1, 2] for m in MODULES}},
        {"type": "multi", "count": 10, "points": 2, "rule": "partial", "modules": {m: [1, 2] for m in MODULES}},
        {"type": "short", "count": 5, "points": 6, "modules": {m: [0, 1] for m in MODULES}},
    ],
}


def synthetic_items(n: int, seed: int = 1) -> list[PoolItem]:
    rng = np.random.default_rng(seed)
    types = rng.choice(["single", "truefalse", "multi", "short"], n, p=[0.5, 0.15, 0.25, 0.1])
    difficulty = rng.choice([1, 2, 3, 4, 5], n, p=[0.2, 0.35, 0.25, 0.15, 0.05])
    n_options = {"single": 4, "multi": 5}
    return [PoolItem(i, i, f"s{i:06d}", str(types[i]), MODULES[i % 8], int(difficulty[i]),
                     n_options.get(str(types[i]), 0)) for i in range(n)]


def fast_then_ilp(asm: Assembler, seed: int):
    try:
        return asm.assemble(seed), 0
    except AssemblyFailed:
        return ilp.solve(asm, seed), 1


def whole_bank_ilp(asm: Assembler, seed: int):
    """The reference: every paper an integer program over the whole usable bank (random costs for variety)."""
    return ilp.solve(asm, seed, candidates_per_cell=None, time_limit=30), 0


def run(pool, papers: int, seed: int, make) -> dict:
    """`papers` papers one after another under the cap, as for one sitting, each timed."""
    asm = Assembler(pool, papers)
    times, scores, sets = [], [], []
    failures = fallbacks = 0
    for n in range(papers):
        t0 = time.perf_counter()
        try:
            d, fell_back = make(asm, paper_seed(seed, n))
        except AssemblyFailed:
            failures += 1
            times.append(time.perf_counter() - t0)
            continue
        times.append(time.perf_counter() - t0)
        fallbacks += fell_back
        asm.record(d)
        scores.append(d.expected_score)
        sets.append(set(d.picks))
    return summarise(times, scores, sets, asm, failures, fallbacks)


def summarise(times, scores, sets, asm, failures, fallbacks) -> dict:
    ms = np.array(times) * 1000
    return {
        "papers": len(times), "median_ms": float(np.median(ms)), "p99_ms": float(np.percentile(ms, 99)),
        "per_s": len(times) / max(ms.sum() / 1000, 1e-9), "failures": failures, "fallbacks": fallbacks,
        "max_exposure": float(asm.uses.max()) / max(asm.assembled, 1), "cap": asm.pool.blueprint.exposure_cap,
        "overlap": mean_overlap(sets),
        "score_sd": float(np.std(scores)) if scores else 0.0,
        "score_mean": float(np.mean(scores)) if scores else 0.0,
    }


def row(name: str, method: str, bank: int, items: int, r: dict) -> None:
    print(f"{name:22} {method:18} {bank:>7} {items:>5} {r['papers']:>6} {r['median_ms']:>9.3f} {r['p99_ms']:>8.3f} "
          f"{r['per_s']:>8.0f} {r['failures']:>5} {r['fallbacks']:>5} {r['max_exposure']:>7.3f} {r['cap']:>5.2f} "
          f"{r['overlap']:>7.2f} {r['score_mean']:>6.2f} {r['score_sd']:>6.3f}")


def header() -> None:
    print(f"{'blueprint':22} {'method':18} {'bank':>7} {'items':>5} {'papers':>6} {'median_ms':>9} {'p99_ms':>8} "
          f"{'per_s':>8} {'fail':>5} {'ilp':>5} {'max_exp':>7} {'cap':>5} {'overlap':>7} {'mean':>6} {'sd':>6}")


def shipped(root: Path, papers: int, seed: int, ilp_papers: int) -> None:
    for pf in find_programs(root):
        syllabus, _ = parse_syllabus(strip_lines(read_yaml(pf.syllabus)))
        scope = scope_from_syllabus(syllabus)
        module_levels = {m.code: m.levels for m in syllabus.modules}
        entries = [e.data for path in pf.item_files for e in read_item_file(path)]
        for path in blueprint_files(pf.root):
            bp = read_blueprint(path, scope)
            items = [PoolItem(i, i, d["id"], d["type"], d["module"], int(d.get("difficulty", 3)),
                              len(d.get("options") or []), tuple(d.get("knowledge_points") or ()))
                     for i, d in enumerate(entries)
                     if d.get("status", "active") == "active"
                     and bp.level in (d.get("levels") or module_levels.get(d["module"]) or [bp.level])]
            pool = build_pool(bp, items)
            row(bp.code, "fast + fallback", pool.size, bp.item_count, run(pool, papers, seed, fast_then_ilp))
            if ilp_papers:
                row(bp.code, "whole-bank ILP", pool.size, bp.item_count, run(pool, ilp_papers, seed, whole_bank_ilp))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bank-size", type=int, action="append", help="synthetic bank size (repeatable)")
    ap.add_argument("--papers", type=int, default=10_000, help="papers per set (one sitting)")
    ap.add_argument("--ilp-papers", type=int, default=20, help="papers for the whole-bank integer program (0: skip)")
    ap.add_argument("--shipped-papers", type=int, default=2000, help="papers per shipped blueprint (0: skip)")
    ap.add_argument("--shipped-only", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    sizes = [] if args.shipped_only else (args.bank_size or [1000, 10_000, 100_000])
    bp, problems = parse_blueprint(SYNTHETIC, None)
    assert bp is not None, problems
    header()
    results = []
    for n in sizes:
        pool = build_pool(bp, synthetic_items(n))
        r = run(pool, args.papers, args.seed, fast_then_ilp)
        row("synthetic 45", "fast + fallback", n, bp.item_count, r)
        results.append((n, r))
        if args.ilp_papers:
            row("synthetic 45", "whole-bank ILP", n, bp.item_count, run(pool, args.ilp_papers, args.seed, whole_bank_ilp))
    if args.shipped_papers and (args.shipped_only or not args.bank_size):
        shipped(Path(__file__).resolve().parent.parent / "question_banks", args.shipped_papers, args.seed,
                args.ilp_papers and 5)
    if results:
        n, r = results[0] if args.bank_size else results[min(1, len(results) - 1)]
        print(f"papers bank={n} median_ms={r['median_ms']:.3f} p99_ms={r['p99_ms']:.3f} failures={r['failures']} "
              f"max_exposure={r['max_exposure']:.3f} cap={r['cap']:.3f} overlap={r['overlap']:.2f} "
              f"score_sd={r['score_sd']:.3f}")


if __name__ == "__main__":
    main()
