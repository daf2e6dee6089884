"""The REST API of marking: the graders' blind queue and marks, adjudication, and for staff the marking policy,
suggestions, the audit trail, regrading and agreement (thin: parse, call the review service, render)."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.errors import ValidationError
from examengine.scoring import review

blp = Blueprint("grading", __name__, url_prefix="/api/v1", description="Marking short answers")


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if body is None and not request.data:
        return {}
    if not isinstance(body, dict):
        raise ValidationError({"_body": ["a JSON object is expected"]}, code="BODY_INVALID")
    return body


def _flag(body: dict[str, Any], name: str) -> bool:
    value = body.get(name, False)
    if not isinstance(value, bool):
        raise ValidationError({name: ["true or false"]}, code="BODY_INVALID")
    return value


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name) or ""
    if not isinstance(value, str):
        raise ValidationError({name: ["text expected"]}, code="BODY_INVALID")
    return value


# ---- graders ---------------------------------------------------------------------------------------------

@blp.route("/grading/questions", methods=["GET"])
@blp.doc(summary="The questions with answers I may mark, with counts of first and second marks")
def grading_questions():
    return {"questions": review.grader_questions(current_actor())}


@blp.route("/grading/sittings/<code>/questions/<int:item_version_id>/next", methods=["GET"])
@blp.doc(summary="The next answer of a question for me to mark (blind), or `answer: null`",
         description="`skip` (comma-separated response ids) passes over answers the grader set aside.")
def grading_next(code: str, item_version_id: int):
    skip = [int(x) for x in request.args.get("skip", "").split(",") if x.strip().isdigit()]
    return {"answer": review.next_answer(current_actor(), code, item_version_id, skip)}


@blp.route("/grading/responses/<int:response_id>/mark", methods=["POST"])
@blp.doc(summary="Mark an answer: `{points?, confirm?, comment?, slot}`",
         description="`confirm: true` accepts the suggestion shown (points may be left out). `slot` is the slot "
                     "the queue gave (first | second): when another grader took it meanwhile, 409 `MARK_CONFLICT`. "
                     "Points off the item's step or range: 422, nothing changed.")
def grading_mark(response_id: int):
    body = _body()
    slot = body.get("slot")
    if slot not in ("first", "second"):
        raise ValidationError({"slot": ["first or second, as the queue gave it"]}, code="BODY_INVALID")
    r = review.mark(current_actor(), response_id, body.get("points"), _text(body, "comment"), _flag(body, "confirm"),
                    slot)
    return vars(r)


@blp.route("/grading/adjudications", methods=["GET"])
@blp.doc(summary="Answers whose two marks disagree beyond the tolerance, with both marks (senior graders)")
def grading_adjudications():
    return {"answers": review.adjudication_queue(current_actor(), request.args.get("sitting") or None)}


@blp.route("/grading/responses/<int:response_id>/adjudicate", methods=["POST"])
@blp.doc(summary="Settle two disagreeing marks: `{points, comment?}`; the points become final")
def grading_adjudicate(response_id: int):
    body = _body()
    return vars(review.adjudicate(current_actor(), response_id, body.get("points"), _text(body, "comment")))


# ---- staff -----------------------------------------------------------------------------------------------

@blp.route("/grading/responses/<int:response_id>/audit", methods=["GET"])
@blp.doc(summary="The audit trail of one score: marks and every event")
def grading_audit(response_id: int):
    return review.audit_trail(current_actor(), response_id)


@blp.route("/sittings/<code>/marking-policy", methods=["GET"])
@blp.doc(summary="A sitting's marking policy (double marking, tolerance, auto-confirmation)")
def marking_policy(code: str):
    return review.get_policy(current_actor(), code)


@blp.route("/sittings/<code>/marking-policy", methods=["PUT"])
@blp.doc(summary="Change a sitting's marking policy (the fields given)",
         description="Fields: double_mode (none | sample | all), double_percent (0-100), tolerance (> 0, on a "
                     "10-point scale), second_sees_suggestion, auto_confirm, auto_confirm_confidence (0-1), "
                     "auto_confirm_sample_percent (0-100). Answers nobody marked yet are drawn again.")
def set_marking_policy(code: str):
    return review.set_policy(current_actor(), code, _body())


@blp.route("/sittings/<code>/suggestions", methods=["POST"])
@blp.doc(summary="Suggest scores for the unmarked short answers: `{item_version_id?, refresh?}`")
def sitting_suggestions(code: str):
    body = _body()
    vid = body.get("item_version_id")
    if vid is not None and (not isinstance(vid, int) or isinstance(vid, bool)):
        raise ValidationError({"item_version_id": ["an item version id"]}, code="BODY_INVALID")
    return vars(review.suggest(current_actor(), code, vid, refresh=_flag(body, "refresh")))


@blp.route("/sittings/<code>/agreement", methods=["GET"])
@blp.doc(summary="Agreement per question and per grader: human-human and human-machine (0-10 scale)")
def sitting_agreement(code: str):
    return review.agreement_report(current_actor(), code)


@blp.route("/items/<int:item_id>/regrade", methods=["POST"])
@blp.doc(summary="Regrade an item's scores: a dry run by default, `{apply: true, digest}` applies it",
         description="Body: `{sitting?, version?, reopen?, apply?, digest?}`. The dry run lists every affected "
                     "score (old and new points) and a digest; applying needs that digest and is refused "
                     "(409 `REGRADE_STALE`) when the scores changed since.")
def item_regrade(item_id: int):
    body = _body()
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        raise ValidationError({"version": ["a version number"]}, code="BODY_INVALID")
    kw = {"sitting": body.get("sitting") or None, "version": version, "reopen": _flag(body, "reopen")}
    if _flag(body, "apply"):
        digest = _text(body, "digest")
        if not digest:
            raise ValidationError({"digest": ["the digest of the preview is required to apply"]},
                                  code="BODY_INVALID")
        return {**review.regrade_apply(current_actor(), item_id, digest, **kw).as_dict(), "applied": True}
    return {**review.regrade_preview(current_actor(), item_id, **kw).as_dict(), "applied": False}
