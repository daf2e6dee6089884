"""Graders' pages (the blind queue, one answer at a time, adjudication) and exam staff's marking pages (the
policy of a sitting, agreement). The review service checks every permission; the pages only arrange."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from examengine.auth.current import current_actor
from examengine.auth.permissions import can, require
from examengine.errors import Conflict, ExamEngineError, ValidationError
from examengine.scoring import review
from examengine.web.i18n import translate
from examengine.web.views import pages

SLOT_LABELS = {"first": "初评", "second": "复评", "adjudication": "仲裁"}
MODE_LABELS = {"none": "不双评", "sample": "抽样双评", "all": "全部双评"}
METHOD_LABELS = {"rubric": "按评分要点", "proposed": "按参考答案提取的要点", "learned": "按已确认评分学习"}
ROLE_LABELS_MARK = {"first": "初评", "second": "复评", "adjudication": "仲裁", "auto": "自动确认"}


@pages.app_context_processor
def _grading_labels() -> dict:
    return {"SLOT_LABELS": SLOT_LABELS, "MODE_LABELS": MODE_LABELS, "METHOD_LABELS": METHOD_LABELS,
            "MARK_ROLE_LABELS": ROLE_LABELS_MARK, "fmt_points": fmt_points}


def fmt_points(value: float | None) -> str:
    """12.0 -> '12', 2.5 -> '2.5'."""
    return "—" if value is None else f"{value:g}"


def _error_text(err: ExamEngineError) -> str:
    if isinstance(err, ValidationError) and err.code in ("MARK_OUT_OF_RANGE", "MARK_NOT_ON_STEP", "MARK_INVALID"):
        step, top = err.extra.get("step"), err.extra.get("max_points")
        if step is not None:
            return translate("分数须在 0 到满分之间，并且是步长的整数倍") + f" (0–{top:g}, {step:g})"
        return translate("请输入分数")
    if err.code == "MARK_CONFLICT":
        return translate("这份答案刚被其他阅卷员评过，已载入下一份")
    if err.code == "MARK_OWN_SECOND":
        return translate("不能复评自己初评过的答案")
    return err.detail


@pages.route("/grading")
def grading_home():
    actor = require(current_actor(), "marks.write")
    adjudications = len(review.adjudication_queue(actor)) if can(actor.role, "marks.adjudicate") else None
    return render_template("grading/index.html", questions=review.grader_questions(actor),
                           adjudications=adjudications)


def _answer_page(code: str, version_id: int, error: str | None = None, notice: str | None = None,
                 status: int = 200):
    actor = current_actor()
    review.suggest(actor, code, version_id)  # new answers, or a model refitted since: cheap when nothing is due
    answer = review.next_answer(actor, code, version_id)
    return render_template("grading/answer.html", code=code, version_id=version_id, answer=answer, error=error,
                           notice=notice), status


@pages.route("/grading/<code>/<int:version_id>")
def grading_question(code: str, version_id: int):
    notice = translate("已保存") if request.args.get("saved") else None
    if request.args.get("conflict"):
        notice = translate("这份答案刚被其他阅卷员评过，已载入下一份")
    return _answer_page(code, version_id, notice=notice)


@pages.route("/grading/<code>/<int:version_id>", methods=["POST"])
def grading_mark(code: str, version_id: int):
    form = request.form
    try:
        review.mark(current_actor(), int(form.get("response_id", "0") or 0), form.get("points", ""),
                    form.get("comment", ""), slot=form.get("slot") or None)
    except Conflict as err:
        if err.code != "MARK_CONFLICT":
            raise
        return redirect(url_for("pages.grading_question", code=code, version_id=version_id, conflict=1))
    except ValidationError as err:
        return _answer_page(code, version_id, error=_error_text(err), status=422)
    return redirect(url_for("pages.grading_question", code=code, version_id=version_id, saved=1))


@pages.route("/grading/adjudication", methods=["GET", "POST"])
def grading_adjudication():
    actor = require(current_actor(), "marks.adjudicate")
    error, status = None, 200
    if request.method == "POST":
        try:
            review.adjudicate(actor, int(request.form.get("response_id", "0") or 0), request.form.get("points", ""),
                              request.form.get("comment", ""))
            return redirect(url_for("pages.grading_adjudication", saved=1))
        except ValidationError as err:
            error, status = _error_text(err), 422
        except Conflict as err:
            error, status = _error_text(err), 409
    queue = review.adjudication_queue(actor)
    notice = translate("已保存") if request.args.get("saved") else None
    return render_template("grading/adjudication.html", answer=queue[0] if queue else None, error=error,
                           notice=notice), status


# ---- staff -----------------------------------------------------------------------------------------------

@pages.route("/grading/sittings/<code>/policy", methods=["GET", "POST"])
def grading_policy(code: str):
    actor = current_actor()
    error, status, saved = None, 200, bool(request.args.get("saved"))
    if request.method == "POST":
        f = request.form
        data: dict[str, Any] = {name: f.get(name, "") for name in
                                ("double_mode", "double_percent", "tolerance", "auto_confirm_confidence",
                                 "auto_confirm_sample_percent")}
        data["second_sees_suggestion"] = "second_sees_suggestion" in f
        data["auto_confirm"] = "auto_confirm" in f
        try:
            review.set_policy(actor, code, data)
            return redirect(url_for("pages.grading_policy", code=code, saved=1))
        except ValidationError as err:
            error, status = err, 422
    policy = review.get_policy(actor, code)
    progress = review.marking_progress(actor, code)
    return render_template("grading/policy.html", code=code, policy=policy, progress=progress, error=error,
                           saved=saved), status


@pages.route("/grading/sittings/<code>/agreement")
def grading_agreement(code: str):
    report = review.agreement_report(current_actor(), code)
    return render_template("grading/agreement.html", code=code, report=report)
