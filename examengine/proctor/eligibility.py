"""Who may sit which exam: entry conditions, training gate, enrolment validity and retakes (pure).

The notices state these rules in prose and differ per program, so each program's rules are data
(`question_banks/<program>/eligibility.yaml`, parsed by the caller and handed to `parse_rules`), and one
evaluator applies them. A refusal names every rule that failed and what was found, because staff must be
able to tell a candidate exactly which proof is missing."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NoReturn

from examengine.proctor.education import LABEL_EN, LABEL_ZH, RANK, at_least

# Certificates from outside the engine's programs (其他职业或技能证书、职称证书): `level` is their grade.
OTHER = "other"
OTHER_GRADES = ("junior", "intermediate", "senior")
_GRADE_ZH = {"junior": "初级", "intermediate": "中级", "senior": "高级"}
RETAKE_AFTER = ("refused", "paid")
ATTEMPT_KINDS = ("first", "free_retake", "paid_retake")
# Facts that only a document proves (在校证明, 学历专业, 工作单位); staff attest them at registration.
FLAGS: dict[str, tuple[str, str]] = {
    "student": ("在校学生（含职业院校在读）", "a current student (vocational school included)"),
    "related_major": ("环境工程与科学、能源等相关专业", "a related major (environmental science and engineering, energy, ...)"),
    "sector_staff": ("能源、环境、循环经济教科研单位相关技术人员或节能及环境交易所相关人员",
                     "technical staff of an energy, environment or circular-economy research or teaching body, "
                     "or staff of an energy-saving or environmental exchange"),
}
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$", re.IGNORECASE)
_EPS = 1e-9  # hours and years are compared as floats; 79.99999999 must not fail an 80 that was meant


# ----------------------------------------------------------------------------------------------- the facts

@dataclass(frozen=True)
class HeldCertificate:
    program: str  # program id, or OTHER for an outside certificate / professional title
    level: str  # level code from that program's syllabus (for OTHER: junior | intermediate | senior)
    work_type: str | None
    issued_on: date


@dataclass(frozen=True)
class Attempt:
    """An earlier sitting of this program + level (+ work type)."""
    sat_on: date
    passed: bool | None  # None while not yet scored
    paid: bool = False  # a paid retake


@dataclass(frozen=True)
class CandidateFacts:
    education: str | None  # education.py code of the highest completed education
    work_started_on: date | None  # start of related work; years are counted from it to the exam date
    related_work_years: float | None = None  # a number from a form; used only if work_started_on is None
    certificates: tuple[HeldCertificate, ...] = ()
    training_hours: float = 0.0  # hours completed for this program/level (and work type)
    course_hours: float | None = None  # the course's total hours, if known (for share-based gates)
    enrolled_on: date | None = None  # the enrolment this sitting belongs to
    attempts: tuple[Attempt, ...] = ()  # earlier attempts at this same program/level/work type
    # Document-proven facts some notices name (see FLAGS); they default to "not shown".
    student: bool = False
    related_major: bool = False
    sector_staff: bool = False


# --------------------------------------------------------------------------------------------- the answer

@dataclass(frozen=True)
class Failure:
    rule: str  # stable code, ELIG_*
    message_zh: str  # which condition failed and what was found
    message_en: str
    detail: dict  # the numbers behind the message


@dataclass(frozen=True)
class Decision:
    eligible: bool
    failures: tuple[Failure, ...]
    attempt_kind: str  # "first" | "free_retake" | "paid_retake"
    satisfied_by: str | None  # id of the any_of alternative that qualified, for the record


# ---------------------------------------------------------------------------------------------- the rules

@dataclass(frozen=True)
class CertificateRequirement:
    program: str
    level: str
    same_work_type: bool = False


@dataclass(frozen=True)
class Condition:
    """One alternative of a level's any_of list; every requirement it sets must hold."""
    id: str
    label_zh: str
    label_en: str
    education_at_least: str | None = None
    related_work_years: float | None = None
    certificate: CertificateRequirement | None = None
    years_since_certificate: float | None = None  # min(years since issue, years of related work)
    certificate_held_years: float | None = None  # years since issue only (证书满一年)
    student: bool = False
    related_major: bool = False
    sector_staff: bool = False


