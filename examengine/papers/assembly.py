"""Per-candidate paper assembly in well under a millisecond per paper at 10,000 items (pure, numpy).

The fast path draws each type x module cell of the blueprint separately, preferring the least-used items
(a random key `uses + jitter` per item, so items used equally often compete at random), never above the
exposure cap and never two items of one enemy group. A repair step then swaps items inside their cell,
best swap first, until the paper's expected score is within the tolerance of the target. When that fails,
`ilp.py` solves a small integer program over a pre-sampled candidate set; when that fails too, the error names
the cell or constraint that cannot be met and by how many items. The blueprint is never relaxed.

Everything here is reproducible: the same pool, the same exposure counts and the same seed give the same paper.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from examengine.papers.blueprint import Blueprint

JITTER = 1.5  # items whose use counts differ by less than this compete at random
EXTRA = 6  # candidates kept per cell beyond those picked, for enemy skips and difficulty repair
MAX_SWAPS = 40
SHUFFLED_TYPES = frozenset({"single", "multi"})  # 对/错 keep their order


@dataclass(frozen=True)
class PoolItem:
    """An active item version that may appear on the blueprint's papers."""

    item_id: int
    version_id: int
    code: str
    type: str
    module: str
    difficulty: int
    n_options: int = 0
    knowledge_points: tuple[str, ...] = ()
    facility: float | None = None  # measured; None falls back to the blueprint's table by difficulty


@dataclass
class Cell:
    section: int
    module: str
    lo: int
    hi: int
    points: float
    members: np.ndarray  # pool indices
    has_enemies: bool = False


@dataclass
class Pool:
    """A blueprint's eligible items as arrays, grouped into cells."""

    blueprint: Blueprint
    items: list[PoolItem]
    facility: np.ndarray
    cells: list[Cell]
    section_cells: list[list[int]]
    enemy_groups: dict[int, tuple[int, ...]]  # pool index -> enemy group numbers
    kp_names: list[str]
    kp_mask: np.ndarray  # (n_kp, n_items) bool
    kp_need: np.ndarray  # (n_kp,) int

    @property
    def size(self) -> int:
        return len(self.items)


def build_pool(bp: Blueprint, items: Sequence[PoolItem]) -> Pool:
    """Keep the items a section of `bp` can use and index them by cell. Items must already fit the level."""
    wanted = {(s.type, q.module): (si, q) for si, s in enumerate(bp.sections) for q in s.quotas}
    kept = [it for it in items if (it.type, it.module) in wanted]
    kept.sort(key=lambda it: it.code)  # pool order must not depend on how the caller queried
    facility = np.array([it.facility if it.facility is not None else bp.facility.get(it.difficulty, 0.6)
                         for it in kept], dtype=np.float64)
    by_cell: dict[tuple[str, str], list[int]] = {}
    for i, it in enumerate(kept):
        by_cell.setdefault((it.type, it.module), []).append(i)
    cells: list[Cell] = []
    section_cells: list[list[int]] = [[] for _ in bp.sections]
    for si, s in enumerate(bp.sections):
        for q in s.quotas:
            section_cells[si].append(len(cells))
            cells.append(Cell(si, q.module, q.lo, q.hi, s.points,
                              np.array(by_cell.get((s.type, q.module), []), dtype=np.int64)))
    index = {it.code: i for i, it in enumerate(kept)}
    enemy_groups: dict[int, tuple[int, ...]] = {}
    for g, codes in enumerate(bp.enemies):
        for code in codes:
            if code in index:
                enemy_groups[index[code]] = (*enemy_groups.get(index[code], ()), g)
    kp_names = list(bp.kp_minimums)
    kp_mask = np.zeros((len(kp_names), len(kept)), dtype=bool)
    for k, name in enumerate(kp_names):
        for i, it in enumerate(kept):
            if name in it.knowledge_points:
                kp_mask[k, i] = True
    kp_need = np.array([bp.kp_minimums[n] for n in kp_names], dtype=np.int64)
    for cell in cells:
        cell.has_enemies = any(int(i) in enemy_groups for i in cell.members)
    return Pool(bp, kept, facility, cells, section_cells, enemy_groups, kp_names, kp_mask, kp_need)


