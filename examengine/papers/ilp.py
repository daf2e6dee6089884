"""The fallback: an integer program over a pre-sampled candidate set, solved with HiGHS (pure).

Used when the fast path cannot meet the blueprint (tight cells, enemy groups, knowledge-point minimums, a
narrow difficulty band) and for fixed forms with an overlap limit. The candidates are the least-used usable
items of each cell; if the sample has no solution the whole cells are tried; if they have none either,
`diagnose` names the constraint that cannot be met. With `candidates_per_cell=None` it is the whole-bank
integer program other engines use, kept as the benchmark's reference.
"""

from __future__ import annotations

from collections.abc import Sequence

import highspy
import numpy as np

from examengine.papers.assembly import JITTER, Assembler, AssemblyFailed, Draft, Shortfall

INF = highspy.kHighsInf


def solve(asm: Assembler, seed: int, *, candidates_per_cell: int | None = 40, time_limit: float = 2.0,
          at_most: Sequence[tuple[np.ndarray, int]] = ()) -> Draft:
    """A paper meeting every constraint, or AssemblyFailed with the diagnosis.

    `at_most` adds rows "at most n of these pool indices" (fixed forms: overlap with earlier forms)."""
    rng = np.random.Generator(np.random.PCG64(seed ^ 0x5EED))
    bp = asm.pool.blueprint
    tight = (max(bp.band[0], bp.target - bp.tolerance), min(bp.band[1], bp.target + bp.tolerance))
    attempts = [(candidates_per_cell, tight), (candidates_per_cell, bp.band)]
    if candidates_per_cell is not None:
        attempts += [(None, tight), (None, bp.band)]
    for per_cell, band in attempts:
        result = _solve_once(asm, rng, per_cell, band, at_most, time_limit)
        if result is not None:
            picks, pick_cell, expected = result
            return asm.finish(seed, picks, pick_cell, expected, rng, method="ilp")
    raise AssemblyFailed(diagnose(asm, at_most))


def _solve_once(asm: Assembler, rng: np.random.Generator, per_cell: int | None, band: tuple[float, float],
                at_most: Sequence[tuple[np.ndarray, int]], time_limit: float):
    pool, bp = asm.pool, asm.pool.blueprint
    limit = asm.limit
    cand: list[np.ndarray] = []
    for cell in pool.cells:
        m = cell.members[asm.uses[cell.members] < limit]
        if per_cell is not None and len(m) > max(per_cell, 5 * cell.hi):
            keys = asm.uses[m] + rng.random(len(m)) * JITTER
            m = m[np.argpartition(keys, max(per_cell, 5 * cell.hi) - 1)[: max(per_cell, 5 * cell.hi)]]
        cand.append(m)
    cols = np.concatenate(cand) if cand else np.zeros(0, dtype=np.int64)
    col_cell = np.concatenate([np.full(len(c), ci) for ci, c in enumerate(cand)]).astype(np.int64)
    n = len(cols)
    if n == 0:
        return None
    points = np.array([c.points for c in pool.cells])[col_cell]
    score = points * pool.facility[cols]
    # Least-used first, ties broken at random so whole-bank solutions differ from paper to paper.
    cost = asm.uses[cols].astype(np.float64) + rng.random(n) * JITTER

    rows_lo: list[float] = []
    rows_hi: list[float] = []
    starts: list[int] = []
    index: list[np.ndarray] = []
    values: list[np.ndarray] = []
    nnz = 0

    def row(cols_idx: np.ndarray, vals: np.ndarray, lo: float, hi: float) -> None:
        nonlocal nnz
        starts.append(nnz)
        index.append(cols_idx.astype(np.int32))
        values.append(vals.astype(np.float64))
        rows_lo.append(lo)
        rows_hi.append(hi)
        nnz += len(cols_idx)

    for ci, cell in enumerate(pool.cells):
        idx = np.flatnonzero(col_cell == ci)
        row(idx, np.ones(len(idx)), cell.lo, cell.hi)
    for si, s in enumerate(bp.sections):
        cells = pool.section_cells[si]
        if any(pool.cells[c].lo != pool.cells[c].hi for c in cells):
            idx = np.flatnonzero(np.isin(col_cell, cells))
            row(idx, np.ones(len(idx)), s.count, s.count)
    pos = {int(p): j for j, p in enumerate(cols)}
    groups: dict[int, list[int]] = {}
    for p, gs in pool.enemy_groups.items():
        if p in pos:
            for g in gs:
                groups.setdefault(g, []).append(pos[p])
    for members in groups.values():
        if len(members) > 1:
            row(np.array(members), np.ones(len(members)), -INF, 1)
    for k in range(len(pool.kp_names)):
        idx = np.flatnonzero(pool.kp_mask[k, cols])
        row(idx, np.ones(len(idx)), float(pool.kp_need[k]), INF)
    row(np.arange(n), score, band[0], band[1])
    for members, most in at_most:
        idx = np.flatnonzero(np.isin(cols, members))
        if len(idx):
            row(idx, np.ones(len(idx)), -INF, most)

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("random_seed", int(rng.integers(0, 2**31 - 1)))
    h.addVars(n, np.zeros(n), np.ones(n))
    all_cols = np.arange(n, dtype=np.int32)
    h.changeColsIntegrality(n, all_cols, np.array([highspy.HighsVarType.kInteger] * n))
    h.changeColsCost(n, all_cols, cost)
    h.addRows(len(rows_lo), np.array(rows_lo), np.array(rows_hi), nnz, np.array(starts, dtype=np.int32),
              np.concatenate(index) if index else np.zeros(0, dtype=np.int32),
              np.concatenate(values) if values else np.zeros(0))
    h.run()
    status = h.getModelStatus()
    solved = status == highspy.HighsModelStatus.kOptimal or (
        status in (highspy.HighsModelStatus.kTimeLimit, highspy.HighsModelStatus.kInterrupt)
        and h.getInfo().primal_solution_status == 2)  # a feasible point was found before the limit
    if not solved:
        return None
    x = np.asarray(h.getSolution().col_value) > 0.5
    picks = cols[x]
    return picks.copy(), col_cell[x].copy(), float(score[x].sum())