@dataclass(frozen=True)
class LevelRules:
    code: str
    name_zh: str
    name_en: str
    any_of: tuple[Condition, ...]


@dataclass(frozen=True)
class TrainingGate:
    """Both parts, when both are set, must hold: each is a condition some notice imposes."""
    min_hours: float | None = None
    min_share: float | None = None  # of the course's total hours; checked only when those are known


@dataclass(frozen=True)
class RetakePolicy:
    free_retakes: int = 0
    within_months: int | None = None  # free-retake window, counted from the first failed attempt
    after: str = "paid"  # once free retakes are used or their window closed: "refused" | "paid"


@dataclass(frozen=True)
class ProgramRules:
    program: str
    enrolment_valid_months: int
    training: TrainingGate
    retake: RetakePolicy
    levels: dict[str, LevelRules]
    name_zh: str = ""
    name_en: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The YAML shape, labels spelled out; parse_rules(as_dict()) gives back an equal object."""
        out: dict[str, Any] = {"program": self.program}
        if self.name_zh:
            out["name_zh"] = self.name_zh
        if self.name_en:
            out["name_en"] = self.name_en
        out["enrolment_valid_months"] = self.enrolment_valid_months
        out["training"] = {k: v for k, v in (("min_hours", self.training.min_hours),
                                             ("min_share", self.training.min_share)) if v is not None}
        retake: dict[str, Any] = {"free_retakes": self.retake.free_retakes}
        if self.retake.within_months is not None:
            retake["within_months"] = self.retake.within_months
        retake["after"] = self.retake.after
        out["retake"] = retake
        out["levels"] = {code: {"name_zh": lv.name_zh, "name_en": lv.name_en,
                                "any_of": [_condition_dict(c) for c in lv.any_of]}
                         for code, lv in self.levels.items()}
        return out


def _condition_dict(c: Condition) -> dict[str, Any]:
    out: dict[str, Any] = {"id": c.id, "label_zh": c.label_zh, "label_en": c.label_en}
    for key in ("education_at_least", "related_work_years"):
        if getattr(c, key) is not None:
            out[key] = getattr(c, key)
    if c.certificate:
        out["certificate"] = {"program": c.certificate.program, "level": c.certificate.level}
        if c.certificate.same_work_type:
            out["certificate"]["same_work_type"] = True
    for key in ("years_since_certificate", "certificate_held_years"):
        if getattr(c, key) is not None:
            out[key] = getattr(c, key)
    out.update({flag: True for flag in FLAGS if getattr(c, flag)})
    return out


# ------------------------------------------------------------------------------------------------ parsing

class RulesError(ValueError):
    """Bad rules content: `code`, the field `path` (e.g. levels.L3.any_of[1].education_at_least), the file."""

    def __init__(self, code: str, path: str, message: str, source: str = "") -> None:
        super().__init__(f"{source or '<rules>'}: {path or '(top)'}: {message}")
        self.code, self.path, self.message, self.source = code, path, message, source


_TOP_KEYS = {"program", "name_zh", "name_en", "enrolment_valid_months", "training", "retake", "levels"}
_LEVEL_KEYS = {"name_zh", "name_en", "any_of"}
_CONDITION_KEYS = {"id", "label_zh", "label_en", "education_at_least", "related_work_years", "certificate",
                   "years_since_certificate", "certificate_held_years", *FLAGS}
_REQUIREMENT_KEYS = _CONDITION_KEYS - {"id", "label_zh", "label_en"}


class _Reader:
    """Type checks that raise RulesError with the file and the field path."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, message: str, code: str = "ELIG_RULES_INVALID") -> NoReturn:
        raise RulesError(code, path, message, self.source)

    def mapping(self, value: Any, path: str, allowed: set[str], required: set[str]) -> dict[str, Any]:
        if not isinstance(value, dict):
            self.fail(path, f"expected a mapping, found {type(value).__name__}")
        for key in value:
            if key not in allowed:
                self.fail(_join(path, str(key)), f"unknown key {key!r} (allowed: {', '.join(sorted(allowed))})",
                          "ELIG_RULES_UNKNOWN_KEY")
        for key in sorted(required - set(value)):
            self.fail(_join(path, key), f"required key {key!r} is missing", "ELIG_RULES_MISSING_KEY")
        return value

    def text(self, value: Any, path: str, pattern: re.Pattern[str] | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"expected non-empty text, found {value!r}")
        if pattern and not pattern.match(value):
            self.fail(path, f"{value!r} is not a valid code (letters, digits, underscores)")
        return value.strip()

    def number(self, value: Any, path: str, *, integer: bool = False, positive: bool = False,
               maximum: float | None = None) -> float:
        if isinstance(value, bool) or not isinstance(value, int if integer else (int, float)):
            self.fail(path, f"expected {'a whole number' if integer else 'a number'}, found {value!r}")
        if value < 0 or (positive and value == 0):
            self.fail(path, f"must be {'greater than 0' if positive else 'zero or more'}, found {value!r}")
        if maximum is not None and value > maximum:
            self.fail(path, f"must be at most {maximum:g}, found {value!r}")
        return value

    def true(self, value: Any, path: str) -> bool:
        if value is not True:
            self.fail(path, f"only `true` is meaningful here (omit the key otherwise), found {value!r}")
        return True


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def parse_rules(data: dict, source: str = "") -> ProgramRules:
    """Validate one program's eligibility rules (already-parsed YAML); RulesError names file and field."""
    r = _Reader(source)
    top = r.mapping(data, "", _TOP_KEYS, {"program", "enrolment_valid_months", "training", "retake", "levels"})
    program = r.text(top["program"], "program", _CODE_RE)
    months = int(r.number(top["enrolment_valid_months"], "enrolment_valid_months", integer=True, positive=True))

    tr = r.mapping(top["training"], "training", {"min_hours", "min_share"}, set())
    if not tr:
        r.fail("training", "give min_hours, min_share or both", "ELIG_RULES_MISSING_KEY")
    training = TrainingGate(
        float(r.number(tr["min_hours"], "training.min_hours")) if "min_hours" in tr else None,
        float(r.number(tr["min_share"], "training.min_share", positive=True, maximum=1)) if "min_share" in tr
        else None)

    rt = r.mapping(top["retake"], "retake", {"free_retakes", "within_months", "after"}, {"free_retakes", "after"})
    free = int(r.number(rt["free_retakes"], "retake.free_retakes", integer=True))
    within = int(r.number(rt["within_months"], "retake.within_months", integer=True, positive=True)) \
        if "within_months" in rt else None
    if free and within is None:
        r.fail("retake.within_months", "free retakes need a window in months", "ELIG_RULES_MISSING_KEY")
    if rt["after"] not in RETAKE_AFTER:
        r.fail("retake.after", f"expected one of {', '.join(RETAKE_AFTER)}, found {rt['after']!r}")

    raw_levels = top["levels"]
    if not isinstance(raw_levels, dict) or not raw_levels:
        r.fail("levels", "expected a non-empty mapping of level codes")
    # First pass: names and raw conditions, so that certificates may refer to any level of the program.
    names: dict[str, tuple[str, str]] = {}
    for code, raw in raw_levels.items():
        path = f"levels.{code}"
        if not isinstance(code, str) or not _CODE_RE.match(code):
            r.fail(path, f"{code!r} is not a valid level code")
        lv = r.mapping(raw, path, _LEVEL_KEYS, _LEVEL_KEYS)
        names[code] = (r.text(lv["name_zh"], f"{path}.name_zh"), r.text(lv["name_en"], f"{path}.name_en"))
    levels: dict[str, LevelRules] = {}
    for code, raw in raw_levels.items():
        path = f"levels.{code}.any_of"
        if not isinstance(raw["any_of"], list) or not raw["any_of"]:
            r.fail(path, "expected a non-empty list of alternative conditions")
        conditions: list[Condition] = []
        for i, cond in enumerate(raw["any_of"]):
            c = _parse_condition(r, cond, f"{path}[{i}]", program, names)
            if any(c.id == seen.id for seen in conditions):
                r.fail(f"{path}[{i}].id", f"duplicate condition id {c.id!r}")
            conditions.append(c)
        levels[code] = LevelRules(code, *names[code], tuple(conditions))
    return ProgramRules(program, months, training, RetakePolicy(free, within, rt["after"]), levels,
                        r.text(top["name_zh"], "name_zh") if "name_zh" in top else "",
                        r.text(top["name_en"], "name_en") if "name_en" in top else "")


