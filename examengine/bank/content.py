"""Whole-item validation: the type's own checks plus the metadata every item carries.

One function serves the API, the shipped bank files and the importers, so a rule is written once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from examengine.bank.itemtypes import REGISTRY, Issues, get_type
from examengine.bank.itemtypes.base import clean_text

STATUSES = ("draft", "in_review", "active", "retired")
IMPORT_STATUSES = ("draft", "in_review", "active")  # what an import may give its items
MAX_TAGS = 20


@dataclass(frozen=True)
class ModuleInfo:
    """What validation needs to know of a module."""

    code: str
    levels: tuple[str, ...]  # in syllabus order
    knowledge_points: frozenset[str]


@dataclass(frozen=True)
class ProgramInfo:
    code: str
    levels: frozenset[str]
    modules: dict[str, ModuleInfo]


def _str_list(value: Any) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str):
        return [s for s in (clean_text(x) for x in value.replace("，", ",").split(",")) if s]
    if isinstance(value, list | tuple):
        return [clean_text(x) for x in value if clean_text(x)]
    return None


# What an imported essay may lack while it stays a draft: an item writer completes it before review.
INCOMPLETE_DRAFT_CODES = frozenset({"REFERENCE_MISSING"})


def check_item(data: dict[str, Any], program: ProgramInfo | None,
               allow_incomplete_draft: bool = False) -> tuple[dict[str, Any], Issues]:
    """Canonical item data and its problems. `data` uses module/knowledge-point codes of `program`.

    `allow_incomplete_draft` lets an imported essay in as a draft without reference answers."""
    issues = Issues()
    type_code = data.get("type")
    if type_code not in REGISTRY:
        issues.add("type", "TYPE_UNKNOWN", f"type must be one of {', '.join(REGISTRY)}",
                   "题型必须是 single/truefalse/multi/short 之一")
        return dict(data), issues
    item_type = get_type(type_code)
    canonical = item_type.normalise(data)
    canonical["type"] = type_code
    found = item_type.validate(canonical).items
    if allow_incomplete_draft and data.get("status", "draft") == "draft":
        found = [i for i in found if i.code not in INCOMPLETE_DRAFT_CODES]
    issues.items.extend(found)

    canonical["source"] = clean_text(data.get("source"))
    canonical["status"] = data.get("status") or "draft"
    if canonical["status"] not in STATUSES:
        issues.add("status", "STATUS_UNKNOWN", f"status must be one of {', '.join(STATUSES)}",
                   "状态必须是 draft/in_review/active/retired 之一")
    tags = _str_list(data.get("tags"))
    if tags is None or len(tags) > MAX_TAGS:
        issues.add("tags", "TAGS_INVALID", f"tags must be a list of at most {MAX_TAGS} words", "标签格式不正确")
        tags = []
    canonical["tags"] = sorted(set(tags), key=tags.index)

    module_code = clean_text(data.get("module"))
    canonical["module"] = module_code
    kps = _str_list(data.get("knowledge_points"))
    levels = _str_list(data.get("levels"))
    canonical["knowledge_points"] = sorted(set(kps or []))  # a set: order carries no meaning
    canonical["levels"] = levels or []
    if program is not None:
        module = program.modules.get(module_code)
        if not module_code:
            issues.add("module", "MODULE_MISSING", "the module is required", "必须指定所属模块")
        elif module is None:
            issues.add("module", "MODULE_UNKNOWN", f"module {module_code} is not in the {program.code} syllabus",
                       f"模块 {module_code} 不在 {program.code} 大纲中")
        else:
            if kps is None:
                issues.add("knowledge_points", "KNOWLEDGE_POINTS_INVALID", "knowledge points must be a list",
                           "知识点必须是列表")
            else:
                for k in kps:
                    if k not in module.knowledge_points:
                        issues.add("knowledge_points", "KNOWLEDGE_POINT_UNKNOWN",
                                   f"knowledge point {k} is not in module {module_code}",
                                   f"知识点 {k} 不属于模块 {module_code}")
            if levels is None:
                issues.add("levels", "LEVELS_INVALID", "levels must be a list", "等级必须是列表")
            else:
                if not levels:
                    canonical["levels"] = list(module.levels)
                for lv in levels:
                    if lv not in program.levels:
                        issues.add("levels", "LEVEL_UNKNOWN", f"level {lv} is not a level of {program.code}",
                                   f"等级 {lv} 不属于 {program.code}")
                    elif lv not in module.levels:
                        issues.add("levels", "LEVEL_NOT_IN_MODULE", f"module {module_code} is not taught at level {lv}",
                                   f"模块 {module_code} 不属于等级 {lv}")
    return canonical, issues


# The fields that make up one immutable version (what a diff compares).
VERSION_FIELDS = ("stem", "options", "key", "explanation", "points", "difficulty", "module", "knowledge_points",
                  "levels", "tags", "source", "references", "rubric")
