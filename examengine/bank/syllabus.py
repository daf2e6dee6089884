"""The syllabus taxonomy as plain data: program -> levels -> work types -> modules -> knowledge points.

Parsed from `question_banks/<program>/syllabus.yaml`; pure (no Flask, no SQLAlchemy)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from examengine.bank.itemtypes import Issues

ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$", re.IGNORECASE)
MODULE_KINDS = ("public", "professional")


@dataclass
class KnowledgePointSpec:
    code: str
    name: str
    name_en: str = ""


@dataclass
class ModuleSpec:
    code: str
    name: str
    name_en: str
    kind: str
    work_type: str | None
    levels: list[str]
    knowledge_points: list[KnowledgePointSpec] = field(default_factory=list)


@dataclass
class LevelSpec:
    code: str
    name: str
    name_en: str
    scope: str
    work_types: list[str]


@dataclass
class WorkTypeSpec:
    code: str
    name: str
    name_en: str


@dataclass
class Syllabus:
    program: str
    name: str
    name_en: str
    issuer: str
    occupation_code: str
    timezone: str
    levels: list[LevelSpec]
    work_types: list[WorkTypeSpec]
    modules: list[ModuleSpec]

    def module(self, code: str) -> ModuleSpec | None:
        return next((m for m in self.modules if m.code == code), None)

    def knowledge_point_codes(self, module_code: str) -> set[str]:
        m = self.module(module_code)
        return {k.code for k in m.knowledge_points} if m else set()


def _text(d: dict, key: str) -> str:
    v = d.get(key)
    return str(v).strip() if v is not None else ""


def parse_syllabus(data: Any, extra_knowledge_points: dict[str, list[dict]] | None = None) -> tuple[Syllabus | None, Issues]:
    """Validate and build a Syllabus; every problem names its path in the file (e.g. modules.3.id)."""
    issues = Issues()
    if not isinstance(data, dict) or not isinstance(data.get("program"), dict):
        issues.add("program", "SYLLABUS_NO_PROGRAM", "the file needs a `program:` mapping", "缺少 program 段")
        return None, issues
    prog = data["program"]
    pid = _text(prog, "id")
    if not ID_RE.match(pid):
        issues.add("program.id", "SYLLABUS_BAD_ID", "program id must be letters, digits, _ . -", "项目编号格式不正确")
    if not _text(prog, "name"):
        issues.add("program.name", "SYLLABUS_NO_NAME", "program name is required", "缺少项目名称")

    work_types: list[WorkTypeSpec] = []
    for i, w in enumerate(data.get("work_types") or []):
        if not isinstance(w, dict) or not ID_RE.match(_text(w, "id")) or not _text(w, "name"):
            issues.add(f"work_types.{i}", "SYLLABUS_BAD_WORK_TYPE", "a work type needs id and name", "工种需要编号和名称")
            continue
        work_types.append(WorkTypeSpec(_text(w, "id"), _text(w, "name"), _text(w, "name_en")))
    wt_codes = {w.code for w in work_types}
    if len(wt_codes) != len(work_types):
        issues.add("work_types", "SYLLABUS_DUPLICATE_ID", "work type ids repeat", "工种编号重复")

    levels: list[LevelSpec] = []
    for i, lv in enumerate(data.get("levels") or []):
        if not isinstance(lv, dict) or not ID_RE.match(_text(lv, "id")) or not _text(lv, "name"):
            issues.add(f"levels.{i}", "SYLLABUS_BAD_LEVEL", "a level needs id and name", "等级需要编号和名称")
            continue
        wts = [str(x) for x in lv.get("work_types") or []]
        for w in wts:
            if w not in wt_codes:
                issues.add(f"levels.{i}.work_types", "SYLLABUS_UNKNOWN_WORK_TYPE", f"unknown work type {w}",
                           f"未知工种 {w}")
        levels.append(LevelSpec(_text(lv, "id"), _text(lv, "name"), _text(lv, "name_en"), _text(lv, "scope"), wts))
    level_codes = [lv.code for lv in levels]
    if not levels:
        issues.add("levels", "SYLLABUS_NO_LEVELS", "at least one level is required", "至少需要一个等级")
    if len(set(level_codes)) != len(level_codes):
        issues.add("levels", "SYLLABUS_DUPLICATE_ID", "level ids repeat", "等级编号重复")

    modules: list[ModuleSpec] = []
    seen_modules: set[str] = set()
    seen_kps: set[str] = set()
    extra = extra_knowledge_points or {}
    for i, m in enumerate(data.get("modules") or []):
        where = f"modules.{i}"
        if not isinstance(m, dict) or not ID_RE.match(_text(m, "id")) or not _text(m, "name"):
            issues.add(where, "SYLLABUS_BAD_MODULE", "a module needs id and name", "模块需要编号和名称")
            continue
        code = _text(m, "id")
        if code in seen_modules:
            issues.add(f"{where}.id", "SYLLABUS_DUPLICATE_ID", f"module id {code} repeats", f"模块编号 {code} 重复")
        seen_modules.add(code)
        kind = _text(m, "kind") or "professional"
        if kind not in MODULE_KINDS:
            issues.add(f"{where}.kind", "SYLLABUS_BAD_KIND", "kind must be public or professional",
                       "kind 必须为 public 或 professional")
        wt = _text(m, "work_type") or None
        if kind == "professional" and wt not in wt_codes:
            issues.add(f"{where}.work_type", "SYLLABUS_UNKNOWN_WORK_TYPE",
                       f"a professional module needs a known work_type, not {wt!r}", "专业模块需要有效的工种")
        mlevels = [str(x) for x in m.get("levels") or level_codes]
        for lv in mlevels:
            if lv not in level_codes:
                issues.add(f"{where}.levels", "SYLLABUS_UNKNOWN_LEVEL", f"unknown level {lv}", f"未知等级 {lv}")
        kps: list[KnowledgePointSpec] = []
        for j, k in enumerate(list(m.get("knowledge_points") or []) + list(extra.get(code) or [])):
            if not isinstance(k, dict) or not _text(k, "id") or not _text(k, "name"):
                issues.add(f"{where}.knowledge_points.{j}", "SYLLABUS_BAD_KNOWLEDGE_POINT",
                           "a knowledge point needs id and name", "知识点需要编号和名称")
                continue
            kcode = _text(k, "id")
            if kcode in seen_kps:
                issues.add(f"{where}.knowledge_points.{j}", "SYLLABUS_DUPLICATE_ID",
                           f"knowledge point {kcode} repeats", f"知识点编号 {kcode} 重复")
            seen_kps.add(kcode)
            kps.append(KnowledgePointSpec(kcode, _text(k, "name"), _text(k, "name_en")))
        modules.append(ModuleSpec(code, _text(m, "name"), _text(m, "name_en"), kind, wt, mlevels, kps))
    if not modules:
        issues.add("modules", "SYLLABUS_NO_MODULES", "at least one module is required", "至少需要一个模块")

    if issues:
        return None, issues
    return Syllabus(
        program=pid,
        name=_text(prog, "name"),
        name_en=_text(prog, "name_en"),
        issuer=_text(prog, "issuer"),
        occupation_code=_text(prog, "code"),
        timezone=_text(prog, "timezone") or "Asia/Shanghai",
        levels=levels,
        work_types=work_types,
        modules=modules,
    ), issues
