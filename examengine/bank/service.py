"""Use cases of the item bank. Each public function is one transaction and checks permissions first."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from examengine.auth.models import User
from examengine.auth.permissions import require
from examengine.bank.content import STATUSES, VERSION_FIELDS, ModuleInfo, ProgramInfo, check_item
from examengine.bank.diff import diff_contents
from examengine.bank.duplicates import DuplicateIndex, item_text
from examengine.bank.itemtypes import REGISTRY, Issues, get_type
from examengine.bank.models import (
    Item,
    ItemStatusChange,
    ItemVersion,
    KnowledgePoint,
    Level,
    Module,
    Program,
    WorkType,
)
from examengine.bank.search import query_terms
from examengine.bank.syllabus import Syllabus
from examengine.db import db, utcnow
from examengine.errors import Conflict, Forbidden, NotFound, ValidationError

MAX_PER_PAGE = 200

# (from, to) -> permission; approving also needs a reviewer other than the author (see change_status).
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "in_review"): "items.submit",
    ("in_review", "draft"): "items.approve",
    ("in_review", "active"): "items.approve",
    ("draft", "retired"): "items.retire",
    ("in_review", "retired"): "items.retire",
    ("active", "retired"): "items.retire",
    ("retired", "draft"): "items.retire",
}


def raise_issues(issues: Issues, **extra: Any) -> None:
    raise ValidationError(issues.by_field(), details=[i.as_dict() for i in issues.items], **extra)


# ---- syllabus -------------------------------------------------------------------------------------------

def get_program(code: str) -> Program:
    program = db.session.scalar(select(Program).where(Program.code == code))
    if program is None:
        raise NotFound(f"program {code} does not exist", code="PROGRAM_NOT_FOUND")
    return program


def program_info(program: Program) -> ProgramInfo:
    modules = db.session.scalars(
        select(Module).where(Module.program_id == program.id).options(selectinload(Module.knowledge_points))
    )
    return ProgramInfo(
        code=program.code,
        levels=frozenset(lv.code for lv in program.levels),
        modules={
            m.code: ModuleInfo(m.code, tuple(m.levels), frozenset(k.code for k in m.knowledge_points))
            for m in modules
        },
    )


def list_programs(actor: User | None) -> list[Program]:
    require(actor, "syllabus.read")
    return list(db.session.scalars(select(Program).order_by(Program.code)))


def syllabus_tree(actor: User | None, code: str) -> dict[str, Any]:
    require(actor, "syllabus.read")
    program = get_program(code)
    modules = db.session.scalars(
        select(Module).where(Module.program_id == program.id).order_by(Module.position)
        .options(selectinload(Module.knowledge_points), selectinload(Module.work_type))
    )
    return {
        "code": program.code, "name": program.name, "name_en": program.name_en, "issuer": program.issuer,
        "occupation_code": program.occupation_code, "timezone": program.timezone,
        "levels": [{"code": lv.code, "name": lv.name, "name_en": lv.name_en, "scope": lv.scope,
                    "work_types": [w.code for w in lv.work_types]} for lv in program.levels],
        "work_types": [{"code": w.code, "name": w.name, "name_en": w.name_en} for w in program.work_types],
        "modules": [{"code": m.code, "name": m.name, "name_en": m.name_en, "kind": m.kind,
                     "work_type": m.work_type.code if m.work_type else None, "levels": m.levels,
                     "knowledge_points": [{"code": k.code, "name": k.name, "name_en": k.name_en}
                                          for k in m.knowledge_points]} for m in modules],
    }


def load_syllabus(syl: Syllabus) -> Program:
    """Create or update a program's taxonomy from its syllabus file. Nothing is deleted: items may use it."""
    program = db.session.scalar(select(Program).where(Program.code == syl.program))
    if program is None:
        program = Program(code=syl.program)
        db.session.add(program)
    program.name, program.name_en, program.issuer = syl.name, syl.name_en, syl.issuer
    program.occupation_code, program.timezone = syl.occupation_code, syl.timezone
    db.session.flush()

    work_types = {w.code: w for w in db.session.scalars(select(WorkType).where(WorkType.program_id == program.id))}
    for pos, spec in enumerate(syl.work_types):
        wt = work_types.get(spec.code) or WorkType(program_id=program.id, code=spec.code)
        wt.name, wt.name_en, wt.position = spec.name, spec.name_en, pos
        db.session.add(wt)
        work_types[spec.code] = wt
    levels = {lv.code: lv for lv in db.session.scalars(select(Level).where(Level.program_id == program.id))}
    for pos, spec in enumerate(syl.levels):
        lv = levels.get(spec.code) or Level(program_id=program.id, code=spec.code)
        lv.name, lv.name_en, lv.scope, lv.position = spec.name, spec.name_en, spec.scope, pos
        lv.work_types = [work_types[c] for c in spec.work_types]
        db.session.add(lv)
    db.session.flush()
    modules = {m.code: m for m in db.session.scalars(
        select(Module).where(Module.program_id == program.id).options(selectinload(Module.knowledge_points)))}
    for pos, spec in enumerate(syl.modules):
        m = modules.get(spec.code)
        if m is None:
            m = Module(program_id=program.id, code=spec.code, knowledge_points=[])
            db.session.add(m)
        m.name, m.name_en, m.kind, m.position = spec.name, spec.name_en, spec.kind, pos
        m.work_type_id = work_types[spec.work_type].id if spec.work_type else None
        m.levels = list(spec.levels)
        kps = {k.code: k for k in m.knowledge_points}
        for kpos, kspec in enumerate(spec.knowledge_points):
            k = kps.get(kspec.code)
            if k is None:
                k = KnowledgePoint(code=kspec.code)
                m.knowledge_points.append(k)
            k.name, k.name_en, k.position = kspec.name, kspec.name_en, kpos
    db.session.commit()
    return program


