"""The marking service: marking policies, suggestions, the graders' blind queue, marks, double marking and
adjudication, the audit trail, regrading and agreement. One transaction per use case.

The rules themselves (draws, resolving two marks, the states of an answer) live in the pure `marking` module;
here they meet the tables. Every change to a score writes a ScoreEvent: who, when, from what, why."""

from __future__ import annotations

import hashlib
import json
import math
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from examengine.auth.models import User
from examengine.auth.permissions import can, require
from examengine.bank.models import Item, ItemVersion
from examengine.bank.service import version_content
from examengine.db import db, utcnow
from examengine.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationError
from examengine.papers.models import Paper, PaperSet
from examengine.proctor.models import ExamSession, Sitting
from examengine.scoring import agreement as agr
from examengine.scoring import marking
from examengine.scoring.models import Mark, MarkingPolicy, ResponseScore, ScoreEvent
from examengine.scoring.objective import ItemScorer, PaperItemSpec
from examengine.scoring.shortanswer import ItemSpec, Scorer, Suggestion, round_to_step

SHORT = "short"
# Final scores people decided: what the scorer learns from (never its own auto-confirmations).
HUMAN_SOURCES = ("confirmed", "double", "adjudicated")
MIN_FIT = 10  # confirmations before a per-item model is fitted
REFIT_GROWTH = 1.5  # refit when confirmations have grown by half since the last fit


def _recompute(session_id: int) -> None:
    from examengine.scoring import service  # imported late: the scoring service may import this module

    service.recompute_result(session_id, commit=False)  # our use case owns the transaction


def _dec(x: float | Decimal | None) -> Decimal | None:
    return None if x is None else Decimal(str(round(float(x), 2)))


def _num(x: Decimal | float | None) -> float | None:
    return None if x is None else float(x)


def _sitting(code_or_id: str | int) -> Sitting:
    from examengine.proctor.service import get_sitting  # the proctor component owns sittings

    return get_sitting(code_or_id)


def _response(response_id: int, lock: bool = False) -> ResponseScore:
    q = select(ResponseScore).where(ResponseScore.id == response_id)
    if lock:  # PostgreSQL: two graders on one answer queue up here; SQLite serialises writers anyway
        q = q.with_for_update()
    rs = db.session.scalar(q)
    if rs is None:
        raise NotFound(f"response {response_id} does not exist", code="RESPONSE_NOT_FOUND")
    return rs


def _event(rs: ResponseScore, kind: str, actor_id: int | None, old: Decimal | None, new: Decimal | None,
           reason: str = "", **detail: Any) -> None:
    db.session.add(ScoreEvent(response_score_id=rs.id, kind=kind, actor_id=actor_id, old_points=old,
                              new_points=new, reason=reason, detail=detail or None, created_at=utcnow()))


# ---- the marking policy ----------------------------------------------------------------------------------

def policy_of(sitting_id: int) -> marking.Policy:
    """The sitting's policy, or the defaults when staff have not set one."""
    row = db.session.get(MarkingPolicy, sitting_id)
    if row is None:
        return marking.Policy()
    return marking.Policy(row.double_mode, int(row.double_percent), float(row.tolerance),
                          bool(row.second_sees_suggestion), bool(row.auto_confirm),
                          float(row.auto_confirm_confidence), int(row.auto_confirm_sample_percent))


def get_policy(actor: User | None, sitting_code: str) -> dict[str, Any]:
    require(actor, "results.manage")
    return asdict(policy_of(_sitting(sitting_code).id))


_BOOLS = {"true": True, "1": True, "on": True, "yes": True, "false": False, "0": False, "off": False, "no": False,
          "": False}


