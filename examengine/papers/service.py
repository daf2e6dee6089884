"""Use cases of blueprints and papers. Each public function is one transaction and checks permissions first."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from examengine.auth.models import User
from examengine.auth.permissions import require
from examengine.bank.itemtypes import get_type
from examengine.bank.models import Item, ItemVersion, KnowledgePoint, Level, Module, Program
from examengine.bank.models import version_knowledge_points as vkp
from examengine.bank.service import get_program, version_content
from examengine.db import db, utcnow
from examengine.errors import Conflict, NotFound, ValidationError
from examengine.papers import ilp
from examengine.papers.assembly import (
    Assembler,
    AssemblyFailed,
    Draft,
    Pool,
    PoolItem,
    build_pool,
    mean_overlap,
    paper_seed,
)
from examengine.papers.blueprint import Blueprint, ModuleScope, ProgramScope, blueprint_from_dict, rule_text
from examengine.papers.blueprintfile import BlueprintEntry
from examengine.papers.feasibility import FeasibilityReport, check
from examengine.papers.models import Blueprint as BlueprintRow
from examengine.papers.models import Paper, PaperItem, PaperSet
from examengine.papers.options import shown_content

MAX_PAPERS = 50_000
SEED_LIMIT = 2**63


# ---- blueprints ------------------------------------------------------------------------------------------

def program_scope(program: Program) -> ProgramScope:
    modules = db.session.scalars(select(Module).where(Module.program_id == program.id)
                                 .options(selectinload(Module.knowledge_points), selectinload(Module.work_type)))
    levels = db.session.scalars(select(Level).where(Level.program_id == program.id)
                                .options(selectinload(Level.work_types)))
    return ProgramScope(
        code=program.code,
        level_work_types={lv.code: tuple(w.code for w in lv.work_types) for lv in levels},
        modules={m.code: ModuleScope(tuple(m.levels or ()), m.work_type.code if m.work_type else None,
                                     frozenset(k.code for k in m.knowledge_points)) for m in modules},
    )


def program_item_codes(program: Program) -> set[str]:
    return set(db.session.scalars(select(Item.code).where(Item.program_id == program.id)))


def load_blueprints(program: Program, entries: list[BlueprintEntry], base: Path | None = None) -> dict[str, int]:
    """Create or update blueprint rows from checked files, by code. Paper sets keep their own snapshot."""
    existing = {b.code: b for b in db.session.scalars(select(BlueprintRow).where(BlueprintRow.program_id == program.id))}
    result = {"created": 0, "updated": 0, "unchanged": 0}
    for e in entries:
        bp = e.blueprint
        path = str(e.path.relative_to(base)) if base and e.path.is_relative_to(base) else str(e.path)
        row = existing.get(bp.code)
        if row is None:
            other = db.session.scalar(select(BlueprintRow).where(BlueprintRow.code == bp.code))
            if other is not None:
                raise Conflict(f"blueprint code {bp.code} is already used by another program",
                               code="BLUEPRINT_CODE_TAKEN")
            row = BlueprintRow(program_id=program.id, code=bp.code)
            db.session.add(row)
            result["created"] += 1
        elif row.content_hash == e.content_hash:
            result["unchanged"] += 1
            continue
        else:
            result["updated"] += 1
        row.title, row.level, row.work_type = bp.title, bp.level, bp.work_type
        row.data, row.content_hash, row.source_path, row.loaded_at = bp.as_dict(), e.content_hash, path, utcnow()
    db.session.commit()
    return result


def _blueprint_row(code: str) -> BlueprintRow:
    row = db.session.scalar(select(BlueprintRow).where(BlueprintRow.code == code)
                            .options(selectinload(BlueprintRow.program)))
    if row is None:
        raise NotFound(f"blueprint {code} does not exist", code="BLUEPRINT_NOT_FOUND")
    return row


def list_blueprints(actor: User | None, program: str | None = None) -> list[BlueprintRow]:
    require(actor, "blueprints.read")
    q = select(BlueprintRow).options(selectinload(BlueprintRow.program)).order_by(BlueprintRow.code)
    if program:
        q = q.where(BlueprintRow.program_id == get_program(program).id)
    return list(db.session.scalars(q))


def get_blueprint(actor: User | None, code: str) -> tuple[BlueprintRow, Blueprint]:
    require(actor, "blueprints.read")
    row = _blueprint_row(code)
    return row, blueprint_from_dict(row.data)


# ---- the pool ---------------------------------------------------------------------------------------------

def pool_items(program_id: int, bp: Blueprint) -> list[PoolItem]:
    """The active items whose current version fits the blueprint's level, types and modules."""
    types = {s.type for s in bp.sections}
    modules = {q.module for s in bp.sections for q in s.quotas}
    rows = db.session.execute(
        select(Item.id, Item.code, Item.type, ItemVersion.id, ItemVersion.difficulty, ItemVersion.levels,
               ItemVersion.options, Module.code)
        .join(ItemVersion, ItemVersion.id == Item.current_version_id)
        .join(Module, Module.id == ItemVersion.module_id)
        .where(Item.program_id == program_id, Item.status == "active", Item.type.in_(types),
               Module.code.in_(modules))
    ).all()
    kps: dict[int, list[str]] = {}
    if bp.kp_minimums:
        for vid, kp in db.session.execute(
                select(vkp.c.version_id, KnowledgePoint.code).join(KnowledgePoint, KnowledgePoint.id == vkp.c.knowledge_point_id)
                .where(KnowledgePoint.code.in_(list(bp.kp_minimums)))):
            kps.setdefault(vid, []).append(kp)
    return [PoolItem(item_id, vid, code, type_, module, difficulty, len(options or []), tuple(kps.get(vid, ())))
            for item_id, code, type_, vid, difficulty, levels, options, module in rows
            if not levels or bp.level in levels]


