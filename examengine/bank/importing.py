"""Import and export use cases: a report first, then (unless a dry run) one transaction for the lot."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from examengine.auth.models import User
from examengine.auth.permissions import require
from examengine.bank import formats
from examengine.bank.content import IMPORT_STATUSES, ProgramInfo, check_item
from examengine.bank.duplicates import DEFAULT_THRESHOLD, DuplicateIndex, item_text
from examengine.bank.formats.base import REJECTED, ImportEntry, UnreadableFile
from examengine.bank.models import Item, ItemVersion, Module, Program
from examengine.bank.service import (
    _item_query,
    _new_version,
    _next_code,
    content_hash,
    get_program,
    item_dict,
    program_info,
)
from examengine.db import db
from examengine.errors import ExamEngineError, ValidationError


class ImportFileError(ExamEngineError):
    status = 422
    code = "IMPORT_FILE_UNREADABLE"
    title = "The file cannot be read"


class ImportRejected(ExamEngineError):
    status = 409
    code = "IMPORT_HAS_REJECTED_ITEMS"
    title = "Some items were rejected; nothing was imported"


@dataclass
class ImportReport:
    file: str
    format: str
    program: str
    dry_run: bool
    entries: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0

    def counts(self) -> dict[str, int]:
        out = {"imported": 0, "warnings": 0, "rejected": 0}
        for e in self.entries:
            out[{"imported": "imported", "warning": "warnings", "rejected": "rejected"}[e["outcome"]]] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "format": self.format, "program": self.program, "dry_run": self.dry_run,
                **self.counts(), "written": self.written, "entries": self.entries}


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").strip().lower().replace(" ", "")


def _module_resolver(program: Program):
    modules = list(db.session.scalars(select(Module).where(Module.program_id == program.id)
                                      .options(selectinload(Module.knowledge_points))))
    by_key: dict[str, str] = {}
    for m in modules:
        by_key[_norm(m.code)] = m.code
        by_key[_norm(m.name)] = m.code
        if m.name_en:
            by_key[_norm(m.name_en)] = m.code
        for k in m.knowledge_points:
            by_key.setdefault(_norm(k.code), m.code)
            by_key.setdefault(_norm(k.name), m.code)

    def module_of(text: str) -> str | None:
        return by_key.get(_norm(text))

    def resolve(data: dict[str, Any], default: str | None) -> str | None:
        if data.get("module") and _norm(data["module"]) in by_key:
            return by_key[_norm(data["module"])]
        category = str(data.get("category") or "")
        for part in reversed([p for p in category.replace("\\", "/").split("/") if p.strip()]):
            for piece in (part, *part.replace("，", ",").split(",")):
                if _norm(piece) in by_key:
                    return by_key[_norm(piece)]
        return default

    resolve.module_of = module_of  # type: ignore[attr-defined]
    return resolve


def _category_tags(data: dict[str, Any], program: Program, module_of) -> list[str]:
    """The other system's category path becomes tags (minus the program's own name and the module)."""
    tags = [str(t) for t in data.get("tags") or []]
    skip = {_norm(program.code), _norm(program.name), _norm(data.get("module") or ""), "top", "default"}
    for part in str(data.get("category") or "").replace("\\", "/").split("/"):
        part = part.strip()
        if part and _norm(part) not in skip and not module_of(part) and part not in tags and not part.startswith("$"):
            tags.append(part[:40])
    return tags[:20]


def _entry_dict(entry: ImportEntry, data: dict[str, Any] | None) -> dict[str, Any]:
    out = {"location": entry.location, "outcome": entry.outcome,
           "messages": [m.as_dict() for m in entry.messages]}
    if data:
        out.update(type=data.get("type"), module=data.get("module"), code=data.get("code") or None,
                   stem=(data.get("stem") or "")[:60])
    return out


def import_file(actor: User | None, program_code: str, data: bytes, filename: str, *, fmt: str | None = None,
                dry_run: bool = True, skip_invalid: bool = False, default_module: str | None = None,
                status: str = "draft", system: bool = False) -> ImportReport:
    """Parse, check and (unless dry_run) write the items of one file. Without skip_invalid, a file with any
    rejected item writes nothing; only an unreadable file fails as a whole."""
    if not system:
        require(actor, "items.write")
    if status not in IMPORT_STATUSES:
        raise ValidationError({"status": [f"one of {', '.join(IMPORT_STATUSES)}"]})
    program = get_program(program_code)
    fmt = fmt or formats.detect(filename, data)
    if fmt not in formats.FORMATS:
        raise ImportFileError(f"{filename}: unknown format; use one of {', '.join(formats.FORMATS)}",
                              code="IMPORT_FORMAT_UNKNOWN")
    try:
        parsed = formats.parse(fmt, data, filename)
    except UnreadableFile as exc:
        raise ImportFileError(f"{filename}: {exc.message} ({exc.message_zh})", code=exc.code,
                              location=exc.location) from exc

    info: ProgramInfo = program_info(program)
    resolve = _module_resolver(program)
    if default_module and default_module not in info.modules:
        raise ValidationError({"module": [f"module {default_module} is not in {program.code}"]})
    existing = {i.code: i for i in db.session.scalars(
        select(Item).where(Item.program_id == program.id).options(selectinload(Item.current_version)))}
    threshold = current_app.config.get("DUPLICATE_THRESHOLD", DEFAULT_THRESHOLD)
    index = DuplicateIndex([i.code for i in existing.values()],
                           [item_text(i.current_version.stem, i.current_version.options) for i in existing.values()])

    report = ImportReport(filename, fmt, program.code, dry_run)
    accepted: list[tuple[dict[str, Any], Item | None]] = []
    seen_texts: dict[str, str] = {}
    for entry in parsed:
        data = dict(entry.data) if entry.data else None
        if data is not None and not entry.rejected:
            data.setdefault("status", status)
            if data["status"] not in IMPORT_STATUSES:
                data["status"] = status
            if data.get("type") == "short" and not data.get("rubric"):
                data["status"] = "draft"  # no rubric yet: an item writer must add one before review
            data["module"] = resolve(data, default_module)
            data["tags"] = _category_tags(data, program, resolve.module_of)
            if not data["module"]:
                where = data.get("category") or data.get("module") or "—"
                entry.reject("MODULE_UNKNOWN", f"no module of {program.code} matches {where!r}; choose a default module",
                             f"“{where}”不对应 {program.code} 的任何模块，请指定默认模块")
            else:
                canonical, issues = check_item(data, info, allow_incomplete_draft=True)
                if not issues and canonical["type"] == "short" and not canonical.get("references"):
                    entry.warn("SHORT_NEEDS_REFERENCE", "no reference answer: a draft until one is written",
                               "没有参考答案：补充参考答案前为草稿")
                for i in issues.items:
                    entry.reject(i.code, f"{i.field}: {i.message}", f"{i.field}：{i.message_zh}")
                if not issues:
                    canonical["code"] = str(data.get("code") or "").strip()
                    text = item_text(canonical["stem"], canonical["options"])
                    for pair in index.similar(text, threshold, exclude=canonical["code"] or None)[:3]:
                        entry.warn("NEAR_DUPLICATE", f"very similar to item {pair.b} (cosine {pair.score:.2f})",
                                   f"与试题 {pair.b} 高度相似（相似度 {pair.score:.2f}）")
                    if text in seen_texts:
                        entry.warn("DUPLICATE_IN_FILE", f"same text as {seen_texts[text]} of this file",
                                   f"与本文件 {seen_texts[text]} 内容相同")
                    seen_texts.setdefault(text, entry.location)
                    target = existing.get(canonical["code"]) if canonical["code"] else None
                    if target is not None:
                        if target.type != canonical["type"]:
                            entry.reject("TYPE_IMMUTABLE", f"item {target.code} exists as {target.type}",
                                         f"试题 {target.code} 已存在且题型不同")
                        elif content_hash(canonical) != target.current_version.content_hash:
                            entry.warn("UPDATES_EXISTING", f"updates item {target.code} (a new version)",
                                       f"将更新已有试题 {target.code}（生成新版本）")
                        else:
                            target = None
                            canonical = None  # the same content is in the bank already: nothing to write
                    if not entry.rejected and canonical is not None:
                        accepted.append((canonical, target))
                    data = canonical or data
        report.entries.append(_entry_dict(entry, data))

    has_rejected = any(e["outcome"] == REJECTED for e in report.entries)
    if dry_run:
        return report
    if has_rejected and not skip_invalid:
        raise ImportRejected(f"{report.counts()['rejected']} items rejected in {filename}; nothing was imported "
                             "(use skip_invalid to import the others)", report=report.as_dict())
    for canonical, target in accepted:
        origin = f"import:{filename}"
        if target is None:
            code = canonical["code"] or _next_code(program, canonical["module"])
            item = Item(program_id=program.id, code=code, type=canonical["type"], status=canonical["status"],
                        author_id=actor.id if actor else None, origin=origin)
            db.session.add(item)
            db.session.flush()
            _new_version(item, canonical, program, actor, f"imported from {filename}")
            existing[code] = item
        elif content_hash(canonical) != target.current_version.content_hash:
            _new_version(target, canonical, program, actor, f"imported from {filename}")
        report.written += 1
    db.session.commit()
    return report


def export_items(actor: User | None, program_code: str, fmt: str, module: str | None = None,
                 status: str | None = None, *, system: bool = False) -> tuple[bytes, int]:
    """The program's items (filtered) in `fmt`; returns (file bytes, item count)."""
    if not system:
        require(actor, "items.read")
    if fmt not in formats.FORMATS:
        raise ValidationError({"format": [f"one of {', '.join(formats.FORMATS)}"]})
    program = get_program(program_code)
    stmt = (_item_query().join(ItemVersion, Item.current_version_id == ItemVersion.id)
            .where(Item.program_id == program.id).order_by(Item.code))
    if module:
        stmt = stmt.join(Module, ItemVersion.module_id == Module.id).where(Module.code == module)
    if status:
        stmt = stmt.where(Item.status == status)
    items = [{**item_dict(it), "category": f"{program.code}/{it.current_version.module.code}"}
             for it in db.session.scalars(stmt)]
    return formats.export(fmt, items), len(items)


def program_module_codes(program_code: str) -> list[str]:
    program = get_program(program_code)
    return list(db.session.scalars(select(Module.code).where(Module.program_id == program.id)
                                   .order_by(Module.position)))


__all__ = ["ImportFileError", "ImportRejected", "ImportReport", "export_items", "import_file"]
