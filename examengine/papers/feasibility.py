"""Can the bank carry this blueprint for a sitting of N candidates? A report per cell (pure).

Checked before a sitting may be scheduled: per type x module cell the items needed, the items available,
and the minimum the exposure cap implies (a cell that gives k items to every paper needs at least k / cap
items, or some item would appear on more than the cap's share of papers); then sections, knowledge points,
enemy groups, the reachable range of expected scores against the band, and a trial run of the assembler.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from examengine.papers.assembly import Assembler, AssemblyFailed, Pool, paper_seed
from examengine.papers.ilp import score_range, solve, usable_together


@dataclass
class CellReport:
    section: str
    module: str
    needed: str  # "3" or "2–4"
    needed_min: int
    available: int
    usable_together: int  # with enemy groups counted once
    cap_minimum: int
    short_by: int

    @property
    def ok(self) -> bool:
        return self.short_by == 0


@dataclass
class Trial:
    papers: int
    failures: int
    fallbacks: int
    max_exposure: float
    score_mean: float
    score_sd: float
    messages: list[str] = field(default_factory=list)


@dataclass
class FeasibilityReport:
    blueprint: str
    planned: int
    exposure_cap: float
    pool_size: int
    cells: list[CellReport]
    problems: list[str]
    score_range: tuple[float, float]
    band: tuple[float, float]
    trial: Trial | None

    @property
    def feasible(self) -> bool:
        return not self.problems and (self.trial is None or self.trial.failures == 0)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["feasible"] = self.feasible
        for c, cell in zip(d["cells"], self.cells, strict=True):
            c["ok"] = cell.ok
        return d


def check(pool: Pool, planned: int, trial_papers: int = 300, seed: int = 1) -> FeasibilityReport:
    bp = pool.blueprint
    cap = bp.exposure_cap
    cells = []
    problems = []
    for cell in pool.cells:
        section = bp.sections[cell.section]
        distinct = usable_together(pool, cell.members)
        cap_min = math.ceil(cell.lo / cap - 1e-9) if cell.lo else 0
        # with fewer papers than the cap's denominator, one use per item is the binding limit
        cap_min = min(cap_min, cell.lo * planned) if planned else cap_min
        short = max(0, cell.lo - distinct, cap_min - distinct)
        cells.append(CellReport(section.type, cell.module, str(cell.lo) if cell.lo == cell.hi else f"{cell.lo}–{cell.hi}",
                                cell.lo, len(cell.members), distinct, cap_min, short))
        if short:
            problems.append(f"{section.type} × {cell.module}: needs {cell.lo} per paper and {cap_min} items under "
                            f"the exposure cap {cap:g}; has {distinct}; short by {short}")
    for si, s in enumerate(bp.sections):
        cells_s = [pool.cells[c] for c in pool.section_cells[si]]
        give = sum(min(c.hi, usable_together(pool, c.members)) for c in cells_s)
        if give < s.count:
            problems.append(f"section {s.type}: needs {s.count} per paper; the module ranges give at most {give}; "
                            f"short by {s.count - give}")
        have = sum(usable_together(pool, c.members) for c in cells_s)
        need = min(math.ceil(s.count / cap - 1e-9), s.count * max(planned, 1))
        if have < need:
            problems.append(f"section {s.type}: needs {need} items under the exposure cap {cap:g}, has {have}; "
                            f"short by {need - have}")
    for k, name in enumerate(pool.kp_names):
        have = int(np.count_nonzero(pool.kp_mask[k]))
        need = max(int(pool.kp_need[k]), min(math.ceil(pool.kp_need[k] / cap - 1e-9), int(pool.kp_need[k]) * planned))
        if have < need:
            problems.append(f"knowledge point {name}: needs {pool.kp_need[k]} per paper and {need} items under the "
                            f"exposure cap, has {have}; short by {need - have}")
    asm = Assembler(pool, planned)
    lo, hi = score_range(asm)
    if hi < bp.band[0] or lo > bp.band[1]:
        problems.append(f"expected score can range {lo:.1f}–{hi:.1f}, outside the band {bp.band[0]:g}–{bp.band[1]:g}")
    trial = None
    if not problems and trial_papers:
        trial = run_trial(pool, min(trial_papers, planned), seed)
    return FeasibilityReport(bp.code, planned, cap, pool.size, cells, problems, (round(lo, 2), round(hi, 2)),
                             bp.band, trial)


def run_trial(pool: Pool, papers: int, seed: int) -> Trial:
    """Assemble `papers` papers in memory (nothing stored), the exposure cap counted among them."""
    asm = Assembler(pool, papers)
    scores = []
    failures = fallbacks = 0
    messages: list[str] = []
    for n in range(papers):
        s = paper_seed(seed, n)
        try:
            try:
                draft = asm.assemble(s)
            except AssemblyFailed:
                fallbacks += 1
                draft = solve(asm, s)
        except AssemblyFailed as exc:
            failures += 1
            if len(messages) < 5:
                messages.append(str(exc))
            continue
        asm.record(draft)
        scores.append(draft.expected_score)
    return Trial(papers, failures, fallbacks, round(float(asm.uses.max()) / max(asm.assembled, 1), 4),
                 round(float(np.mean(scores)), 2) if scores else 0.0,
                 round(float(np.std(scores)), 3) if scores else 0.0, messages)