def _parse_condition(r: _Reader, raw: Any, path: str, program: str,
                     names: dict[str, tuple[str, str]]) -> Condition:
    c = r.mapping(raw, path, _CONDITION_KEYS, {"id"})
    if not _REQUIREMENT_KEYS & set(c):
        r.fail(path, f"a condition needs at least one of {', '.join(sorted(_REQUIREMENT_KEYS))}",
               "ELIG_RULES_MISSING_KEY")
    edu = c.get("education_at_least")
    if edu is not None and edu not in RANK:
        r.fail(f"{path}.education_at_least", f"unknown education code {edu!r} (known: {', '.join(RANK)})")
    cert = None
    if "certificate" in c:
        cp = f"{path}.certificate"
        spec = r.mapping(c["certificate"], cp, {"program", "level", "same_work_type"}, {"level"})
        cert_program = r.text(spec.get("program", program), f"{cp}.program", _CODE_RE)
        level = r.text(spec["level"], f"{cp}.level")
        if cert_program == program and level not in names:
            r.fail(f"{cp}.level", f"level {level!r} does not exist in {program} (levels: {', '.join(names)})",
                   "ELIG_RULES_UNKNOWN_LEVEL")
        if cert_program == OTHER and level not in OTHER_GRADES:
            r.fail(f"{cp}.level", f"an outside certificate's grade is one of {', '.join(OTHER_GRADES)}",
                   "ELIG_RULES_UNKNOWN_LEVEL")
        same = r.true(spec["same_work_type"], f"{cp}.same_work_type") if "same_work_type" in spec else False
        cert = CertificateRequirement(cert_program, level, same)
    for key in ("years_since_certificate", "certificate_held_years"):
        if key in c and cert is None:
            r.fail(f"{path}.{key}", f"{key} needs a certificate in the same condition", "ELIG_RULES_MISSING_KEY")
    years = {key: float(r.number(c[key], f"{path}.{key}")) if key in c else None
             for key in ("related_work_years", "years_since_certificate", "certificate_held_years")}
    flags = {flag: r.true(c[flag], f"{path}.{flag}") if flag in c else False for flag in FLAGS}
    cid = r.text(c["id"], f"{path}.id", _CODE_RE)
    draft = Condition(cid, "", "", edu, certificate=cert, **years, **flags)
    label_zh = r.text(c["label_zh"], f"{path}.label_zh") if "label_zh" in c else _label(draft, names, "zh", program)
    label_en = r.text(c["label_en"], f"{path}.label_en") if "label_en" in c else _label(draft, names, "en", program)
    return Condition(cid, label_zh, label_en, edu, certificate=cert, **years, **flags)


