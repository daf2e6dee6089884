"""Blueprints: what every paper of an exam must contain, as validated plain data (pure).

A blueprint file (`question_banks/<program>/blueprints/<code>.yaml`) names the level and work type, the
sections by item type (count, points each, the multiple-choice scoring rule), how many items each module
(course) contributes to a section (exact or a range), optional knowledge-point minimums, the difficulty band
of the paper's expected score, enemy groups and the exposure cap. Every problem names its field and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from examengine.bank.itemtypes import REGISTRY
from examengine.bank.itemtypes.multi import RULES

# Expected share of the points a candidate earns on an item of each written difficulty (1 easy .. 5 hard),
# used until item analysis measures the real facility.
DEFAULT_FACILITY = {1: 0.85, 2: 0.72, 3: 0.58, 4: 0.45, 5: 0.32}
TYPE_TITLES = {"single": ("单项选择题", "Single choice"), "truefalse": ("判断题", "True or false"),
               "multi": ("多项选择题", "Multiple choice"), "short": ("简答题", "Short answer")}
RULE_TEXT = {"all_or_nothing": ("全部选对得分，少选、错选不得分", "all keys and nothing else earns the points"),
             "partial": ("少选得部分分，错选不得分", "a correct subset earns part of the points; any wrong choice earns none"),
             "proportional": ("按选对比例得分，错选不得分", "points in proportion to the keys chosen; any wrong choice earns none")}


@dataclass(frozen=True)
class ModuleScope:
    levels: tuple[str, ...]  # empty: every level
    work_type: str | None  # None: a public course, taken by every work type
    knowledge_points: frozenset[str]


@dataclass(frozen=True)
class ProgramScope:
    """What a blueprint is checked against: the program's levels, work types and modules."""

    code: str
    level_work_types: dict[str, tuple[str, ...]]
    modules: dict[str, ModuleScope]

    def modules_in_scope(self, level: str, work_type: str | None) -> list[str]:
        return [code for code, m in self.modules.items()
                if (not m.levels or level in m.levels) and (m.work_type is None or m.work_type == work_type)]


@dataclass(frozen=True)
class Quota:
    module: str
    lo: int
    hi: int


@dataclass(frozen=True)
class Section:
    type: str
    title: str
    title_en: str
    count: int
    points: float
    quotas: tuple[Quota, ...]
    rule: dict[str, Any] | None = None
    instructions: str = ""

    @property
    def total(self) -> float:
        return round(self.count * self.points, 2)