def _pool(row: BlueprintRow) -> Pool:
    bp = blueprint_from_dict(row.data)
    return build_pool(bp, pool_items(row.program_id, bp))


def check_blueprint(actor: User | None, code: str, planned: int = 1000, trial: int = 300) -> FeasibilityReport:
    require(actor, "blueprints.read")
    if planned < 1:
        raise ValidationError({"planned": ["must be at least 1"]})
    return check(_pool(_blueprint_row(code)), planned, trial_papers=trial)


# ---- generating papers ----------------------------------------------------------------------------------

@dataclass
class GenerateResult:
    paper_set: PaperSet
    papers: int
    fallbacks: int
    stats: dict[str, Any]


def generate(actor: User | None, code: str, count: int, seed: int | None = None, *, mode: str = "unique",
             forms: int = 4, max_overlap: float = 0.3, label: str = "") -> GenerateResult:
    """Assemble and store a paper set of `count` papers (one per candidate) in one transaction.

    unique: every paper assembled on its own under the exposure cap. fixed: `forms` parallel forms assembled
    first with at most `max_overlap` of their items shared pairwise, then given to candidates at random, with
    items and options shuffled per candidate."""
    actor = require(actor, "papers.manage")
    if not 1 <= count <= MAX_PAPERS:
        raise ValidationError({"count": [f"must be between 1 and {MAX_PAPERS}"]})
    if mode not in ("unique", "fixed"):
        raise ValidationError({"mode": ["must be unique or fixed"]})
    if mode == "fixed" and not (1 <= forms <= 50 and 0 <= max_overlap <= 1):
        raise ValidationError({"forms": ["1 to 50 forms, max_overlap between 0 and 1"]})
    seed = int(np.random.SeedSequence().entropy % SEED_LIMIT) if seed is None else int(seed)
    if not 0 <= seed < SEED_LIMIT:
        raise ValidationError({"seed": ["must be between 0 and 2^63 - 1"]})
    row = _blueprint_row(code)
    pool = _pool(row)
    bp = pool.blueprint
    pset = PaperSet(blueprint_id=row.id, label=label, mode=mode, planned=count, seed=seed, spec=bp.as_dict(),
                    max_overlap=Decimal(str(max_overlap)) if mode == "fixed" else None, created_by_id=actor.id)
    db.session.add(pset)
    db.session.flush()
    if mode == "unique":
        drafts, fallbacks = assemble_unique(pool, count, seed)
        form_ids: list[int | None] = [None] * count
    else:
        form_drafts, fallbacks = assemble_forms(pool, forms, max_overlap, seed)
        form_rows = _store(pset, form_drafts, pool, numbers=range(-len(form_drafts), 0), is_form=True)
        rng = np.random.Generator(np.random.PCG64(seed))
        # balanced and random: every form given to count/forms candidates (±1), in a random order
        assignment = rng.permutation(np.arange(count) % len(form_drafts))
        copier = Assembler(pool, count)
        drafts = [copier.copy_of(form_drafts[f], paper_seed(seed, n)) for n, f in enumerate(assignment)]
        form_ids = [form_rows[int(f)] for f in assignment]
    _store(pset, drafts, pool, numbers=range(1, count + 1), form_ids=form_ids)
    db.session.commit()
    return GenerateResult(pset, count, fallbacks, draft_stats(pool, drafts))


