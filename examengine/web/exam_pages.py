"""The candidate's pages: my sittings, start, the exam page itself, and taking a session over in this browser.

The exam page's own calls (state, save, events, submit) go to the REST API with the session's browser key; this
module only hands that key to the page. The key lives in the login cookie (`session["exam_keys"]`), so a second
browser or device has none and is offered a takeover instead of silently fighting the first one."""

from __future__ import annotations

import secrets
from typing import Any

from flask import current_app, make_response, redirect, render_template, request, session, url_for

from examengine.auth.current import current_actor
from examengine.auth.permissions import require
from examengine.db import db, utcnow
from examengine.errors import ExamEngineError, NotFound
from examengine.proctor import service, sessions
from examengine.proctor.models import ExamSession
from examengine.web.i18n import current_locale, translate
from examengine.web.views import pages

KEYS = "exam_keys"

# Refusals of a start, in the candidate's words (the timing refusals carry their own Chinese text).
REFUSALS = {
    "NO_SEAT": "您没有本场考试的座位，请联系考务人员",
    "SITTING_NOT_FOUND": "没有这场考试",
    "PAPERS_NOT_PREPARED": "本场考试的试卷尚未准备好，请联系考务人员",
    "NOT_ELIGIBLE": "您目前不符合本场考试的报考条件",
}

# Everything the page's script shows, translated here so that the script carries no language of its own.
SCRIPT_TEXT = {
    "saved": "已保存", "saving": "保存中…", "offline": "离线，答案已暂存在本机",
    "retrying": "暂未保存，答案已暂存在本机，正在重试", "taken_over": "已被其他浏览器接管", "ended": "考试已结束",
    "key_invalid": "此页面已失效，请刷新页面", "time_up": "时间到，正在交卷…",
    "question_n": "第{n}题", "points": "{n}分", "flag": "标记", "clear": "清除选择",
    "answered_of": "已答 {a}/{n}", "not_answered": "未作答", "answered": "已作答", "flagged": "已标记",
    "warn_10": "距离考试结束还有10分钟，请检查并保存答案。",
    "warn_1": "距离考试结束还有1分钟，时间到时系统将自动交卷。",
    "close": "关闭", "none": "无", "chars": "{n}字",
    "taken_over_banner": "本场考试已在其他浏览器中继续作答，此页面已变为只读，请到该浏览器中继续作答。",
    "continue_here": "在此浏览器继续作答", "other_tab": "已在另一标签页中打开",
    "other_tab_banner": "本场考试已在此浏览器的另一个标签页中打开，此标签页已变为只读，请在新标签页中继续作答。",
    "submitted": "已交卷", "submitted_at": "交卷时间：{t}", "reason_deadline": "考试时间到，系统已自动交卷。",
    "reason_candidate": "您已交卷，答案已全部保存。", "reason_staff": "考务人员已为您交卷。",
    "submit_unsaved": "还有答案未能保存到服务器（网络未连接）。答案已暂存在本机，请在网络恢复后再交卷。",
    "submit_failed": "交卷未成功，请检查网络后重试。",
    "load_failed": "无法载入试卷，请检查网络后重试。", "retry": "重试",
    "mode_one": "逐题作答", "mode_all": "整卷作答",
    "types": {"truefalse": "判断题", "single": "单选题", "multi": "多选题", "short": "简答题"},
    "true": "对", "false": "错", "options_of": "第{n}题的选项", "answer_of": "第{n}题的答案",
    "back_to_list": "返回我的考试", "sep": "，", "list_sep": "、",
}


def _t(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _t(v) for k, v in value.items()}
    return translate(value)


def _keys() -> dict[str, str]:
    return session.get(KEYS) or {}


def _remember_key(session_id: int, key: str) -> None:
    keys = dict(_keys())
    keys[str(session_id)] = key
    session[KEYS] = keys


def _client() -> tuple[str, str]:
    return request.remote_addr or "", request.headers.get("User-Agent", "")


def _no_store(resp):
    # The page carries the browser key: never cached, never kept by a proxy.
    resp.headers["Cache-Control"] = "no-store"
    return resp


# ---- reads for the candidate's list (read-only; the rules stay in the proctor service) --------------------------

def _own_session(session_id: int) -> ExamSession:
    actor = require(current_actor(), "exam.take")
    sess = db.session.get(ExamSession, session_id)
    if sess is None or sess.user_id != actor.id:
        raise NotFound(f"exam session {session_id}", code="SESSION_NOT_FOUND")
    return sess


def _refusal_view(err: ExamEngineError) -> dict[str, Any]:
    zh = current_locale() == "zh_CN"
    if "message_zh" in err.extra:
        message = err.extra["message_zh"] if zh else str(err.detail).split(" (")[0]
    else:
        message = translate(REFUSALS[err.code]) if err.code in REFUSALS else str(err.detail)
    failures = [f["message_zh"] if zh else f["message_en"] for f in err.extra.get("failures", [])]
    return {"code": err.code, "message": message, "failures": failures}


# ---- pages -------------------------------------------------------------------------------------------------------

@pages.route("/exam")
def exam_home():
    actor = require(current_actor(), "exam.take")
    return render_template("exam/home.html", seats=service.candidate_seats(actor), refusal=None)


@pages.route("/exam/sittings/<code>/start", methods=["POST"])
def exam_start(code: str):
    actor = require(current_actor(), "exam.take")
    ip, agent = _client()
    try:
        sitting = service.get_sitting(code)
        started = sessions.start(actor.id, sitting.id, ip, agent, check_eligibility=service.start_check)
    except ExamEngineError as err:
        if err.status >= 500:
            raise
        db.session.rollback()
        return render_template("exam/home.html", seats=service.candidate_seats(actor), refusal=_refusal_view(err),
                               refused_code=code), err.status
    if started.key:
        _remember_key(started.session.id, started.key)
    return redirect(url_for("pages.exam_session", session_id=started.session.id))


@pages.route("/exam/sessions/<int:session_id>")
def exam_session(session_id: int):
    sess = _own_session(session_id)
    if sess.status == "open" and utcnow() > sess.close_at:
        sessions.enforce_deadline(session_id)
        db.session.refresh(sess)
    if sess.status != "open":
        return _no_store(make_response(render_template("exam/submitted.html", sess=sess)))
    key = _keys().get(str(session_id))
    if not key or not secrets.compare_digest(sessions.hash_key(key), sess.key_hash):
        return _no_store(make_response(render_template("exam/elsewhere.html", sess=sess,
                                                       stale=bool(key))))
    return _no_store(make_response(render_template(
        "exam/exam.html", sess=sess, key=key, lang="zh" if current_locale() == "zh_CN" else "en",
        tz=current_app.config["TIMEZONE"], text=_t(SCRIPT_TEXT))))


@pages.route("/exam/sessions/<int:session_id>/takeover", methods=["POST"])
def exam_takeover(session_id: int):
    actor = require(current_actor(), "exam.take")
    _own_session(session_id)
    ip, agent = _client()
    _remember_key(session_id, sessions.take_over(actor.id, session_id, ip, agent))
    return redirect(url_for("pages.exam_session", session_id=session_id))