# ---- items: reading -------------------------------------------------------------------------------------

def version_content(v: ItemVersion) -> dict[str, Any]:
    """The canonical content of a version (the shape check_item produces)."""
    return {
        "stem": v.stem, "options": list(v.options or []), "key": v.key, "explanation": v.explanation,
        "points": float(v.points), "difficulty": v.difficulty, "module": v.module.code,
        "knowledge_points": [k.code for k in v.knowledge_points], "levels": list(v.levels or []),
        "tags": list(v.tags or []), "source": v.source, "references": list(v.references or []),
        "rubric": list(v.rubric or []),
    }


def item_dict(item: Item) -> dict[str, Any]:
    v = item.current_version
    assert v is not None
    out = {
        "id": item.id, "code": item.code, "program": item.program.code, "type": item.type,
        "status": item.status, "version": v.number, "origin": item.origin,
        "author": item.author.username if item.author else None,
        "reviewer": item.reviewer.username if item.reviewer else None,
        "created_at": item.created_at, "updated_at": item.updated_at,
        "warnings": getattr(item, "warnings", []),
    }
    out.update(version_content(v))
    if item.type != "short":
        out.pop("references"), out.pop("rubric")
    return out


def _item_query():
    return select(Item).options(
        selectinload(Item.current_version).selectinload(ItemVersion.knowledge_points),
        selectinload(Item.current_version).selectinload(ItemVersion.module),
        selectinload(Item.program), selectinload(Item.author), selectinload(Item.reviewer),
    )


def _get_item(item_id: int) -> Item:
    item = db.session.scalar(_item_query().where(Item.id == item_id))
    if item is None:
        raise NotFound(f"item {item_id} does not exist", code="ITEM_NOT_FOUND")
    return item


def get_item(actor: User | None, item_id: int) -> Item:
    require(actor, "items.read")
    return _get_item(item_id)


@dataclass
class ItemFilter:
    program: str | None = None
    module: str | None = None
    knowledge_point: str | None = None
    type: str | None = None
    difficulty: int | None = None
    status: str | None = None
    tag: str | None = None
    q: str | None = None


def search_text(content: dict[str, Any], code: str) -> str:
    parts = [code, content["stem"], *content.get("options", []), *content.get("tags", [])]
    return unicodedata.normalize("NFKC", " ".join(parts)).lower()