def _parse_policy(current: marking.Policy, data: dict[str, Any]) -> marking.Policy:
    """A policy from `data` over the current one; ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    codes: list[str] = []
    values: dict[str, Any] = asdict(current)
    known = {f.name: f.type for f in fields(marking.Policy)}
    for name, raw in data.items():
        if name not in known:
            errors[name] = ["unknown field"]
            codes.append("POLICY_FIELD_UNKNOWN")
            continue
        kind = type(values[name])
        try:
            if kind is bool:
                value = raw if isinstance(raw, bool) else _BOOLS[str(raw).strip().lower()]
            elif kind is int:
                if isinstance(raw, bool) or float(raw) != int(float(raw)):
                    raise ValueError
                value = int(float(raw))
            elif kind is float:
                if isinstance(raw, bool):
                    raise ValueError
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError
            else:
                value = str(raw).strip()
        except (KeyError, TypeError, ValueError):
            errors[name] = [f"not a valid {kind.__name__}"]
            codes.append("POLICY_VALUE_INVALID")
            continue
        values[name] = value
    policy = marking.Policy(**values)
    messages = {"POLICY_MODE_INVALID": "one of none, sample, all", "POLICY_PERCENT_INVALID": "0 to 100",
                "POLICY_TOLERANCE_INVALID": "more than 0 and at most 10 (points on a 10-point scale)",
                "POLICY_CONFIDENCE_INVALID": "0 to 1"}
    for name, code in marking.policy_problems(policy).items():
        if name not in errors:
            errors[name] = [messages[code]]
            codes.append(code)
    if errors:
        raise ValidationError(errors, code=codes[0])
    return policy


def set_policy(actor: User | None, sitting_code: str, data: dict[str, Any]) -> dict[str, Any]:
    """Change a sitting's marking policy (only the fields given). Answers nobody has marked yet are drawn again
    under it (the draws are deterministic, so unchanged settings keep the same answers) and auto-confirmed where
    it now allows; answers already being marked keep their draw."""
    actor = require(actor, "results.manage")
    sitting = _sitting(sitting_code)
    policy = _parse_policy(policy_of(sitting.id), data)
    row = db.session.get(MarkingPolicy, sitting.id) or MarkingPolicy(sitting_id=sitting.id)
    row.double_mode, row.double_percent = policy.double_mode, policy.double_percent
    row.tolerance, row.second_sees_suggestion = _dec(policy.tolerance), policy.second_sees_suggestion
    row.auto_confirm, row.auto_confirm_sample_percent = policy.auto_confirm, policy.auto_confirm_sample_percent
    row.auto_confirm_confidence = Decimal(str(round(policy.auto_confirm_confidence, 3)))
    row.updated_at, row.updated_by_id = utcnow(), actor.id
    db.session.add(row)
    _settle(_unmarked(sitting.id), policy)
    db.session.commit()
    return asdict(policy)


# ---- suggestions -----------------------------------------------------------------------------------------

def refit_size(n: int) -> int:
    """How many confirmations the model is fitted on when `n` exist: 0 below MIN_FIT, then the largest of
    10, 15, 22, 33, ... not above n. Refitting in steps keeps suggestions stable between refits, and any worker
    fits the same model from the same (first, by id) confirmations."""
    if n < MIN_FIT:
        return 0
    size = MIN_FIT
    while int(size * REFIT_GROWTH) <= n:
        size = int(size * REFIT_GROWTH)
    return size


@dataclass(frozen=True)
class _Model:
    key: str
    scorer: Scorer
    item_points: float


# Fitted scorers per process, by item version and the confirmations they were fitted on: a cache only, since
# the key is computed from the database each time.
_SCORERS: OrderedDict[tuple[int, int, int], Scorer] = OrderedDict()
_CACHE_SIZE = 64


def _confirmations(version_id: int) -> list[tuple[int, str, float]]:
    """(response id, answer, points on the item's own scale) of final human scores for this item version, in
    every sitting, oldest first."""
    v = db.session.get(ItemVersion, version_id)
    item_points = float(v.points)
    rows = db.session.execute(select(ResponseScore.id, ResponseScore.response, ResponseScore.points,
                                     ResponseScore.max_points)
                              .where(ResponseScore.item_version_id == version_id, ResponseScore.status == "final",
                                     ResponseScore.source.in_(HUMAN_SOURCES))
                              .order_by(ResponseScore.id))
    return [(rid, text or "", float(points) * item_points / float(mx)) for rid, text, points, mx in rows]


def model_for(version_id: int) -> _Model:
    """The scorer for an item version: cold from its rubric until enough confirmations, then fitted on them."""
    v = db.session.get(ItemVersion, version_id)
    spec = ItemSpec.from_content(version_content(v))
    data = _confirmations(version_id)
    size = refit_size(len(data))
    used = data[:size]
    key = (version_id, size, used[-1][0] if used else 0)
    scorer = _SCORERS.get(key)
    if scorer is None:
        scorer = Scorer(spec)
        if used:
            scorer.fit([t for _, t, _ in used], [p for _, _, p in used])
        _SCORERS[key] = scorer
        while len(_SCORERS) > _CACHE_SIZE:
            _SCORERS.popitem(last=False)
    else:
        _SCORERS.move_to_end(key)
    return _Model(f"v{key[0]}:n{key[1]}:last{key[2]}", scorer, spec.max_points)


def _scaled(s: Suggestion, model: _Model, max_points: float, step: float) -> dict[str, Any]:
    """A suggestion on this paper's scale (a paper may weigh the item differently from its own points)."""
    factor = max_points / model.item_points if model.item_points else 1.0
    out = s.as_dict()
    out["item_points"] = s.points
    out["points"] = round_to_step(s.points * factor, step, max_points)
    for ev in out["matched"] + out["contradicted"]:
        ev["weight"] = round(ev["weight"] * factor, 2)
    out["model"] = model.key
    return out


def _suggest_rows(rows: Sequence[ResponseScore], model: _Model) -> list[dict[str, Any]]:
    found = model.scorer.score_many([rs.response or "" for rs in rows])
    return [_scaled(s, model, float(rs.max_points), float(rs.step)) for s, rs in zip(found, rows, strict=True)]


def _unmarked(sitting_id: int, version_id: int | None = None) -> list[ResponseScore]:
    """Pending short answers of a sitting (or one of its questions) that nobody has marked yet."""
    q = (select(ResponseScore).where(ResponseScore.sitting_id == sitting_id, ResponseScore.item_type == SHORT,
                                     ResponseScore.status == "pending",
                                     ~ResponseScore.marks.any())
         .order_by(ResponseScore.queue_order, ResponseScore.id))
    if version_id is not None:
        q = q.where(ResponseScore.item_version_id == version_id)
    return list(db.session.scalars(q))


def _settle(rows: Iterable[ResponseScore], policy: marking.Policy) -> int:
    """Draw double marking and the human sample for unmarked answers, and auto-confirm those the policy lets
    the machine settle. Returns how many were auto-confirmed."""
    confirmed = 0
    for rs in rows:
        rs.needs_second = marking.needs_second(policy, rs.sitting_id, rs.id)
        s = rs.suggestion
        auto = s is not None and marking.may_auto_confirm(policy, rs.sitting_id, rs.id, bool(s.get("confident")),
                                                          float(s.get("confidence") or 0))
        rs.needs_human = not auto
        if auto:
            _auto_confirm(rs, policy)
            confirmed += 1
    return confirmed


def _auto_confirm(rs: ResponseScore, policy: marking.Policy) -> None:
    points = _dec(rs.suggestion["points"])
    db.session.add(Mark(response_score_id=rs.id, role="auto", grader_id=None, points=points,
                        suggested_points=points, saw_suggestion=True, comment=""))
    rs.points, rs.status, rs.source, rs.updated_at = points, "final", "auto_confirmed", utcnow()
    _event(rs, "auto_confirmed", None, None, points, "confident suggestion, auto-confirmation on",
           confidence=rs.suggestion.get("confidence"), threshold=policy.auto_confirm_confidence,
           model=rs.suggestion.get("model"))
    db.session.flush()
    _recompute(rs.session_id)


@dataclass
class SuggestReport:
    suggested: int
    auto_confirmed: int
    questions: int


def _may_suggest(actor: User | None) -> User:
    if actor is None or not actor.active:
        raise Unauthorized("log in or send a bearer token")
    if not (can(actor.role, "marks.write") or can(actor.role, "results.manage")):
        raise Forbidden(f"role {actor.role} may not marks.write", permission="marks.write")
    return actor


def _suggest(sitting_id: int, version_id: int | None, refresh: bool = False) -> SuggestReport:
    rows = _unmarked(sitting_id, version_id)
    by_version: dict[int, list[ResponseScore]] = defaultdict(list)
    for rs in rows:
        by_version[rs.item_version_id].append(rs)
    suggested = 0
    now = utcnow()
    for vid, group in by_version.items():
        model = model_for(vid)
        todo = [rs for rs in group if refresh or rs.suggestion is None or rs.suggestion.get("model") != model.key]
        if not todo:
            continue
        for rs, s in zip(todo, _suggest_rows(todo, model), strict=True):
            old = _dec(rs.suggestion["points"]) if rs.suggestion else None
            rs.suggestion, rs.suggested_at = s, now
            _event(rs, "suggested", None, old, _dec(s["points"]), "", model=model.key, method=s["method"],
                   confidence=s["confidence"], confident=s["confident"])
        suggested += len(todo)
    auto = _settle(rows, policy_of(sitting_id))
    return SuggestReport(suggested, auto, len(by_version))


def suggest(actor: User | None, sitting_code: str, item_version_id: int | None = None, *,
            refresh: bool = False) -> SuggestReport:
    """Suggest scores for the unmarked short answers of a sitting (or one question): answers without a
    suggestion, or whose suggestion came from an older model (the item's model is refitted as graders confirm
    scores), or all with `refresh`. Then apply the policy's draws and auto-confirmation."""
    _may_suggest(actor)
    sitting = _sitting(sitting_code)
    report = _suggest(sitting.id, item_version_id, refresh)
    db.session.commit()
    return report


# ---- the graders' queue ----------------------------------------------------------------------------------

def _open_rows(sitting_id: int | None = None, version_id: int | None = None) -> list[ResponseScore]:
    q = (select(ResponseScore).where(ResponseScore.item_type == SHORT, ResponseScore.status == "pending",
                                     ResponseScore.needs_human.is_(True))
         .order_by(ResponseScore.queue_order, ResponseScore.id))
    if sitting_id is not None:
        q = q.where(ResponseScore.sitting_id == sitting_id)
    if version_id is not None:
        q = q.where(ResponseScore.item_version_id == version_id)
    return list(db.session.scalars(q))


def _slot_for(rs: ResponseScore, grader_id: int) -> str | None:
    """The mark this grader may give this answer now: first, second, or None."""
    roles = {m.role: m for m in rs.marks}
    if not roles:
        return "first"
    if rs.needs_second and "first" in roles and "second" not in roles and roles["first"].grader_id != grader_id:
        return "second"
    return None


def grader_questions(actor: User | None) -> list[dict[str, Any]]:
    """The questions with answers this grader may mark, with counts (first and second marks)."""
    actor = require(actor, "marks.write")
    counts: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {"first": 0, "second": 0})
    for rs in _open_rows():
        slot = _slot_for(rs, actor.id)
        if slot:
            counts[(rs.sitting_id, rs.item_version_id)][slot] += 1
    out = []
    for (sid, vid), c in counts.items():
        sitting, version = db.session.get(Sitting, sid), db.session.get(ItemVersion, vid)
        out.append({"sitting_id": sid, "sitting": sitting.code, "sitting_title": sitting.title,
                    "item_version_id": vid, "item": version.item.code, "version": version.number,
                    "stem": version.stem, "first": c["first"], "second": c["second"],
                    "total": c["first"] + c["second"]})
    return sorted(out, key=lambda q: (q["sitting"], q["item"]))


