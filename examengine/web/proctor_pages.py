"""Exam staff's pages: sittings, a sitting's seats with live session state and flags, one session's history.

Every page calls the proctor service, which checks `sessions.monitor`; the pages only arrange what it returns."""

from __future__ import annotations

import json
from typing import Any

from flask import render_template

from examengine.auth.current import current_actor
from examengine.proctor import service
from examengine.web.i18n import current_locale, translate
from examengine.web.views import pages

JOURNAL_KINDS = {"start": "开始", "save": "保存", "takeover": "接管", "submit": "交卷"}
EVENT_KINDS = {
    "focus_lost": "离开页面", "focus_regained": "回到页面", "hidden": "页面隐藏", "visible": "页面可见",
    "copy": "复制", "paste": "粘贴", "cut": "剪切", "fullscreen_exit": "退出全屏", "fullscreen_enter": "进入全屏",
    "reconnect": "网络恢复", "offline": "网络断开", "context_menu": "右键菜单", "ip_change": "网络地址变化",
    "agent_change": "浏览器变化", "takeover": "其他浏览器接管", "late_save": "超时保存", "auto_submit": "自动交卷",
}
SESSION_STATUS = {"open": "作答中", "submitted": "已交卷"}
SUBMIT_REASONS = {"candidate": "考生交卷", "deadline": "时间到自动交卷", "staff": "考务交卷"}


def response_text(value: Any) -> str:
    """A stored response as staff read it: 对/错, option letters, or the text."""
    if value is None:
        return "—"
    if value is True:
        return translate("对")
    if value is False:
        return translate("错")
    if isinstance(value, list):
        return translate("、").join(str(v) for v in value) or "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def flag_text(flag: dict[str, Any]) -> str:
    return flag["message_zh"] if current_locale() == "zh_CN" else flag["message_en"]


@pages.app_context_processor
def _proctor_labels() -> dict:
    return {"JOURNAL_KINDS": JOURNAL_KINDS, "EVENT_KINDS": EVENT_KINDS, "SESSION_STATUS": SESSION_STATUS,
            "SUBMIT_REASONS": SUBMIT_REASONS, "response_text": response_text, "flag_text": flag_text}


@pages.route("/proctor/sittings")
def proctor_sittings():
    rows = service.list_sittings(current_actor())
    return render_template("proctor/sittings.html", rows=rows)


@pages.route("/proctor/sittings/<code>")
def proctor_sitting(code: str):
    view = service.sitting_overview(current_actor(), code)
    return render_template("proctor/sitting.html", sitting=view["sitting"], seats=view["seats"])


@pages.route("/proctor/sessions/<int:session_id>")
def proctor_session(session_id: int):
    h = service.session_history(current_actor(), session_id)
    return render_template("proctor/session.html", h=h, sess=h["session"], verdict=h["verdict"])