def diagnose(asm: Assembler, at_most: Sequence[tuple[np.ndarray, int]] = ()) -> list[Shortfall]:
    """Which constraint cannot be met with the usable items, and by how many items (or points)."""
    pool, bp = asm.pool, asm.pool.blueprint
    limit = asm.limit
    usable_mask = asm.uses < limit
    out: list[Shortfall] = []
    for ci, cell in enumerate(pool.cells):
        members = cell.members[usable_mask[cell.members]]
        distinct = usable_together(pool, members)
        if distinct < cell.lo:
            name = asm.cell_name(ci)
            why = " (enemy groups allow one each)" if distinct < len(members) else ""
            out.append(Shortfall("cell", name, cell.lo, distinct,
                                 f"{name}: needs {cell.lo}, {distinct} usable{why}; short by {cell.lo - distinct}"))
    for si, s in enumerate(bp.sections):
        cap = sum(min(pool.cells[c].hi, usable_together(pool, pool.cells[c].members[usable_mask[pool.cells[c].members]]))
                  for c in pool.section_cells[si])
        if cap < s.count:
            out.append(Shortfall("section", s.type, s.count, cap,
                                 f"section {s.type}: needs {s.count}, the modules can give {cap}; "
                                 f"short by {s.count - cap}"))
    in_cells = np.zeros(pool.size, dtype=bool)
    for cell in pool.cells:
        in_cells[cell.members] = True
    for k, name in enumerate(pool.kp_names):
        have = int(np.count_nonzero(pool.kp_mask[k] & usable_mask & in_cells))
        if have < pool.kp_need[k]:
            out.append(Shortfall("knowledge_point", name, int(pool.kp_need[k]), have,
                                 f"knowledge point {name}: needs {pool.kp_need[k]}, {have} usable; "
                                 f"short by {int(pool.kp_need[k]) - have}"))
    if not out:
        lo, hi = score_range(asm)
        if hi < bp.band[0] or lo > bp.band[1]:
            out.append(Shortfall("difficulty", "expected_score", bp.band[0] if hi < bp.band[0] else bp.band[1],
                                 round(hi if hi < bp.band[0] else lo, 2),
                                 f"expected score can range {lo:.1f}–{hi:.1f}, outside the band "
                                 f"{bp.band[0]:g}–{bp.band[1]:g}"))
    if not out:
        what = "the overlap limit with earlier forms" if at_most else "enemy groups and minimums"
        out.append(Shortfall("combination", "blueprint", 1, 0,
                             f"each constraint can be met alone but not all together ({what})"))
    return out


def usable_together(pool, members: np.ndarray) -> int:
    """Items usable together: those outside enemy groups plus one per group represented."""
    free = 0
    groups: set[int] = set()
    for m in members.tolist():
        g = pool.enemy_groups.get(m)
        if g:
            groups.add(g[0])
        else:
            free += 1
    return free + len(groups)


def score_range(asm: Assembler) -> tuple[float, float]:
    """Lowest and highest expected score a paper can have with the usable items (greedy is exact here:
    every cell's minimum first, then the rest of the section's count from any cell with room)."""
    pool, bp = asm.pool, asm.pool.blueprint
    usable = asm.uses < asm.limit
    low = high = 0.0
    for si, s in enumerate(bp.sections):
        for sign in (1, -1):
            total = 0.0
            rest: list[float] = []
            taken = 0
            for c in pool.section_cells[si]:
                cell = pool.cells[c]
                f = np.sort(sign * pool.facility[cell.members[usable[cell.members]]])
                total += float(f[: cell.lo].sum())
                taken += min(cell.lo, len(f))
                rest.extend(f[cell.lo: cell.hi].tolist())
            rest.sort()
            total += sum(rest[: max(0, s.count - taken)])
            if sign == 1:
                low += s.points * total
            else:
                high += -s.points * total
    return low, high