# ------------------------------------------------------------------------------------------------ wording

def _num(x: float) -> str:
    return f"{round(x, 2):g}"


def _cert_name(program: str, level: str, names: dict[str, tuple[str, str]], own: str, lang: str,
               asked: bool = True) -> str:
    """A certificate in words; `asked` words an outside grade as a minimum, a held one as itself."""
    zh = lang == "zh"
    if program == OTHER:
        grade = _GRADE_ZH.get(level, level) if zh else level
        if asked:
            return (f"其他{grade}及以上职业或技能证书、职称证书" if zh
                    else f"another {grade} (or higher) vocational or skill certificate or professional title")
        return f"{grade}职业或技能证书、职称证书" if zh else f"a {grade} outside certificate or title"
    if program == own and level in names:
        return f"{names[level][0]}证书" if zh else f"a {names[level][1]} certificate"
    return f"{program} {level}证书" if zh else f"a {program} {level} certificate"


def _label(c: Condition, names: dict[str, tuple[str, str]], lang: str, own: str) -> str:
    """A condition in words, when the YAML gives no label of its own."""
    zh = lang == "zh"
    parts: list[str] = []
    if c.education_at_least:
        parts.append(f"{LABEL_ZH[c.education_at_least]}及以上学历" if zh
                     else f"{LABEL_EN[c.education_at_least]} or above")
    parts += [FLAGS[f][0 if zh else 1] for f in FLAGS if getattr(c, f)]
    if c.certificate:
        held = "持有" if zh else "holding "
        parts.append(held + _cert_name(c.certificate.program, c.certificate.level, names, own, lang)
                     + (("（同一工种）" if zh else " of the same work type") if c.certificate.same_work_type else ""))
    if c.related_work_years is not None:
        parts.append(f"从事相关工作满{_num(c.related_work_years)}年" if zh
                     else f"{_num(c.related_work_years)} years of related work")
    if c.years_since_certificate is not None:
        parts.append(f"取得证书后从事相关工作满{_num(c.years_since_certificate)}年" if zh
                     else f"{_num(c.years_since_certificate)} years of related work since its issue")
    if c.certificate_held_years is not None:
        parts.append(f"取得证书满{_num(c.certificate_held_years)}年" if zh
                     else f"held for {_num(c.certificate_held_years)} years")
    return ("，" if zh else ", ").join(parts)