@dataclass(frozen=True)
class Blueprint:
    code: str
    program: str
    title: str
    title_en: str
    level: str
    work_type: str | None
    duration_minutes: int
    total_points: float
    pass_mark: float
    sections: tuple[Section, ...]
    band: tuple[float, float]
    target: float
    tolerance: float
    facility: dict[int, float]
    exposure_cap: float
    shuffle_items: bool = True
    shuffle_options: bool = True
    enemies: tuple[tuple[str, ...], ...] = ()
    kp_minimums: dict[str, int] = field(default_factory=dict)
    source: str = ""

    @property
    def item_count(self) -> int:
        return sum(s.count for s in self.sections)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form; `from_dict` reads it back (papers keep it as their snapshot)."""
        return {
            "code": self.code, "program": self.program, "title": self.title, "title_en": self.title_en,
            "level": self.level, "work_type": self.work_type, "duration_minutes": self.duration_minutes,
            "total_points": self.total_points, "pass_mark": self.pass_mark,
            "sections": [{"type": s.type, "title": s.title, "title_en": s.title_en, "count": s.count,
                          "points": s.points, "rule": s.rule, "instructions": s.instructions,
                          "modules": {q.module: [q.lo, q.hi] for q in s.quotas}} for s in self.sections],
            "difficulty": {"expected_score": list(self.band), "target": self.target, "tolerance": self.tolerance,
                           "facility": {str(k): v for k, v in self.facility.items()}},
            "exposure_cap": self.exposure_cap,
            "shuffle": {"items": self.shuffle_items, "options": self.shuffle_options},
            "enemies": [list(g) for g in self.enemies], "knowledge_points": dict(self.kp_minimums),
            "source": self.source,
        }


@dataclass(frozen=True)
class BlueprintProblem:
    field: str
    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.field}: {self.message} [{self.code}]"


class _Collector:
    def __init__(self) -> None:
        self.problems: list[BlueprintProblem] = []

    def add(self, node: Any, field_: str, code: str, message: str) -> None:
        line = node.get("__line__") if isinstance(node, dict) else None
        self.problems.append(BlueprintProblem(field_, code, message, line))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _quota(value: Any) -> tuple[int, int] | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value, value
    if (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value) and value[0] <= value[1]):
        return value[0], value[1]
    return None


def parse_blueprint(data: Any, scope: ProgramScope | None) -> tuple[Blueprint | None, list[BlueprintProblem]]:
    """The blueprint and no problems, or None and every problem found (not just the first)."""
    c = _Collector()
    if not isinstance(data, dict):
        return None, [BlueprintProblem("", "BP_NOT_A_MAPPING", "a blueprint must be a mapping")]
    code = data.get("code")
    if not isinstance(code, str) or not code.strip():
        c.add(data, "code", "BP_FIELD_MISSING", "code is required")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        c.add(data, "title", "BP_FIELD_MISSING", "title is required")
    level = data.get("level")
    work_type = data.get("work_type")
    program_code = scope.code if scope else str(data.get("program", ""))
    if scope is not None:
        if level not in scope.level_work_types:
            c.add(data, "level", "BP_LEVEL_UNKNOWN",
                  f"level {level!r} is not one of {', '.join(scope.level_work_types)}")
        elif work_type is not None and work_type not in scope.level_work_types[level]:
            c.add(data, "work_type", "BP_WORK_TYPE_UNKNOWN",
                  f"work type {work_type!r} is not offered at level {level}")
    duration = _positive_int(data.get("duration_minutes"))
    if duration is None:
        c.add(data, "duration_minutes", "BP_DURATION", "duration_minutes must be a positive whole number")
    total = _number(data.get("total_points"))
    if total is None or total <= 0:
        c.add(data, "total_points", "BP_POINTS_INVALID", "total_points must be a positive number")
    pass_mark = _number(data.get("pass_mark"))
    if pass_mark is None or pass_mark <= 0 or (total is not None and pass_mark > total):
        c.add(data, "pass_mark", "BP_PASS_MARK_RANGE", "pass_mark must be above 0 and at most total_points")

    allowed = set(scope.modules_in_scope(level, work_type)) if scope and level in scope.level_work_types else None
    sections = _sections(data, c, scope, allowed)
    if total is not None and sections and round(sum(s.total for s in sections), 2) != round(total, 2):
        c.add(data, "total_points", "BP_TOTAL_MISMATCH",
              f"sections add up to {sum(s.total for s in sections):g} points, not {total:g}")

    band, target, tolerance, facility = _difficulty(data, c, total)
    cap = _number(data.get("exposure_cap", 1.0))
    if cap is None or not 0 < cap <= 1:
        c.add(data, "exposure_cap", "BP_CAP_RANGE", "exposure_cap is a share of papers, above 0 and at most 1")
    shuffle = data.get("shuffle", {}) or {}
    if not isinstance(shuffle, dict) or any(not isinstance(shuffle.get(k, True), bool) for k in ("items", "options")):
        c.add(data, "shuffle", "BP_SHUFFLE_INVALID", "shuffle takes items: true|false and options: true|false")
        shuffle = {}
    enemies = _enemies(data, c)
    kp_minimums = _kp_minimums(data, c, scope, allowed)
    if c.problems:
        return None, c.problems
    return Blueprint(
        code=code.strip(), program=program_code, title=title.strip(), title_en=str(data.get("title_en", "")),
        level=level, work_type=work_type, duration_minutes=duration, total_points=total, pass_mark=pass_mark,
        sections=tuple(sections), band=band, target=target, tolerance=tolerance, facility=facility,
        exposure_cap=cap, shuffle_items=shuffle.get("items", True), shuffle_options=shuffle.get("options", True),
        enemies=enemies, kp_minimums=kp_minimums, source=str(data.get("source", "")),
    ), []


def _sections(data: dict, c: _Collector, scope: ProgramScope | None, allowed: set[str] | None) -> list[Section]:
    raw = data.get("sections")
    if not isinstance(raw, list) or not raw:
        c.add(data, "sections", "BP_FIELD_MISSING", "sections must be a non-empty list")
        return []
    out = []
    for i, s in enumerate(raw):
        where = f"sections.{i}"
        if not isinstance(s, dict):
            c.add(data, where, "BP_SECTION_INVALID", "each section must be a mapping")
            continue
        n_before = len(c.problems)
        type_ = s.get("type")
        if type_ not in REGISTRY:
            c.add(s, f"{where}.type", "BP_TYPE_UNKNOWN", f"type must be one of {', '.join(REGISTRY)}")
        count = _positive_int(s.get("count"))
        if count is None:
            c.add(s, f"{where}.count", "BP_COUNT_INVALID", "count must be a positive whole number")
        points = _number(s.get("points"))
        if points is None or points <= 0 or round(points * 100) != points * 100:
            c.add(s, f"{where}.points", "BP_POINTS_INVALID", "points must be positive with at most two decimals")
        rule = None
        raw_rule = s.get("rule")
        if isinstance(raw_rule, dict):  # the snapshot form written by Blueprint.as_dict()
            s = {**s, "partial_fraction": raw_rule.get("partial_fraction", 0.5)}
            raw_rule = raw_rule.get("name")
        if type_ == "multi":
            name = raw_rule or "all_or_nothing"
            if name not in RULES:
                c.add(s, f"{where}.rule", "BP_RULE_UNKNOWN", f"rule must be one of {', '.join(RULES)}")
            fraction = _number(s.get("partial_fraction", 0.5))
            if fraction is None or not 0 < fraction < 1:
                c.add(s, f"{where}.partial_fraction", "BP_RULE_UNKNOWN", "partial_fraction must be between 0 and 1")
            rule = {"name": name, "partial_fraction": fraction} if name == "partial" else {"name": name}
        elif raw_rule is not None:
            c.add(s, f"{where}.rule", "BP_RULE_UNKNOWN", "only multiple-choice sections take a scoring rule")
        quotas = []
        modules = s.get("modules")
        if not isinstance(modules, dict) or not [k for k in modules if k != "__line__"]:
            c.add(s, f"{where}.modules", "BP_FIELD_MISSING", "modules must map module codes to a count or [min, max]")
            modules = {}
        for module, value in modules.items():
            if module == "__line__":
                continue
            q = _quota(value)
            if q is None:
                c.add(modules, f"{where}.modules.{module}", "BP_QUOTA_INVALID",
                      "a module takes a whole number or [min, max] with min <= max")
                continue
            if scope is not None and module not in scope.modules:
                c.add(modules, f"{where}.modules.{module}", "BP_MODULE_UNKNOWN", f"module {module} is not in the syllabus")
            elif allowed is not None and module not in allowed:
                c.add(modules, f"{where}.modules.{module}", "BP_MODULE_OUT_OF_SCOPE",
                      f"module {module} is outside the scope of level {data.get('level')} / {data.get('work_type')}")
            quotas.append(Quota(module, *q))
        if count is not None and quotas:
            lo, hi = sum(q.lo for q in quotas), sum(q.hi for q in quotas)
            if not lo <= count <= hi:
                c.add(s, f"{where}.modules", "BP_QUOTA_SUM",
                      f"module counts allow {lo}–{hi} items but the section needs {count}")
        if len(c.problems) == n_before:
            zh, en = TYPE_TITLES.get(type_, (type_, type_))
            out.append(Section(type_, str(s.get("title", zh)), str(s.get("title_en", en)), count, points,
                               tuple(quotas), rule, str(s.get("instructions", ""))))
    types = [s.type for s in out]
    if len(types) != len(set(types)):
        c.add(data, "sections", "BP_SECTION_REPEATED", "each item type may have one section only")
    return out


def _difficulty(data: dict, c: _Collector, total: float | None) -> tuple[tuple[float, float], float, float, dict]:
    raw = data.get("difficulty")
    if not isinstance(raw, dict):
        c.add(data, "difficulty", "BP_FIELD_MISSING", "difficulty needs expected_score: [min, max]")
        return (0.0, 0.0), 0.0, 0.0, DEFAULT_FACILITY
    band = raw.get("expected_score")
    if (not isinstance(band, list) or len(band) != 2 or any(_number(b) is None for b in band)
            or not 0 <= band[0] <= band[1] or (total is not None and band[1] > total)):
        c.add(raw, "difficulty.expected_score", "BP_BAND_INVALID",
              "expected_score must be [min, max] with 0 <= min <= max <= total_points")
        return (0.0, 0.0), 0.0, 0.0, DEFAULT_FACILITY
    lo, hi = float(band[0]), float(band[1])
    target = _number(raw.get("target", (lo + hi) / 2))
    if target is None or not lo <= target <= hi:
        c.add(raw, "difficulty.target", "BP_BAND_INVALID", "target must lie inside expected_score")
        target = (lo + hi) / 2
    # Papers aim this close to the target, so the spread across candidates stays well inside the band.
    tolerance = _number(raw.get("tolerance", min(1.0, (hi - lo) / 2)))
    if tolerance is None or tolerance < 0:
        c.add(raw, "difficulty.tolerance", "BP_BAND_INVALID", "tolerance must be a number >= 0")
        tolerance = 0.0
    facility = dict(DEFAULT_FACILITY)
    for k, v in (raw.get("facility") or {}).items():
        if k == "__line__":
            continue
        f = _number(v)
        if str(k) not in {"1", "2", "3", "4", "5"} or f is None or not 0 <= f <= 1:
            c.add(raw, f"difficulty.facility.{k}", "BP_FACILITY_INVALID",
                  "facility maps difficulty 1-5 to a share between 0 and 1")
        else:
            facility[int(k)] = f
    return (lo, hi), target, tolerance, facility


def _enemies(data: dict, c: _Collector) -> tuple[tuple[str, ...], ...]:
    raw = data.get("enemies") or []
    if not isinstance(raw, list):
        c.add(data, "enemies", "BP_ENEMY_GROUP", "enemies must be a list of lists of item codes")
        return ()
    groups = []
    for i, g in enumerate(raw):
        if not isinstance(g, list) or len(g) < 2 or not all(isinstance(x, str) and x for x in g):
            c.add(data, f"enemies.{i}", "BP_ENEMY_GROUP", "an enemy group lists at least two item codes")
            continue
        groups.append(tuple(g))
    return tuple(groups)


def _kp_minimums(data: dict, c: _Collector, scope: ProgramScope | None, allowed: set[str] | None) -> dict[str, int]:
    raw = data.get("knowledge_points") or {}
    if not isinstance(raw, dict):
        c.add(data, "knowledge_points", "BP_KP_INVALID", "knowledge_points maps codes to a minimum count")
        return {}
    out = {}
    for kp, n in raw.items():
        if kp == "__line__":
            continue
        if _positive_int(n) is None:
            c.add(raw, f"knowledge_points.{kp}", "BP_KP_INVALID", "a knowledge-point minimum is a positive whole number")
            continue
        if scope is not None:
            owners = [m for m, spec in scope.modules.items() if kp in spec.knowledge_points]
            if not owners:
                c.add(raw, f"knowledge_points.{kp}", "BP_KP_UNKNOWN", f"knowledge point {kp} is not in the syllabus")
                continue
            if allowed is not None and not set(owners) & allowed:
                c.add(raw, f"knowledge_points.{kp}", "BP_MODULE_OUT_OF_SCOPE",
                      f"knowledge point {kp} belongs to a module outside the level's scope")
                continue
        out[str(kp)] = n
    return out


def blueprint_from_dict(d: dict[str, Any]) -> Blueprint:
    """Read back `Blueprint.as_dict()` (a paper's snapshot), trusting it was validated when written."""
    bp, problems = parse_blueprint(d, None)
    if bp is None:
        raise ValueError("; ".join(str(p) for p in problems))
    return bp


def scope_from_syllabus(syllabus: Any) -> ProgramScope:
    """A ProgramScope from a parsed `bank.syllabus.Syllabus`."""
    return ProgramScope(
        code=syllabus.program,
        level_work_types={lv.code: tuple(lv.work_types) for lv in syllabus.levels},
        modules={m.code: ModuleScope(tuple(m.levels or ()), m.work_type,
                                     frozenset(k.code for k in m.knowledge_points)) for m in syllabus.modules},
    )


def rule_text(rule: dict[str, Any] | None, lang: str = "zh") -> str:
    if not rule:
        return ""
    zh, en = RULE_TEXT[rule["name"]]
    return zh if lang == "zh" else en