def list_items(actor: User | None, flt: ItemFilter, page: int = 1, per_page: int = 50) -> tuple[list[Item], int]:
    require(actor, "items.read")
    fields: dict[str, list[str]] = {}
    if flt.type and flt.type not in REGISTRY:
        fields["type"] = [f"one of {', '.join(REGISTRY)}"]
    if flt.status and flt.status not in STATUSES:
        fields["status"] = [f"one of {', '.join(STATUSES)}"]
    if page < 1:
        fields["page"] = ["must be at least 1"]
    if not 1 <= per_page <= MAX_PER_PAGE:
        fields["per_page"] = [f"must be 1-{MAX_PER_PAGE}"]
    if fields:
        raise ValidationError(fields)
    stmt = select(Item.id).join(ItemVersion, Item.current_version_id == ItemVersion.id)
    if flt.program:
        stmt = stmt.where(Item.program_id == get_program(flt.program).id)
    if flt.module:
        stmt = stmt.join(Module, ItemVersion.module_id == Module.id).where(Module.code == flt.module)
    if flt.knowledge_point:
        kp_versions = (select(ItemVersion.id).join(ItemVersion.knowledge_points)
                       .where(KnowledgePoint.code == flt.knowledge_point))
        stmt = stmt.where(ItemVersion.id.in_(kp_versions))
    if flt.type:
        stmt = stmt.where(Item.type == flt.type)
    if flt.difficulty is not None:
        stmt = stmt.where(ItemVersion.difficulty == flt.difficulty)
    if flt.status:
        stmt = stmt.where(Item.status == flt.status)
    if flt.tag:
        stmt = stmt.where(ItemVersion.search_text.contains(unicodedata.normalize("NFKC", flt.tag).lower()))
    if flt.q:
        for word in query_terms(flt.q):
            stmt = stmt.where(ItemVersion.search_text.contains(word, autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = list(db.session.scalars(stmt.order_by(Item.program_id, Item.code).limit(per_page).offset((page - 1) * per_page)))
    items = {i.id: i for i in db.session.scalars(_item_query().where(Item.id.in_(ids)))} if ids else {}
    return [items[i] for i in ids], total


def list_versions(actor: User | None, item_id: int) -> list[ItemVersion]:
    require(actor, "items.read")
    item = _get_item(item_id)
    return list(db.session.scalars(
        select(ItemVersion).where(ItemVersion.item_id == item.id).order_by(ItemVersion.number)
        .options(selectinload(ItemVersion.knowledge_points), selectinload(ItemVersion.module),
                 selectinload(ItemVersion.created_by))))


def get_version(actor: User | None, item_id: int, number: int) -> ItemVersion:
    require(actor, "items.read")
    v = db.session.scalar(select(ItemVersion).where(ItemVersion.item_id == item_id, ItemVersion.number == number))
    if v is None:
        raise NotFound(f"item {item_id} has no version {number}", code="VERSION_NOT_FOUND")
    return v


def diff_versions(actor: User | None, item_id: int, old: int, new: int) -> dict[str, Any]:
    a, b = get_version(actor, item_id, old), get_version(actor, item_id, new)
    return {"item": item_id, "from": old, "to": new, "changes": diff_contents(version_content(a), version_content(b))}


def candidate_preview(actor: User | None, item_id: int) -> dict[str, Any]:
    """The item as a candidate's page would show it (no key, explanation or rubric)."""
    item = get_item(actor, item_id)
    content = version_content(item.current_version)
    return get_type(item.type).candidate_view(content)


def status_history(actor: User | None, item_id: int) -> list[ItemStatusChange]:
    require(actor, "items.read")
    return list(db.session.scalars(select(ItemStatusChange).where(ItemStatusChange.item_id == item_id)
                                   .order_by(ItemStatusChange.id)))


# ---- items: writing -------------------------------------------------------------------------------------

def content_hash(content: dict[str, Any]) -> str:
    # Empty lists and missing fields are the same content (e.g. a choice item's references).
    data = {k: (None if content.get(k) in (None, [], "") else content.get(k)) for k in VERSION_FIELDS}
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _new_version(item: Item, content: dict[str, Any], program: Program, actor: User | None, note: str) -> ItemVersion:
    module = db.session.scalar(select(Module).where(Module.program_id == program.id, Module.code == content["module"]))
    kps = list(db.session.scalars(select(KnowledgePoint).where(
        KnowledgePoint.module_id == module.id, KnowledgePoint.code.in_(content["knowledge_points"] or [""]))))
    kps.sort(key=lambda k: content["knowledge_points"].index(k.code))
    number = (max((v.number for v in item.versions), default=0)) + 1 if item.id else 1
    v = ItemVersion(
        number=number, stem=content["stem"], options=content.get("options") or [], key=content["key"],
        explanation=content["explanation"], points=Decimal(str(content["points"])), difficulty=content["difficulty"],
        module_id=module.id, levels=content["levels"], tags=content["tags"], source=content["source"],
        references=content.get("references") or [], rubric=content.get("rubric") or [],
        search_text=search_text(content, item.code), content_hash=content_hash(content), note=note,
        created_by_id=actor.id if actor else None, knowledge_points=kps,
    )
    v.item = item
    item.current_version = v
    item.updated_at = utcnow()
    return v


def _check(data: dict[str, Any], program: Program, info: ProgramInfo | None = None,
           allow_incomplete_draft: bool = False) -> dict[str, Any]:
    content, issues = check_item(data, info or program_info(program), allow_incomplete_draft)
    if issues:
        raise_issues(issues)
    return content


def _next_code(program: Program, module: str) -> str:
    prefix = f"{module}-"
    codes = db.session.scalars(select(Item.code).where(Item.program_id == program.id, Item.code.like(prefix + "%")))
    n = max((int(c[len(prefix):]) for c in codes if c[len(prefix):].isdigit()), default=0)
    return f"{prefix}{n + 1:03d}"


def duplicate_warnings(program: Program, content: dict[str, Any], exclude: str | None = None) -> list[dict]:
    """Items of the program very similar to `content` (stem and options), as warnings for the writer."""
    from flask import current_app

    rows = db.session.execute(select(Item.code, ItemVersion.stem, ItemVersion.options)
                              .join(ItemVersion, Item.current_version_id == ItemVersion.id)
                              .where(Item.program_id == program.id, Item.status != "retired")).all()
    index = DuplicateIndex([r.code for r in rows], [item_text(r.stem, r.options) for r in rows])
    threshold = current_app.config.get("DUPLICATE_THRESHOLD", 0.9)
    return [{"code": "NEAR_DUPLICATE", "item": p.b, "score": p.score,
             "message": f"very similar to item {p.b} (cosine {p.score:.2f})",
             "message_zh": f"与试题 {p.b} 高度相似（相似度 {p.score:.2f}）"}
            for p in index.similar(item_text(content["stem"], content["options"]), threshold, exclude=exclude)[:5]]


def create_item(actor: User | None, data: dict[str, Any]) -> Item:
    """A new item, as a draft, with version 1."""
    require(actor, "items.write")
    if not data.get("program"):
        raise ValidationError({"program": ["the program is required (必须指定考试项目)"]})
    program = get_program(data["program"])
    content = _check({**data, "status": "draft"}, program)
    code = (data.get("code") or "").strip() or _next_code(program, content["module"])
    if db.session.scalar(select(Item.id).where(Item.program_id == program.id, Item.code == code)) is not None:
        raise Conflict(f"item code {code} is taken in {program.code}", code="ITEM_CODE_TAKEN")
    item = Item(program_id=program.id, code=code, type=content["type"], status="draft",
                author_id=actor.id, origin="api")
    db.session.add(item)
    db.session.flush()
    _new_version(item, content, program, actor, data.get("note") or "created")
    db.session.add(ItemStatusChange(item_id=item.id, from_status=None, to_status="draft", actor_id=actor.id,
                                    comment="created"))
    warnings = duplicate_warnings(program, content, exclude=code)
    db.session.commit()
    item = _get_item(item.id)
    item.warnings = warnings
    return item


def update_item(actor: User | None, item_id: int, changes: dict[str, Any]) -> tuple[Item, bool]:
    """Apply changes as a new immutable version. Returns (item, whether a version was made).

    An edit to an active item sends it back to review, so that no unreviewed text reaches a paper."""
    require(actor, "items.write")
    item = _get_item(item_id)
    if item.status == "retired":
        raise Conflict("a retired item cannot be edited; reinstate it first", code="ITEM_RETIRED")
    if "type" in changes and changes["type"] != item.type:
        raise ValidationError({"type": ["the type of an item cannot change (题型不可修改)"]}, code="TYPE_IMMUTABLE")
    current = version_content(item.current_version)
    merged = {**current, **{k: v for k, v in changes.items() if k in VERSION_FIELDS}, "type": item.type,
              "status": item.status}
    content = _check(merged, item.program)
    if content_hash(content) == item.current_version.content_hash:
        return item, False
    _new_version(item, content, item.program, actor, changes.get("note") or "")
    if item.status == "active":
        _set_status(item, "in_review", actor, "edited: needs review again")
    warnings = duplicate_warnings(item.program, content, exclude=item.code)
    db.session.commit()
    item = _get_item(item.id)
    item.warnings = warnings
    return item, True


def _set_status(item: Item, to: str, actor: User | None, comment: str) -> None:
    db.session.add(ItemStatusChange(item_id=item.id, from_status=item.status, to_status=to,
                                    actor_id=actor.id if actor else None, comment=comment))
    item.status = to
    item.updated_at = utcnow()


def change_status(actor: User | None, item_id: int, to: str, comment: str = "") -> Item:
    require(actor, "items.read")
    item = _get_item(item_id)
    if to not in STATUSES:
        raise ValidationError({"status": [f"one of {', '.join(STATUSES)}"]})
    permission = TRANSITIONS.get((item.status, to))
    if permission is None:
        raise Conflict(f"an item cannot go from {item.status} to {to}", code="STATUS_TRANSITION_INVALID",
                       allowed=[t for (f, t) in TRANSITIONS if f == item.status])
    require(actor, permission)
    if to == "active":
        if actor.role == "item_writer" and actor.id in (item.author_id, item.current_version.created_by_id):
            raise Forbidden("an item writer cannot approve an item they wrote", code="SELF_REVIEW")
        if item.type == "short" and not item.current_version.references:
            raise ValidationError({"references": ["a short-answer item needs a reference answer before it goes live"]},
                                  code="REFERENCE_REQUIRED")
        if item.type == "short" and not item.current_version.rubric:
            raise ValidationError({"rubric": ["a short-answer item needs a rubric before it goes live"]},
                                  code="RUBRIC_REQUIRED")
        item.reviewer_id = actor.id
    _set_status(item, to, actor, comment)
    db.session.commit()
    return _get_item(item.id)


# ---- shipped bank files -----------------------------------------------------------------------------------

@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def load_items(program: Program, entries: list[tuple[str, dict[str, Any]]]) -> LoadResult:
    """Create or update items from already-validated bank file entries [(origin, data)], by item code.

    A changed item gets a new version; the file's status is applied. One transaction for the lot."""
    info = program_info(program)
    existing = {i.code: i for i in db.session.scalars(
        select(Item).where(Item.program_id == program.id).options(selectinload(Item.current_version),
                                                                   selectinload(Item.versions)))}
    result = LoadResult()
    for origin, data in entries:
        content = _check(data, program, info)
        item = existing.get(data["id"])
        if item is None:
            item = Item(program_id=program.id, code=data["id"], type=content["type"], status=content["status"],
                        origin=origin)
            db.session.add(item)
            db.session.flush()
            _new_version(item, content, program, None, f"loaded from {origin}")
            db.session.add(ItemStatusChange(item_id=item.id, from_status=None, to_status=item.status,
                                            comment=f"loaded from {origin}"))
            result.created += 1
            continue
        if item.type != content["type"]:
            raise ValidationError({"type": [f"item {item.code} is a {item.type} item; its type cannot change"]},
                                  code="TYPE_IMMUTABLE")
        changed = content_hash(content) != item.current_version.content_hash
        if changed:
            _new_version(item, content, program, None, f"loaded from {origin}")
        if item.status != content["status"]:
            _set_status(item, content["status"], None, f"loaded from {origin}")
            changed = True
        item.origin = origin
        result.updated += changed
        result.unchanged += not changed
    db.session.commit()
    return result