def extend_set(paper_set_id: int, count: int = 1) -> list[int]:
    """Assemble `count` more papers for a set under its exposure cap, counting the papers it already has (for a
    candidate who starts without a prepared paper). The caller commits; the set's row is locked meanwhile."""
    pset = db.session.get(PaperSet, paper_set_id, with_for_update=True)
    if pset is None:
        raise NotFound(f"paper set {paper_set_id}", code="PAPER_SET_NOT_FOUND")
    if pset.mode != "unique":
        raise Conflict("a set of fixed forms cannot be extended", code="PAPER_SET_FIXED")
    pool = _pool(pset.blueprint)
    have = db.session.scalar(select(func.coalesce(func.max(Paper.number), 0))
                             .where(Paper.paper_set_id == pset.id, ~Paper.is_form))
    uses = np.zeros(pool.size, dtype=np.int64)
    index = {it.item_id: i for i, it in enumerate(pool.items)}
    for item_id, n in exposure_counts(pset.id).items():
        if item_id in index:
            uses[index[item_id]] = n
    pset.planned = max(pset.planned, have + count)
    drafts, _ = assemble_unique(pool, count, int(pset.seed), Assembler(pool, pset.planned, uses=uses,
                                                                        assembled=have), first=have + 1)
    return _store(pset, drafts, pool, numbers=range(have + 1, have + count + 1))


def assemble_unique(pool: Pool, count: int, seed: int, asm: Assembler | None = None,
                    first: int = 1) -> tuple[list[Draft], int]:
    """`count` papers, fast path first, integer program when it fails; AssemblyFailed names the shortfall."""
    asm = asm or Assembler(pool, count)
    drafts = []
    fallbacks = 0
    for n in range(first, first + count):
        s = paper_seed(seed, n)
        try:
            d = asm.assemble(s)
        except AssemblyFailed:
            fallbacks += 1
            try:
                d = ilp.solve(asm, s)
            except AssemblyFailed as exc:
                raise ValidationError({"blueprint": [str(exc)]}, code="BLUEPRINT_INFEASIBLE",
                                      shortfalls=[x.as_dict() for x in exc.shortfalls], paper=n) from exc
        asm.record(d)
        drafts.append(d)
    return drafts, fallbacks


def assemble_forms(pool: Pool, forms: int, max_overlap: float, seed: int) -> tuple[list[Draft], int]:
    """Parallel forms: each shares at most `max_overlap` of its items with every earlier form."""
    asm = Assembler(pool, forms)
    most = int(np.floor(max_overlap * pool.blueprint.item_count + 1e-9))
    out: list[Draft] = []
    fallbacks = 0
    for f in range(forms):
        s = paper_seed(seed, 2**32 + f)  # form seeds apart from the candidates' paper numbers
        earlier = [(np.asarray(d.picks, dtype=np.int64), most) for d in out]
        try:
            d = asm.assemble(s)
            if any(len(set(d.picks) & set(e.tolist())) > most for e, _ in earlier):
                raise AssemblyFailed([])
        except AssemblyFailed:
            fallbacks += 1
            try:
                d = ilp.solve(asm, s, at_most=earlier)
            except AssemblyFailed as exc:
                raise ValidationError({"forms": [str(exc)]}, code="BLUEPRINT_INFEASIBLE",
                                      shortfalls=[x.as_dict() for x in exc.shortfalls], form=f + 1) from exc
        asm.record(d)
        out.append(d)
    return out, fallbacks