def _question(version: ItemVersion) -> dict[str, Any]:
    return {"item": version.item.code, "version": version.number, "stem": version.stem,
            "references": list(version.references or []), "rubric": list(version.rubric or []),
            "explanation": version.explanation}


def _shown_suggestion(s: dict[str, Any] | None) -> dict[str, Any] | None:
    if s is None:
        return None
    keep = ("points", "confidence", "confident", "matched", "missing", "contradicted", "similarity", "method")
    return {k: s.get(k) for k in keep}


def _payload(rs: ResponseScore, slot: str, show_suggestion: bool, remaining: int | None = None) -> dict[str, Any]:
    """One answer as a grader sees it: blind (no name, ID number, seat or session), identified only by the
    response's id."""
    text = rs.response or ""
    s = rs.suggestion if show_suggestion else None
    return {
        "response_id": rs.id, "slot": slot, "answer": text,
        "max_points": float(rs.max_points), "step": float(rs.step),
        "question": _question(db.session.get(ItemVersion, rs.item_version_id)),
        "suggestion": _shown_suggestion(s),
        "segments": marking.segments(text, _spans(s)) if s else [{"text": text, "kind": None, "point": None}],
        "remaining": remaining,
    }


def _spans(s: dict[str, Any] | None) -> list[tuple[int, int, str, str]]:
    if not s:
        return []
    return ([(e["start"], e["end"], "matched", e["point"]) for e in s.get("matched") or []]
            + [(e["start"], e["end"], "contradicted", e["point"]) for e in s.get("contradicted") or []])