# ----------------------------------------------------------------------------------------- date arithmetic

def add_months(d: date, months: int) -> date:
    """`months` calendar months after `d`, the day clamped to the month's end (08-31 + 6 -> 02-28/29)."""
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    """Whole calendar months from `start` to `end`: the largest n with add_months(start, n) <= end."""
    if end <= start:
        return 0
    n = (end.year - start.year) * 12 + end.month - start.month
    while n > 0 and add_months(start, n) > end:
        n -= 1
    return n


def _months(years: float) -> int:
    return round(years * 12)


def _work_reached(facts: CandidateFacts, on: date, years: float) -> bool:
    if facts.work_started_on is not None:
        return months_between(facts.work_started_on, on) >= _months(years)
    if facts.related_work_years is not None:
        return facts.related_work_years + _EPS >= years
    return years <= 0


def _work_years(facts: CandidateFacts, on: date) -> float | None:
    if facts.work_started_on is not None:
        return round(months_between(facts.work_started_on, on) / 12, 2)
    return facts.related_work_years


def _work_text(facts: CandidateFacts, on: date, lang: str) -> str:
    zh = lang == "zh"
    if facts.work_started_on is not None:
        y, m = divmod(months_between(facts.work_started_on, on), 12)
        if zh:
            return "相关工作" + (f"{y}年" if y or not m else "") + (f"{m}个月" if m else "")
        return f"{y} years {m} months of related work" if m else f"{y} years of related work"
    if facts.related_work_years is not None:
        return (f"相关工作{_num(facts.related_work_years)}年" if zh
                else f"{_num(facts.related_work_years)} years of related work")
    return "相关工作年限未登记" if zh else "years of related work not given"


# ------------------------------------------------------------------------------------------------ evaluate

def _cert_matches(req: CertificateRequirement, cert: HeldCertificate, work_type: str | None, on: date) -> bool:
    if cert.program != req.program or cert.issued_on > on:
        return False
    if req.program == OTHER:  # a higher grade or title is more than the notice asks for
        if cert.level not in OTHER_GRADES or OTHER_GRADES.index(cert.level) < OTHER_GRADES.index(req.level):
            return False
    elif cert.level != req.level:
        return False
    return not req.same_work_type or (cert.work_type or None) == (work_type or None)  # "" from forms = none