def draft_stats(pool: Pool, drafts: list[Draft]) -> dict[str, Any]:
    uses = np.zeros(pool.size, dtype=np.int64)
    for d in drafts:
        uses[np.asarray(d.picks, dtype=np.int64)] += 1
    scores = np.array([d.expected_score for d in drafts])
    return {
        "papers": len(drafts), "items_per_paper": pool.blueprint.item_count, "pool": pool.size,
        "max_exposure": round(float(uses.max()) / len(drafts), 4) if drafts else 0.0,
        "exposure_cap": pool.blueprint.exposure_cap, "items_used": int(np.count_nonzero(uses)),
        "mean_overlap": round(mean_overlap([d.picks for d in drafts]), 3),
        "score_mean": round(float(scores.mean()), 3) if drafts else 0.0,
        "score_sd": round(float(scores.std()), 3) if drafts else 0.0,
        "score_min": round(float(scores.min()), 3) if drafts else 0.0,
        "score_max": round(float(scores.max()), 3) if drafts else 0.0,
        "methods": {m: sum(d.method == m for d in drafts) for m in sorted({d.method for d in drafts})},
    }


def _store(pset: PaperSet, drafts: list[Draft], pool: Pool, numbers, is_form: bool = False,
           form_ids: list[int | None] | None = None) -> list[int]:
    """Insert papers and their items with bulk statements (10,000 papers of 100 items in seconds)."""
    bp = pool.blueprint
    total = Decimal(str(bp.total_points))
    now = utcnow()
    paper_rows = [{"paper_set_id": pset.id, "number": n, "seed": d.seed, "is_form": is_form,
                   "form_id": form_ids[k] if form_ids else None, "method": d.method,
                   "expected_score": Decimal(str(round(d.expected_score, 2))), "total_points": total,
                   "layout": [[pool.items[i].type, pool.items[i].n_options] for i in d.picks],
                   "created_at": now} for k, (n, d) in enumerate(zip(numbers, drafts, strict=True))]
    for start in range(0, len(paper_rows), 1000):
        chunk = paper_rows[start:start + 1000]
        db.session.execute(insert(Paper), chunk)
    numbers = list(numbers)
    ids = list(db.session.scalars(select(Paper.id).where(Paper.paper_set_id == pset.id, Paper.is_form == is_form,
                                                         Paper.number.between(min(numbers), max(numbers)))
                                  .order_by(Paper.number)))
    item_rows = []
    for pid, d in zip(ids, drafts, strict=True):
        for pos, (idx, sec, order) in enumerate(zip(d.picks, d.sections, d.option_orders, strict=True), start=1):
            it = pool.items[idx]
            item_rows.append({"paper_id": pid, "position": pos, "section": sec, "item_id": it.item_id,
                              "item_version_id": it.version_id, "points": Decimal(str(bp.sections[sec].points)),
                              "option_order": order})
        if len(item_rows) >= 20_000:
            db.session.execute(insert(PaperItem), item_rows)
            item_rows = []
    if item_rows:
        db.session.execute(insert(PaperItem), item_rows)
    return ids


# ---- reading papers --------------------------------------------------------------------------------------

def list_paper_sets(actor: User | None, code: str | None = None) -> list[tuple[PaperSet, int]]:
    require(actor, "papers.manage")
    q = (select(PaperSet, func.count(Paper.id)).join(Paper, (Paper.paper_set_id == PaperSet.id) & ~Paper.is_form,
                                                     isouter=True)
         .group_by(PaperSet.id).order_by(PaperSet.id.desc()))
    if code:
        q = q.where(PaperSet.blueprint_id == _blueprint_row(code).id)
    return [(s, n) for s, n in db.session.execute(q).all()]


def get_paper(actor: User | None, paper_id: int) -> Paper:
    require(actor, "papers.manage")
    paper = db.session.scalar(select(Paper).where(Paper.id == paper_id).options(
        selectinload(Paper.paper_set).selectinload(PaperSet.blueprint).selectinload(BlueprintRow.program),
        selectinload(Paper.items).selectinload(PaperItem.item_version).selectinload(ItemVersion.module),
        selectinload(Paper.items).selectinload(PaperItem.item_version).selectinload(ItemVersion.knowledge_points),
        selectinload(Paper.items).selectinload(PaperItem.item_version).selectinload(ItemVersion.item)))
    if paper is None:
        raise NotFound(f"paper {paper_id} does not exist", code="PAPER_NOT_FOUND")
    return paper