def next_answer(actor: User | None, sitting_code: str, item_version_id: int,
                skip: Sequence[int] = ()) -> dict[str, Any] | None:
    """The next answer of one question this grader may mark, in queue order; None when there is none.
    The first grader sees the suggestion; a second grader sees neither the first mark nor (unless the policy
    says so) the suggestion."""
    actor = require(actor, "marks.write")
    sitting = _sitting(sitting_code)
    policy = policy_of(sitting.id)
    mine = [(rs, slot) for rs in _open_rows(sitting.id, item_version_id)
            if (slot := _slot_for(rs, actor.id)) and rs.id not in set(skip)]
    if not mine:
        return None
    rs, slot = mine[0]
    return _payload(rs, slot, slot == "first" or policy.second_sees_suggestion, len(mine))


# ---- marks -----------------------------------------------------------------------------------------------

def _points(raw: Any, rs: ResponseScore, name: str = "points") -> Decimal:
    """Points on the answer's scale and step; ValidationError (nothing changed) otherwise."""
    try:
        if isinstance(raw, bool):
            raise ValueError
        value = Decimal(str(raw).strip())
        if not value.is_finite():
            raise ValueError
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({name: ["a number is expected"]}, code="MARK_INVALID") from None
    code = marking.check_points(float(value), float(rs.max_points), float(rs.step))
    if code is not None:
        raise ValidationError({name: [f"points must be a multiple of {float(rs.step):g} "
                                      f"from 0 to {float(rs.max_points):g}"]}, code=code,
                              max_points=float(rs.max_points), step=float(rs.step))
    return value.quantize(Decimal("0.01"))


@dataclass
class MarkResult:
    response_id: int
    slot: str
    points: float
    status: str  # pending (awaiting a second mark) | adjudication | final
    final_points: float | None
    source: str | None


def _insert_mark(mark_row: Mark) -> None:
    db.session.add(mark_row)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("another grader marked this answer in the same slot first; load the next answer",
                       code="MARK_CONFLICT") from None