@dataclass(frozen=True)
class Shortfall:
    """One constraint a paper cannot meet: what, where, how many needed and how many there are."""

    constraint: str  # cell | section | knowledge_point | enemies | difficulty
    where: str
    needed: float
    available: float
    message: str

    def as_dict(self) -> dict:
        return {"constraint": self.constraint, "where": self.where, "needed": self.needed,
                "available": self.available, "message": self.message}


class AssemblyFailed(Exception):
    def __init__(self, shortfalls: list[Shortfall]) -> None:
        super().__init__("; ".join(s.message for s in shortfalls) or "no paper satisfies the blueprint")
        self.shortfalls = shortfalls


@dataclass
class Draft:
    """An assembled paper: pool indices in paper order, each with the option order the candidate sees."""

    seed: int
    picks: list[int]  # pool indices, section by section in the order shown
    sections: list[int]  # section number of each pick
    option_orders: list[list[int] | None]  # displayed position -> original option index
    expected_score: float
    method: str = "fast"


@dataclass
class Assembler:
    """Assembles papers for one paper set: keeps the set's exposure counts and enforces its cap."""

    pool: Pool
    planned: int
    uses: np.ndarray = field(default=None)  # type: ignore[assignment]
    assembled: int = 0

    def __post_init__(self) -> None:
        if self.uses is None:
            self.uses = np.zeros(self.pool.size, dtype=np.int64)
        self._cell_of = np.zeros(self.pool.size, dtype=np.int64)
        for ci, cell in enumerate(self.pool.cells):
            self._cell_of[cell.members] = ci
        self._cell_uses = np.bincount(self._cell_of, weights=self.uses, minlength=len(self.pool.cells))

    @property
    def limit(self) -> int:
        """Most papers one item may appear in: the cap's share of the planned papers (at least one)."""
        planned = max(self.planned, self.assembled + 1)
        return max(1, int(np.floor(self.pool.blueprint.exposure_cap * planned + 1e-9)))

    def record(self, draft: Draft) -> None:
        picks = np.asarray(draft.picks, dtype=np.int64)
        self.uses[picks] += 1
        self._cell_uses += np.bincount(self._cell_of[picks], minlength=len(self.pool.cells))
        self.assembled += 1

    # ---- the fast path --------------------------------------------------------------------------------
    def assemble(self, seed: int) -> Draft:
        """A paper for `seed`, or AssemblyFailed naming what the fast path could not meet."""
        pool, bp = self.pool, self.pool.blueprint
        rng = np.random.Generator(np.random.PCG64(seed))
        limit = self.limit
        counts = self._cell_counts(rng, limit)
        picked_cells: list[np.ndarray] = []
        spare_cells: list[np.ndarray] = []
        used_groups: set[int] = set()
        shortfalls = []
        for ci, cell in enumerate(pool.cells):
            got, spare = self._draw(cell, counts[ci], rng, limit, used_groups)
            if len(got) < counts[ci]:
                shortfalls.append(Shortfall("cell", self.cell_name(ci), counts[ci], len(got),
                                            f"{self.cell_name(ci)}: needs {counts[ci]} items, "
                                            f"{len(got)} usable under the exposure cap and enemy groups"))
            picked_cells.append(got)
            spare_cells.append(spare)
        if shortfalls:
            raise AssemblyFailed(shortfalls)
        picks = np.concatenate(picked_cells) if picked_cells else np.zeros(0, dtype=np.int64)
        pick_cell = np.repeat(np.arange(len(picked_cells)), [len(p) for p in picked_cells])
        spares = np.concatenate(spare_cells) if spare_cells else np.zeros(0, dtype=np.int64)
        spare_cell = np.repeat(np.arange(len(spare_cells)), [len(p) for p in spare_cells])
        if len(pool.kp_names):
            self._meet_kp_minimums(picks, pick_cell, spares, spare_cell, limit, used_groups)
        points = np.array([c.points for c in pool.cells])
        expected = float(np.dot(points[pick_cell], pool.facility[picks]))
        expected = self._repair(picks, pick_cell, spares, spare_cell, points, expected, used_groups)
        lo, hi = bp.band
        if not lo - 1e-9 <= expected <= hi + 1e-9:
            # The few spares were not enough (typically late in a sitting, when the cap has taken the
            # easiest or hardest items): repair again with every usable item of the cells.
            spares, spare_cell = self._all_spares(picks, limit)
            expected = self._repair(picks, pick_cell, spares, spare_cell, points, expected, used_groups)
        if abs(expected - bp.target) > bp.tolerance + 1e-9 and not lo - 1e-9 <= expected <= hi + 1e-9:
            raise AssemblyFailed([Shortfall("difficulty", "expected_score", bp.target, round(expected, 2),
                                            f"expected score {expected:.1f} outside {lo:g}–{hi:g} after repair")])
        return self.finish(seed, picks, pick_cell, expected, rng)

    def cell_name(self, ci: int) -> str:
        cell = self.pool.cells[ci]
        return f"{self.pool.blueprint.sections[cell.section].type} × {cell.module}"

    def _cell_counts(self, rng: np.random.Generator, limit: int) -> list[int]:
        """Items per cell: exact quotas as written; the rest of a range section drawn without replacement from
        the cells' spare capacity, so modules with more usable items give more often."""
        counts = [c.lo for c in self.pool.cells]
        for si, s in enumerate(self.pool.blueprint.sections):
            cis = self.pool.section_cells[si]
            remaining = s.count - sum(counts[ci] for ci in cis)
            if remaining <= 0:
                continue
            room = np.array([min(self.pool.cells[ci].hi - counts[ci], self._usable(ci, limit) - counts[ci])
                             for ci in cis], dtype=np.float64)
            if np.maximum(room, 0).sum() < remaining:  # short: fill by the written ranges, the draw reports it
                room = np.array([self.pool.cells[ci].hi - counts[ci] for ci in cis], dtype=np.float64)
            room = np.maximum(room, 0)
            # Cells with more unused capacity give more often, which keeps exposure even across modules.
            slack = np.array([self._slack(ci, limit) for ci in cis], dtype=np.float64) + 1e-9
            for _ in range(remaining):
                weight = np.where(room > 0, slack, 0.0)
                if weight.sum() <= 0:
                    break
                k = int(np.searchsorted(np.cumsum(weight), rng.random() * weight.sum(), side="right"))
                k = min(k, len(cis) - 1)
                counts[cis[k]] += 1
                room[k] -= 1
        return counts

    def _slack(self, ci: int, limit: int) -> float:
        """Paper slots the cell's items have left under the cap, in items (no item is ever above the cap)."""
        return len(self.pool.cells[ci].members) - self._cell_uses[ci] / limit

    def _usable(self, ci: int, limit: int) -> int:
        members = self.pool.cells[ci].members
        if self._cell_uses[ci] < limit:  # not even one item can be at the cap yet
            return len(members)
        return int(np.count_nonzero(self.uses[members] < limit))

    def _draw(self, cell: Cell, need: int, rng: np.random.Generator, limit: int,
              used_groups: set[int]) -> tuple[np.ndarray, np.ndarray]:
        """`need` least-used usable items of the cell and up to EXTRA spares, enemy groups respected."""
        m = cell.members
        if not len(m):
            return m, m
        uses = self.uses[m]
        keys = uses + rng.random(len(m)) * JITTER
        if self.assembled >= limit:
            keys[uses >= limit] = np.inf
        if not cell.has_enemies:
            take = need + EXTRA
            if take >= len(m):
                order = np.argsort(keys, kind="stable")
            else:
                part = np.argpartition(keys, take - 1)[:take]
                order = part[np.argsort(keys[part], kind="stable")]
            order = order[np.isfinite(keys[order])]
            return m[order[:need]], m[order[need:take]]
        order = np.argsort(keys, kind="stable")
        got: list[int] = []
        spare: list[int] = []
        groups = self.pool.enemy_groups
        for j in order.tolist():
            if not np.isfinite(keys[j]):
                break
            idx = int(m[j])
            g = groups.get(idx)
            if len(got) < need:
                if g and used_groups.intersection(g):
                    continue
                got.append(idx)
                if g:
                    used_groups.update(g)
            elif len(spare) < EXTRA:
                spare.append(idx)
            else:
                break
        return np.array(got, dtype=np.int64), np.array(spare, dtype=np.int64)

    def _all_spares(self, picks: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
        taken = np.zeros(self.pool.size, dtype=bool)
        taken[picks] = True
        spares, cells = [], []
        for ci, cell in enumerate(self.pool.cells):
            m = cell.members[(self.uses[cell.members] < limit) & ~taken[cell.members]]
            spares.append(m)
            cells.append(np.full(len(m), ci, dtype=np.int64))
        return np.concatenate(spares), np.concatenate(cells)

    def _swap_allowed(self, out_idx: int, in_idx: int, used_groups: set[int]) -> bool:
        groups = self.pool.enemy_groups
        gin = groups.get(in_idx)
        if not gin:
            return True
        return not (used_groups - set(groups.get(out_idx, ()))).intersection(gin)

    def _apply_swap(self, out_idx: int, in_idx: int, used_groups: set[int]) -> None:
        groups = self.pool.enemy_groups
        for g in groups.get(out_idx, ()):
            used_groups.discard(g)
        used_groups.update(groups.get(in_idx, ()))

    def _meet_kp_minimums(self, picks: np.ndarray, pick_cell: np.ndarray, spares: np.ndarray,
                          spare_cell: np.ndarray, limit: int, used_groups: set[int]) -> None:
        """Swap items in until every knowledge-point minimum holds; AssemblyFailed when impossible."""
        pool = self.pool
        for k, name in enumerate(pool.kp_names):
            while int(pool.kp_mask[k, picks].sum()) < pool.kp_need[k]:
                have = pool.kp_mask[:, picks].sum(axis=1)
                taken = np.zeros(pool.size, dtype=bool)
                taken[picks] = True
                cands = np.flatnonzero(pool.kp_mask[k] & (self.uses < limit) & ~taken)
                done = False
                for c in cands.tolist():
                    for p in np.flatnonzero(pick_cell == self._cell_of[c]).tolist():
                        out_idx = int(picks[p])
                        # never take out an item another minimum still needs
                        if np.any(pool.kp_mask[:, out_idx] & (have <= pool.kp_need)):
                            continue
                        if self._swap_allowed(out_idx, c, used_groups):
                            self._apply_swap(out_idx, c, used_groups)
                            picks[p] = c
                            spares[spares == c] = out_idx
                            done = True
                            break
                    if done:
                        break
                if not done:
                    have_k = int(pool.kp_mask[k, picks].sum())
                    raise AssemblyFailed([Shortfall("knowledge_point", name, int(pool.kp_need[k]), have_k,
                                                    f"knowledge point {name}: needs {pool.kp_need[k]} items, "
                                                    f"could place {have_k}")])

    def _repair(self, picks: np.ndarray, pick_cell: np.ndarray, spares: np.ndarray, spare_cell: np.ndarray,
                points: np.ndarray, expected: float, used_groups: set[int]) -> float:
        """Best-first swaps inside cells until the expected score is within tolerance of the target."""
        bp, fac = self.pool.blueprint, self.pool.facility
        if abs(bp.target - expected) <= bp.tolerance or not len(spares):
            return expected
        locked = np.zeros(len(picks), dtype=bool)
        if len(self.pool.kp_names):  # items that carry a knowledge-point minimum stay
            locked = self.pool.kp_mask[:, picks].any(axis=0)
        same = pick_cell[:, None] == spare_cell[None, :]
        same &= ~locked[:, None]
        for _ in range(MAX_SWAPS):
            need = bp.target - expected
            if abs(need) <= bp.tolerance:
                break
            delta = (fac[spares][None, :] - fac[picks][:, None]) * points[pick_cell][:, None]
            after = np.abs(need - delta)
            gain = np.where(same, abs(need) - after, -np.inf)
            landing = same & (after <= bp.tolerance)
            if landing.any():
                # Of the swaps that land in tolerance, the least-used newcomer: repair must not wear out
                # the easiest and hardest items of a cell.
                rank = np.where(landing, self.uses[spares][None, :] * 1e3 - gain, np.inf)
                best = int(np.argmin(rank))
            else:
                best = int(np.argmax(gain))
            i, j = divmod(best, len(spares))
            if gain[i, j] <= 1e-12:
                break
            out_idx, in_idx = int(picks[i]), int(spares[j])
            if not self._swap_allowed(out_idx, in_idx, used_groups):
                same[i, j] = False
                continue
            self._apply_swap(out_idx, in_idx, used_groups)
            picks[i], spares[j] = in_idx, out_idx
            expected += float(delta[i, j])
        return expected

    def copy_of(self, form: Draft, seed: int) -> Draft:
        """A candidate's copy of a fixed form: the same items, shuffled within sections, options shuffled."""
        picks = np.asarray(form.picks, dtype=np.int64)
        return self.finish(seed, picks, self._cell_of[picks], form.expected_score,
                           np.random.Generator(np.random.PCG64(seed)), method="form")

    # ---- shared by the fast path and the integer program ---------------------------------------------
    def finish(self, seed: int, picks: np.ndarray, pick_cell: np.ndarray, expected: float,
               rng: np.random.Generator, method: str = "fast") -> Draft:
        """Order the picks section by section (shuffled if the blueprint says so) and shuffle options."""
        pool, bp = self.pool, self.pool.blueprint
        section_of = np.array([pool.cells[c].section for c in pick_cell], dtype=np.int64)
        out_picks: list[int] = []
        out_sections: list[int] = []
        for si in range(len(bp.sections)):
            members = picks[section_of == si]
            if bp.shuffle_items:
                members = members[rng.permutation(len(members))]
            else:
                members = np.array(sorted(members.tolist(), key=lambda i: pool.items[i].code), dtype=np.int64)
            out_picks.extend(int(i) for i in members)
            out_sections.extend([si] * len(members))
        orders = option_orders([pool.items[i] for i in out_picks], bp.shuffle_options, rng)
        return Draft(seed, out_picks, out_sections, orders, round(expected, 4), method)


def option_orders(items: Sequence[PoolItem], shuffle: bool, rng: np.random.Generator) -> list[list[int] | None]:
    """Per item, the original option index shown at each position; None where options keep their order."""
    out: list[list[int] | None] = [None] * len(items)
    if not shuffle:
        return out
    by_size: dict[int, list[int]] = {}
    for pos, it in enumerate(items):
        if it.type in SHUFFLED_TYPES and it.n_options > 1:
            by_size.setdefault(it.n_options, []).append(pos)
    for size, positions in sorted(by_size.items()):
        perms = np.argsort(rng.random((len(positions), size)), axis=1).tolist()
        for pos, perm in zip(positions, perms, strict=True):
            out[pos] = perm
    return out


def paper_seed(set_seed: int, number: int) -> int:
    """Each paper's own seed, derived from the paper set's seed and the paper's number (63 bits)."""
    return int(np.random.SeedSequence([set_seed, number]).generate_state(2, np.uint64)[0] >> np.uint64(1))


def expected_score(pool: Pool, picks: Sequence[int], sections: Sequence[int]) -> float:
    points = np.array([pool.blueprint.sections[s].points for s in sections])
    return float(np.dot(points, pool.facility[np.asarray(picks, dtype=np.int64)]))


def mean_overlap(papers: Sequence[Sequence[int]], pairs: int = 2000, seed: int = 0) -> float:
    """Items two papers share, averaged over random pairs of distinct papers."""
    if len(papers) < 2:
        return 0.0
    sets = [set(p) for p in papers]
    shared = [len(sets[a] & sets[b]) for a, b in np.random.default_rng(seed).integers(0, len(sets), (pairs, 2))
              if a != b]
    return float(np.mean(shared)) if shared else 0.0