def _holds(c: Condition, work_type: str | None, facts: CandidateFacts, on: date) -> bool:
    if c.education_at_least and not at_least(facts.education, c.education_at_least):
        return False
    if any(getattr(c, f) and not getattr(facts, f) for f in FLAGS):
        return False
    if c.related_work_years is not None and not _work_reached(facts, on, c.related_work_years):
        return False
    if c.certificate is None:
        return True
    for cert in facts.certificates:
        if not _cert_matches(c.certificate, cert, work_type, on):
            continue
        since = months_between(cert.issued_on, on)
        if c.certificate_held_years is not None and since < _months(c.certificate_held_years):
            continue
        if c.years_since_certificate is not None and (
                since < _months(c.years_since_certificate)
                or not _work_reached(facts, on, c.years_since_certificate)):
            continue
        return True
    return False


def _candidate_text(lv: LevelRules, rules: ProgramRules, facts: CandidateFacts, on: date, lang: str) -> str:
    """What the candidate had, limited to what this level's conditions look at."""
    zh = lang == "zh"
    labels = LABEL_ZH if zh else LABEL_EN
    parts = [labels.get(facts.education or "", "学历未登记" if zh else "education not given"),
             _work_text(facts, on, lang)]
    for flag in FLAGS:
        if any(getattr(c, flag) for c in lv.any_of) and getattr(facts, flag):
            parts.append(FLAGS[flag][0 if zh else 1])
    wanted = {c.certificate for c in lv.any_of if c.certificate}
    if wanted:
        names = {code: (x.name_zh, x.name_en) for code, x in rules.levels.items()}
        held = [cert for cert in facts.certificates
                if any(_cert_matches(CertificateRequirement(w.program, w.level), cert, None, on) for w in wanted)]
        for cert in held:
            name = _cert_name(cert.program, cert.level, names, rules.program, lang, asked=False)
            parts.append(f"持有{name}（{cert.issued_on.isoformat()}颁发）" if zh
                         else f"holding {name} (issued {cert.issued_on.isoformat()})")
        if not held:
            parts.append("未持有所需证书" if zh else "none of the certificates named")
    return ("，" if zh else ", ").join(parts)


def _entry_failure(lv: LevelRules, rules: ProgramRules, facts: CandidateFacts, on: date) -> Failure:
    return Failure(
        "ELIG_EDUCATION_OR_EXPERIENCE",
        f"学历或工作年限不符合{lv.name_zh}报名条件：需满足其一：{'；'.join(c.label_zh for c in lv.any_of)}。"
        f"本人：{_candidate_text(lv, rules, facts, on, 'zh')}",
        f"Education or work experience does not meet the entry conditions of {lv.name_en}; any one of: "
        f"{'; '.join(c.label_en for c in lv.any_of)}. Candidate: {_candidate_text(lv, rules, facts, on, 'en')}.",
        {"level": lv.code, "alternatives": [c.id for c in lv.any_of], "education": facts.education,
         "related_work_years": _work_years(facts, on),
         "certificates": [(c.program, c.level, c.issued_on.isoformat()) for c in facts.certificates],
         **{flag: getattr(facts, flag) for flag in FLAGS}})


def _share_text(share: float, lang: str) -> str:
    if share >= 1:
        return "课程全部学时" if lang == "zh" else "all of the course's hours"
    return f"课程学时的{share * 100:g}%" if lang == "zh" else f"{share * 100:g}% of the course's hours"