def _finalise(rs: ResponseScore, outcome: marking.Outcome, actor_id: int | None, reason: str) -> None:
    rs.status, rs.updated_at = marking.status_of(outcome.stage), utcnow()
    if outcome.stage is marking.Stage.FINAL:
        old = rs.points
        rs.points, rs.source = _dec(outcome.points), outcome.source
        _event(rs, "final", actor_id, old, rs.points, reason, source=outcome.source)
        db.session.flush()
        _recompute(rs.session_id)
    elif outcome.stage is marking.Stage.ADJUDICATION:
        _event(rs, "to_adjudication", None, None, None, "the two marks differ by more than the tolerance")


def mark(actor: User | None, response_id: int, points: Any = None, comment: str = "", confirm: bool = False,
         slot: str | None = None) -> MarkResult:
    """A grader marks one answer. `confirm`: the grader accepts the suggestion they were shown (points may be
    left out). `slot` (first | second) is the slot the grader was given: when someone else took it meanwhile,
    the answer is not marked twice, the call fails with MARK_CONFLICT. Invalid points change nothing."""
    actor = require(actor, "marks.write")
    rs = _response(response_id, lock=True)
    if rs.item_type != SHORT:
        raise Conflict("only short answers are marked by graders", code="MARK_NOT_SHORT")
    stage = marking.stage_of(rs.status, {m.role for m in rs.marks})
    role = marking.EXPECTED_ROLE.get(stage)
    if role not in ("first", "second") or (slot is not None and slot != role):
        raise Conflict(f"this answer is {stage.value}; it takes no {slot or 'grader'} mark now",
                       code="MARK_CONFLICT", status=rs.status)
    marks = {m.role: m for m in rs.marks}
    if role == "second" and marks["first"].grader_id == actor.id:
        raise Forbidden("a grader does not second-mark an answer they marked first", code="MARK_OWN_SECOND")
    policy = policy_of(rs.sitting_id)
    saw = role == "first" or policy.second_sees_suggestion
    suggested = _dec(rs.suggestion["points"]) if saw and rs.suggestion else None
    if confirm and suggested is None:
        raise ValidationError({"confirm": ["there is no suggestion to confirm; give points"]}, code="NO_SUGGESTION")
    value = _points(suggested if confirm and points in (None, "") else points, rs)
    if confirm and value != suggested:
        raise ValidationError({"points": ["confirming the suggestion, points must equal it"]},
                              code="MARK_CONFIRM_MISMATCH")
    comment = (comment or "").strip()[:2000]
    now = utcnow()
    _insert_mark(Mark(response_score_id=rs.id, role=role, grader_id=actor.id, points=value,
                      suggested_points=suggested, saw_suggestion=saw, comment=comment, created_at=now,
                      updated_at=now))
    action = "confirmed" if suggested is not None and value == suggested else "overridden" if suggested is not None \
        else "marked"
    _event(rs, "marked", actor.id, None, value, comment, role=role, action=action,
           suggested=_num(suggested), saw_suggestion=saw, model=(rs.suggestion or {}).get("model"))
    first = float(marks["first"].points) if role == "second" else None
    outcome = marking.after_mark(stage, role, float(value), double=rs.needs_second, first=first,
                                 max_points=float(rs.max_points), step=float(rs.step), tolerance=policy.tolerance)
    _finalise(rs, outcome, actor.id, comment)
    db.session.commit()
    return MarkResult(rs.id, role, float(value), rs.status, _num(rs.points), rs.source)


# ---- adjudication ----------------------------------------------------------------------------------------