def paper_view(actor: User | None, paper_id: int, keys: bool = False, lang: str = "zh") -> dict[str, Any]:
    """The paper as its candidate sees it (options in their shown order, shown letters), or with keys for staff.

    The same dict feeds the preview page, the printable PDF and the API."""
    return _view(get_paper(actor, paper_id), keys, lang)


def candidate_paper(paper_id: int, lang: str = "zh") -> dict[str, Any]:
    """The paper as its candidate sees it, never with keys. The caller has checked that the paper is theirs."""
    paper = db.session.get(Paper, paper_id)
    if paper is None:
        raise NotFound(f"paper {paper_id}", code="PAPER_NOT_FOUND")
    return _view(paper, False, lang)


def paper_layout(paper_id: int) -> list[list[Any]]:
    """Per position, [item type, option count]: what a save needs to validate a response."""
    stored = db.session.scalar(select(Paper.layout).where(Paper.id == paper_id))
    if stored is not None:
        return stored
    rows = db.session.execute(
        select(PaperItem.position, Item.type, ItemVersion.options).join(ItemVersion, ItemVersion.id ==
                                                                         PaperItem.item_version_id)
        .join(Item, Item.id == ItemVersion.item_id).where(PaperItem.paper_id == paper_id).order_by(PaperItem.position))
    return [[t, len(opts or [])] for _, t, opts in rows]


def _view(paper: Paper, keys: bool, lang: str) -> dict[str, Any]:
    spec = paper.paper_set.spec
    program = paper.paper_set.blueprint.program
    level = db.session.scalar(select(Level).where(Level.program_id == program.id, Level.code == spec["level"]))
    work_type = next((w for w in program.work_types if w.code == spec.get("work_type")), None)
    numerals = "一二三四五六七八九十"
    sections = []
    for si, s in enumerate(spec["sections"]):
        title = s["title"] if lang == "zh" else s.get("title_en") or s["title"]
        prefix = f"{numerals[si]}、" if lang == "zh" and si < len(numerals) else f"{si + 1}. "
        sections.append({"title": prefix + title, "type": s["type"], "count": s["count"], "points_each": s["points"],
                         "instructions": s.get("instructions", ""), "rule": s.get("rule"),
                         "rule_text": rule_text(s.get("rule"), lang), "items": []})
    for pi in paper.items:
        v = pi.item_version
        item_type = get_type(v.item.type)
        content = shown_content(version_content(v), pi.option_order)
        content["points"] = float(pi.points)
        view = item_type.candidate_view(content)
        view.update(position=pi.position, options=view.get("options", []))
        if keys:
            view.update(key=item_type.key_text(content), item_code=v.item.code, item_id=v.item_id, version=v.number,
                        module=v.module.code, difficulty=v.difficulty, original_order=pi.option_order)
            if v.item.type == "short":
                view.update(references=list(v.references or []), rubric=list(v.rubric or []),
                            item_points=float(v.points))
        sections[pi.section]["items"].append(view)
    return {
        "paper_id": paper.id, "number": paper.number, "seed": int(paper.seed), "is_form": paper.is_form,
        "paper_set": paper.paper_set_id, "blueprint": spec["code"], "title": spec["title"] if lang == "zh"
        else spec.get("title_en") or spec["title"], "program": program.name if lang == "zh" else program.name_en,
        "level": (level.name if lang == "zh" else level.name_en) if level else spec["level"],
        "work_type": (work_type.name if lang == "zh" else work_type.name_en) if work_type else "",
        "duration_minutes": spec["duration_minutes"], "total_points": spec["total_points"],
        "pass_mark": spec["pass_mark"], "method": paper.method,
        "expected_score": float(paper.expected_score) if keys else None,
        "created_at": paper.created_at, "sections": sections, "with_keys": keys,
    }


def exposure_counts(paper_set_id: int) -> dict[int, int]:
    """How many of the set's candidate papers each item is on (for the cap and for staff)."""
    rows = db.session.execute(
        select(PaperItem.item_id, func.count()).join(Paper, Paper.id == PaperItem.paper_id)
        .where(Paper.paper_set_id == paper_set_id, Paper.is_form.is_(False)).group_by(PaperItem.item_id))
    return {i: n for i, n in rows}


def paper_ids(paper_set_id: int) -> list[int]:
    return list(db.session.scalars(select(Paper.id).where(Paper.paper_set_id == paper_set_id, ~Paper.is_form)
                                   .order_by(Paper.number)))