def _training_failure(gate: TrainingGate, facts: CandidateFacts) -> Failure | None:
    required = gate.min_hours
    share_hours = None
    if gate.min_share is not None and facts.course_hours is not None:
        share_hours = round(gate.min_share * facts.course_hours, 2)
        required = max(required or 0.0, share_hours)
    done = facts.training_hours
    detail = {"required_hours": required, "completed_hours": done, "min_hours": gate.min_hours,
              "min_share": gate.min_share, "course_hours": facts.course_hours}
    if required is None:
        # A share-only gate without the course's total: the hours cannot be checked, so do not let anyone in.
        share = gate.min_share or 1.0
        return Failure("ELIG_TRAINING_HOURS",
                       f"无法核对培训学时：课程总学时未登记，需完成{_share_text(share, 'zh')}（已完成 {_num(done)} 学时）",
                       f"Training hours cannot be checked: the course's total hours are not recorded; "
                       f"{_share_text(share, 'en')} are required ({_num(done)} completed)", detail)
    if done + _EPS >= required:
        return None
    why_zh = why_en = ""
    if share_hours is not None and share_hours >= (gate.min_hours or 0):
        why_zh = f"（{_share_text(gate.min_share or 1.0, 'zh')}，课程共 {_num(facts.course_hours or 0)} 学时）"
        why_en = f" ({_share_text(gate.min_share or 1.0, 'en')}, {_num(facts.course_hours or 0)} in all)"
    return Failure("ELIG_TRAINING_HOURS",
                   f"培训学时不足：已完成 {_num(done)} 学时，需至少 {_num(required)} 学时{why_zh}",
                   f"Not enough training: {_num(done)} hours completed, at least {_num(required)} required{why_en}",
                   detail)


def _enrolment_failure(months: int, facts: CandidateFacts, on: date) -> Failure | None:
    start = facts.enrolled_on
    if start is None:
        return Failure("ELIG_NOT_ENROLLED", "未报名培训：没有本次考试所属的报名记录",
                       "Not enrolled: there is no enrolment this sitting belongs to", {"enrolled_on": None})
    if on < start:
        return Failure("ELIG_NOT_ENROLLED", f"考试日期 {on.isoformat()} 早于报名日期 {start.isoformat()}",
                       f"The exam date {on.isoformat()} is before the enrolment on {start.isoformat()}",
                       {"enrolled_on": start.isoformat(), "on": on.isoformat()})
    expires = add_months(start, months)
    if on <= expires:
        return None
    return Failure("ELIG_ENROLMENT_EXPIRED",
                   f"报名已过有效期：{start.isoformat()} 报名，有效期 {months} 个月，至 {expires.isoformat()} 止；"
                   f"考试日期 {on.isoformat()}",
                   f"The enrolment has expired: enrolled on {start.isoformat()}, valid for {months} months until "
                   f"{expires.isoformat()}; exam date {on.isoformat()}",
                   {"enrolled_on": start.isoformat(), "valid_months": months, "expires_on": expires.isoformat(),
                    "on": on.isoformat()})


def _attempt_check(policy: RetakePolicy, attempts: tuple[Attempt, ...], on: date) -> tuple[str, list[Failure]]:
    if not attempts:
        return "first", []
    done = sorted(attempts, key=lambda a: a.sat_on)
    failures: list[Failure] = []
    passed = [a for a in done if a.passed]
    pending = [a for a in done if a.passed is None]
    if passed:
        d = passed[0].sat_on.isoformat()
        failures.append(Failure("ELIG_ALREADY_PASSED", f"已于 {d} 通过本级别考试，无需再考",
                                f"Already passed this exam on {d}", {"passed_on": d}))
    if pending:
        d = pending[0].sat_on.isoformat()
        failures.append(Failure("ELIG_RESULT_PENDING", f"{d} 的考试成绩尚未评定，出成绩前不能再次报考",
                                f"The result of the sitting on {d} is not yet known; no retake before it is",
                                {"pending_on": d}))
    # The window opens at the first fail (首次考试未及格的，半年内有一次免费补考); paid sittings do not use it up.
    first = done[0]
    used = sum(1 for a in done[1:] if not a.paid)
    closes = add_months(first.sat_on, policy.within_months) if policy.within_months is not None else None
    if used < policy.free_retakes and closes is not None and on <= closes:
        return "free_retake", failures
    if policy.after == "refused" and not passed and not pending:
        detail = {"first_failed_on": first.sat_on.isoformat(), "free_retakes": policy.free_retakes,
                  "free_retakes_used": used, "window_closes_on": closes.isoformat() if closes else None,
                  "on": on.isoformat()}
        if closes is None:
            zh, en = "本项目不安排补考", "This program offers no retake"
        elif used >= policy.free_retakes:
            zh = (f"补考机会已用完：首次考试 {first.sat_on.isoformat()} 未通过，已免费补考 {used} 次"
                  f"（限 {policy.free_retakes} 次，期限至 {closes.isoformat()}），不再安排补考")
            en = (f"No retake left: the first sitting on {first.sat_on.isoformat()} failed and {used} free "
                  f"retake(s) were used (of {policy.free_retakes}, window until {closes.isoformat()})")
        else:
            zh = (f"免费补考期限已过：首次考试 {first.sat_on.isoformat()} 未通过，免费补考须在 "
                  f"{closes.isoformat()} 前（含当日）参加，考试日期 {on.isoformat()}")
            en = (f"The free retake window closed on {closes.isoformat()} (first sitting failed on "
                  f"{first.sat_on.isoformat()}); exam date {on.isoformat()}")
        failures.append(Failure("ELIG_RETAKE_USED", zh, en, detail))
    return "paid_retake", failures