def _grader_names(ids: Iterable[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u.display_name or u.username for u in db.session.scalars(select(User).where(User.id.in_(ids)))}


def adjudication_queue(actor: User | None, sitting_code: str | None = None) -> list[dict[str, Any]]:
    """Answers whose two marks disagree beyond the tolerance, with both marks, for a senior grader. A senior
    grader who gave one of the marks does not settle it."""
    actor = require(actor, "marks.adjudicate")
    q = (select(ResponseScore).where(ResponseScore.status == "adjudication", ResponseScore.item_type == SHORT)
         .order_by(ResponseScore.queue_order, ResponseScore.id))
    if sitting_code is not None:
        q = q.where(ResponseScore.sitting_id == _sitting(sitting_code).id)
    rows = [rs for rs in db.session.scalars(q) if actor.id not in {m.grader_id for m in rs.marks}]
    names = _grader_names(m.grader_id for rs in rows for m in rs.marks)
    out = []
    for rs in rows:
        body = _payload(rs, "adjudication", True, len(rows))
        body["sitting"] = db.session.get(Sitting, rs.sitting_id).code
        body["marks"] = [{"role": m.role, "points": float(m.points), "comment": m.comment,
                          "grader": names.get(m.grader_id, "")} for m in rs.marks]
        out.append(body)
    return out


def adjudicate(actor: User | None, response_id: int, points: Any, comment: str = "") -> MarkResult:
    """A senior grader settles two disagreeing marks: their points become final (source `adjudicated`)."""
    actor = require(actor, "marks.adjudicate")
    rs = _response(response_id, lock=True)
    stage = marking.stage_of(rs.status, {m.role for m in rs.marks})
    if stage is not marking.Stage.ADJUDICATION:
        raise Conflict(f"this answer is {stage.value}, not awaiting adjudication", code="NOT_IN_ADJUDICATION")
    if actor.id in {m.grader_id for m in rs.marks}:
        raise Forbidden("a senior grader does not adjudicate an answer they marked", code="ADJUDICATE_OWN")
    value = _points(points, rs)
    comment = (comment or "").strip()[:2000]
    now = utcnow()
    _insert_mark(Mark(response_score_id=rs.id, role="adjudication", grader_id=actor.id, points=value,
                      suggested_points=_dec(rs.suggestion["points"]) if rs.suggestion else None,
                      saw_suggestion=rs.suggestion is not None, comment=comment, created_at=now, updated_at=now))
    _event(rs, "adjudicated", actor.id, None, value, comment,
           marks={m.role: float(m.points) for m in rs.marks if m.role != "adjudication"})
    outcome = marking.after_mark(stage, "adjudication", float(value), double=True)
    _finalise(rs, outcome, actor.id, comment)
    db.session.commit()
    return MarkResult(rs.id, "adjudication", float(value), rs.status, _num(rs.points), rs.source)


# ---- the audit trail -------------------------------------------------------------------------------------

def audit_trail(actor: User | None, response_id: int) -> dict[str, Any]:
    """Everything that happened to one score, for staff: the marks and every event, oldest first."""
    require(actor, "results.manage")
    rs = _response(response_id)
    events = list(db.session.scalars(select(ScoreEvent).where(ScoreEvent.response_score_id == rs.id)
                                     .order_by(ScoreEvent.id)))
    names = _grader_names([m.grader_id for m in rs.marks] + [e.actor_id for e in events])
    return {
        "response": {"id": rs.id, "session_id": rs.session_id, "position": rs.position, "sitting_id": rs.sitting_id,
                     "item_type": rs.item_type, "item_version_id": rs.item_version_id, "status": rs.status,
                     "source": rs.source, "points": _num(rs.points), "max_points": float(rs.max_points),
                     "step": float(rs.step), "suggestion": _shown_suggestion(rs.suggestion)},
        "marks": [{"role": m.role, "grader_id": m.grader_id, "grader": names.get(m.grader_id, "") if m.grader_id
                   else "machine", "points": float(m.points), "suggested_points": _num(m.suggested_points),
                   "saw_suggestion": m.saw_suggestion, "comment": m.comment, "at": m.created_at.isoformat()}
                  for m in rs.marks],
        "events": [{"kind": e.kind, "actor_id": e.actor_id, "actor": names.get(e.actor_id, "") if e.actor_id
                    else "system", "old_points": _num(e.old_points), "new_points": _num(e.new_points),
                    "reason": e.reason, "detail": e.detail, "at": e.created_at.isoformat()} for e in events],
    }


# ---- regrading -------------------------------------------------------------------------------------------

def _item(ref: int | str) -> Item:
    q = select(Item).where(Item.id == int(ref)) if str(ref).isdigit() else select(Item).where(Item.code == str(ref))
    found = db.session.scalars(q).first()
    if found is None:
        raise NotFound(f"item {ref} does not exist", code="ITEM_NOT_FOUND")
    return found


def _target_version(item: Item, number: int | None) -> ItemVersion:
    if number is None:
        if item.current_version is None:
            raise NotFound(f"item {item.code} has no version", code="VERSION_NOT_FOUND")
        return item.current_version
    found = db.session.scalar(select(ItemVersion).where(ItemVersion.item_id == item.id,
                                                        ItemVersion.number == int(number)))
    if found is None:
        raise NotFound(f"item {item.code} has no version {number}", code="VERSION_NOT_FOUND")
    return found


def _section_rules(rows: Sequence[ResponseScore]) -> dict[int, list[Any]]:
    """Per session, its paper set's sections (the multiple-choice rule is the section's)."""
    sids = {rs.session_id for rs in rows}
    if not sids:
        return {}
    found = db.session.execute(select(ExamSession.id, PaperSet.spec).join(Paper, Paper.id == ExamSession.paper_id)
                               .join(PaperSet, PaperSet.id == Paper.paper_set_id).where(ExamSession.id.in_(sids)))
    return {sid: (spec or {}).get("sections") or [] for sid, spec in found}


def _rescore(rs: ResponseScore, content: dict[str, Any], version_id: int, sections: list[Any]) -> float | None:
    section = sections[rs.section] if 0 <= rs.section < len(sections) else {}
    rule = section.get("rule") if isinstance(section, dict) else None
    spec = PaperItemSpec(position=rs.position, section=rs.section, item_type=rs.item_type,
                         points=float(rs.max_points), key=content.get("key"), rule=rule, version_id=version_id)
    # The stored response is in the item's own letters already: no option order to apply.
    return ItemScorer(spec).score(rs.response).points


@dataclass
class RegradePlan:
    item: str
    version: int
    version_id: int
    reopen: bool
    rows: list[dict[str, Any]]
    digest: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plan(item: Item, version: ItemVersion, sitting_id: int | None, reopen: bool) -> RegradePlan:
    q = select(ResponseScore).where(ResponseScore.item_id == item.id).order_by(ResponseScore.id)
    if sitting_id is not None:
        q = q.where(ResponseScore.sitting_id == sitting_id)
    rows = list(db.session.scalars(q))
    content = version_content(version)
    sections = _section_rules(rows)
    # Unfinished short answers get new suggestions; final ones (and those in adjudication) only when reopened.
    short_rows = [rs for rs in rows if rs.item_type == SHORT and (rs.status == "pending" or reopen)]
    new_suggestions: dict[int, dict[str, Any]] = {}
    if short_rows:
        model = model_for(version.id)
        new_suggestions = {rs.id: s for rs, s in zip(short_rows, _suggest_rows(short_rows, model), strict=True)}
    diff = []
    for rs in rows:
        row = {"response_id": rs.id, "sitting_id": rs.sitting_id, "item_type": rs.item_type,
               "old_version_id": rs.item_version_id, "new_version_id": version.id, "old_status": rs.status,
               "new_status": rs.status, "old_points": _num(rs.points), "new_points": _num(rs.points),
               "old_suggested": (rs.suggestion or {}).get("points"), "new_suggested": None, "action": "kept"}
        if rs.item_type != SHORT:
            row["new_points"] = _rescore(rs, content, version.id, sections.get(rs.session_id, []))
            row["action"] = "rescored"
        elif rs.id in new_suggestions:
            row["new_suggested"] = new_suggestions[rs.id]["points"]
            row["action"] = "suggested"
            if rs.status != "pending":  # final or in adjudication: marked again from scratch
                row.update(new_status="pending", new_points=None, action="reopened")
        else:
            row["new_version_id"] = rs.item_version_id  # a final mark stands under the version it was given on
        changed = (row["new_points"] != row["old_points"] or row["new_status"] != row["old_status"]
                   or row["new_version_id"] != row["old_version_id"] or row["new_suggested"] is not None)
        if changed or row["action"] == "kept":
            diff.append(row)
    digest = hashlib.sha256(json.dumps([version.id, reopen, diff], sort_keys=True, default=str).encode()).hexdigest()
    return RegradePlan(item.code, version.number, version.id, reopen, diff, digest)


def regrade_preview(actor: User | None, item_ref: int | str, *, sitting: str | None = None,
                    version: int | None = None, reopen: bool = False) -> RegradePlan:
    """The dry run of a regrade after a key or rubric change: every affected score with its old and new points
    (objective answers rescored with `version`, default the item's current one; short answers get new
    suggestions; final short answers keep their marks unless `reopen`). Changes nothing."""
    require(actor, "results.manage")
    item = _item(item_ref)
    plan = _plan(item, _target_version(item, version), _sitting(sitting).id if sitting else None, reopen)
    db.session.rollback()
    return plan


def regrade_apply(actor: User | None, item_ref: int | str, digest: str, *, sitting: str | None = None,
                  version: int | None = None, reopen: bool = False) -> RegradePlan:
    """Apply exactly the previewed regrade: refused (REGRADE_STALE, nothing changed) when anything it covers has
    changed since the preview. Every change is audited (`regraded`) and the results are recomputed."""
    actor = require(actor, "results.manage")
    item = _item(item_ref)
    plan = _plan(item, _target_version(item, version), _sitting(sitting).id if sitting else None, reopen)
    if plan.digest != digest:
        raise Conflict("the scores changed since the preview; preview again", code="REGRADE_STALE",
                       digest=plan.digest)
    suggestions = {}
    short = [r["response_id"] for r in plan.rows if r["new_suggested"] is not None]
    if short:
        model = model_for(plan.version_id)
        rows = [db.session.get(ResponseScore, rid) for rid in short]
        suggestions = {rs.id: s for rs, s in zip(rows, _suggest_rows(rows, model), strict=True)}
    sessions = set()
    now = utcnow()
    for row in plan.rows:
        if row["action"] == "kept":
            continue
        rs = db.session.get(ResponseScore, row["response_id"])
        removed = [{"role": m.role, "grader_id": m.grader_id, "points": float(m.points), "comment": m.comment}
                   for m in rs.marks] if row["action"] == "reopened" else []
        for m in list(rs.marks) if removed else []:
            db.session.delete(m)
        old = rs.points
        rs.item_version_id, rs.updated_at = plan.version_id, now
        if rs.id in suggestions:
            rs.suggestion, rs.suggested_at = suggestions[rs.id], now
        if row["action"] == "reopened":
            rs.status, rs.points, rs.source, rs.needs_human = "pending", None, None, True
        elif row["action"] == "rescored":
            rs.points, rs.source = _dec(row["new_points"]), "regraded"
        _event(rs, "regraded", actor.id, old, rs.points, f"regrade of {plan.item} to v{plan.version}",
               old_version_id=row["old_version_id"], new_version_id=plan.version_id, action=row["action"],
               suggested=row["new_suggested"], removed_marks=removed or None)
        sessions.add(rs.session_id)
    db.session.flush()
    for sid in sorted(sessions):
        _recompute(sid)
    db.session.commit()
    return plan


# ---- agreement -------------------------------------------------------------------------------------------

def _figures(a: list[int], b: list[int]) -> dict[str, Any]:
    """n, QWK, exact, adjacent and mean adjustment of b against a (0-10 scale); None where undefined."""
    found = agr.agreement(a, b).as_dict()
    return {k: (None if isinstance(v, float) and math.isnan(v) else round(v, 4) if isinstance(v, float) else v)
            for k, v in found.items() if k in ("n", "qwk", "exact", "adjacent", "mean_adjustment")}


def _scale(points: float, max_points: float) -> int:
    return int(agr.to_scale([points], max_points)[0])


def agreement_report(actor: User | None, sitting_code: str) -> dict[str, Any]:
    """Agreement on a sitting's short answers, on the 0-10 scale, per question and per grader.

    human_human: first vs second marks (per grader: the colleague's mark vs theirs, so the mean adjustment is
    how much higher this grader marks). human_machine: the suggestion vs the final human score (per grader: the
    suggestion they saw vs their mark, so the mean adjustment is how much they move the machine)."""
    require(actor, "results.manage")
    sitting = _sitting(sitting_code)
    rows = list(db.session.scalars(select(ResponseScore).where(ResponseScore.sitting_id == sitting.id,
                                                               ResponseScore.item_type == SHORT)
                                   .order_by(ResponseScore.id)))
    versions = {v.id: v for v in db.session.scalars(select(ItemVersion).where(
        ItemVersion.id.in_({rs.item_version_id for rs in rows})))} if rows else {}
    names = _grader_names(m.grader_id for rs in rows for m in rs.marks)
    hh_q: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    hh_g: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    hm_q: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))
    hm_g: dict[int, tuple[list[int], list[int]]] = defaultdict(lambda: ([], []))

    def add(bucket: dict, key: int, a: int, b: int) -> None:
        bucket[key][0].append(a)
        bucket[key][1].append(b)

    for rs in rows:
        mx = float(rs.max_points)
        marks = {m.role: m for m in rs.marks}
        if "first" in marks and "second" in marks:
            f, s = marks["first"], marks["second"]
            fs, ss = _scale(float(f.points), mx), _scale(float(s.points), mx)
            add(hh_q, rs.item_version_id, fs, ss)
            add(hh_g, f.grader_id, ss, fs)
            add(hh_g, s.grader_id, fs, ss)
        if rs.status == "final" and rs.source in HUMAN_SOURCES and rs.suggestion is not None:
            add(hm_q, rs.item_version_id, _scale(float(rs.suggestion["points"]), mx), _scale(float(rs.points), mx))
        for m in rs.marks:
            if m.grader_id is not None and m.saw_suggestion and m.suggested_points is not None:
                add(hm_g, m.grader_id, _scale(float(m.suggested_points), mx), _scale(float(m.points), mx))

    def by_question(bucket: dict) -> list[dict[str, Any]]:
        return [{"item_version_id": vid, "item": versions[vid].item.code, "version": versions[vid].number,
                 **_figures(*bucket[vid])} for vid in sorted(bucket)]

    def by_grader(bucket: dict) -> list[dict[str, Any]]:
        return [{"grader_id": gid, "grader": names.get(gid, ""), **_figures(*bucket[gid])}
                for gid in sorted(bucket, key=lambda g: names.get(g, ""))]

    def overall(bucket: dict) -> dict[str, Any]:
        a = [x for pair in bucket.values() for x in pair[0]]
        b = [x for pair in bucket.values() for x in pair[1]]
        return _figures(a, b)

    return {"sitting": sitting.code,
            "human_human": {"overall": overall(hh_q), "by_question": by_question(hh_q), "by_grader": by_grader(hh_g)},
            "human_machine": {"overall": overall(hm_q), "by_question": by_question(hm_q),
                              "by_grader": by_grader(hm_g)}}


# ---- for the staff pages ---------------------------------------------------------------------------------

def marking_progress(actor: User | None, sitting_code: str) -> dict[str, int]:
    """How far a sitting's short answers are: pending, awaiting a second mark, in adjudication, final."""
    require(actor, "results.manage")
    sitting = _sitting(sitting_code)
    out = {"pending": 0, "awaiting_second": 0, "adjudication": 0, "final": 0}
    for rs in db.session.scalars(select(ResponseScore).where(ResponseScore.sitting_id == sitting.id,
                                                             ResponseScore.item_type == SHORT)):
        out[marking.stage_of(rs.status, {m.role for m in rs.marks}).value] += 1
    return out