def evaluate(rules: ProgramRules, level: str, work_type: str | None, facts: CandidateFacts, on: date) -> Decision:
    """May this candidate sit `level` (and `work_type`) on `on`? Every failed rule is reported, not the first."""
    failures: list[Failure] = []
    satisfied_by = None
    lv = rules.levels.get(level)
    if lv is None:
        known = "、".join(f"{x.name_zh} {code}" for code, x in rules.levels.items())
        failures.append(Failure("ELIG_UNKNOWN_LEVEL", f"未知级别：{level}（本项目级别：{known}）",
                                f"Unknown level {level!r} (levels: {', '.join(rules.levels)})",
                                {"level": level, "known": list(rules.levels)}))
    else:
        satisfied_by = next((c.id for c in lv.any_of if _holds(c, work_type, facts, on)), None)
        if satisfied_by is None:
            failures.append(_entry_failure(lv, rules, facts, on))
    failures += [f for f in (_training_failure(rules.training, facts),
                             _enrolment_failure(rules.enrolment_valid_months, facts, on)) if f]
    kind, attempt_failures = _attempt_check(rules.retake, facts.attempts, on)
    failures += attempt_failures
    return Decision(not failures, tuple(failures), kind, satisfied_by)


# ------------------------------------------------------------------------------------------------- summary

def rules_summary(rules: ProgramRules, level: str, lang: str = "zh") -> list[str]:
    """A level's conditions in words, one line per rule, for a page; KeyError for an unknown level."""
    lv = rules.levels[level]
    zh = lang == "zh"
    lines = [(f"{lv.name_zh}报名条件（满足其一）：" + "；".join(c.label_zh for c in lv.any_of)) if zh
             else f"Entry conditions for {lv.name_en} (any one): " + "; ".join(c.label_en for c in lv.any_of)]
    t = rules.training
    parts = []
    if t.min_hours is not None:
        parts.append(f"至少 {_num(t.min_hours)} 学时" if zh else f"at least {_num(t.min_hours)} hours")
    if t.min_share is not None:
        parts.append(_share_text(t.min_share, lang))
    lines.append(("考前培训：完成" + "，且完成".join(parts)) if zh
                 else "Training before the exam: " + ", and ".join(parts))
    m = rules.enrolment_valid_months
    lines.append(f"报名有效期：自报名之日起 {m} 个月" if zh else f"An enrolment is valid for {m} months")
    rp = rules.retake
    then_zh, then_en = ("此后补考需缴费", "further retakes are paid") if rp.after == "paid" \
        else ("此后不再安排补考", "no further retake")
    if rp.free_retakes and zh:
        lines.append(f"补考：首次考试未通过后 {rp.within_months} 个月内可免费补考 {rp.free_retakes} 次；{then_zh}")
    elif rp.free_retakes:
        lines.append(f"Retakes: {rp.free_retakes} free within {rp.within_months} months of a first fail; {then_en}")
    elif zh:
        lines.append("补考：需缴费补考" if rp.after == "paid" else "补考：不安排补考")
    else:
        lines.append("Retakes: paid" if rp.after == "paid" else "Retakes: none")
    return lines
