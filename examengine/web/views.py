"""Pages: login, language, home, and the item writers' bank pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from examengine import limiter
from examengine.auth import service as auth_service
from examengine.auth.current import current_actor, login_session
from examengine.auth.permissions import ROLE_LABELS, can, require
from examengine.bank import service as bank
from examengine.bank.itemtypes import LETTERS, REGISTRY
from examengine.errors import Unauthorized, ValidationError
from examengine.web.i18n import LOCALES, translate

pages = Blueprint("pages", __name__)

STATUS_LABELS = {"draft": "草稿", "in_review": "待审核", "active": "已启用", "retired": "已停用"}
TYPE_LABELS = {code: t.label_zh for code, t in REGISTRY.items()}
MOVE_LABELS = {("draft", "in_review"): "提交审核", ("in_review", "draft"): "退回修改", ("in_review", "active"): "审核通过",
               ("draft", "retired"): "停用", ("in_review", "retired"): "停用", ("active", "retired"): "停用",
               ("retired", "draft"): "恢复为草稿"}


@pages.app_context_processor
def _labels() -> dict:
    return {"STATUS_LABELS": STATUS_LABELS, "TYPE_LABELS": TYPE_LABELS, "ROLE_LABELS": ROLE_LABELS,
            "LETTERS": LETTERS, "actor": current_actor(), "can": can, "MOVE_LABELS": MOVE_LABELS}


class LoginForm(FlaskForm):
    username = StringField("username", validators=[DataRequired()])
    password = PasswordField("password", validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    if target and not urlsplit(target).netloc and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("pages.home")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@pages.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = auth_service.authenticate(form.username.data, form.password.data)
        except Unauthorized:
            error = translate("用户名或密码错误")
        else:
            lang = session.get("lang")
            login_session(user)
            if lang:
                session["lang"] = lang
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form, error=error), 200 if error is None else 401


@pages.route("/logout", methods=["POST"])
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("pages.login"))


@pages.route("/lang/<code>")
def set_language(code: str):
    if code not in LOCALES:
        abort(404)
    session["lang"] = code
    return redirect(_safe_next(request.args.get("next") or (request.referrer and urlsplit(request.referrer).path)))


@pages.route("/")
def home():
    actor = current_actor()
    if actor is None:
        return redirect(url_for("pages.login"))
    return render_template("home.html")


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: ["must be a whole number"]}) from None


@pages.route("/bank/items")
def items():
    actor = current_actor()
    programs = bank.list_programs(actor) if actor else []
    flt = bank.ItemFilter(
        program=request.args.get("program") or None,
        module=request.args.get("module") or None,
        knowledge_point=request.args.get("knowledge_point") or None,
        type=request.args.get("type") or None,
        difficulty=_int_arg("difficulty"),
        status=request.args.get("status") or None,
        q=request.args.get("q") or None,
    )
    page = _int_arg("page") or 1
    found, total = bank.list_items(actor, flt, page, 50)
    program_code = flt.program or (programs[0].code if programs else None)
    syllabus = bank.syllabus_tree(actor, program_code) if program_code else None
    return render_template("bank/items.html", items=found, total=total, page=page, per_page=50, flt=flt,
                           programs=programs, syllabus=syllabus)


@pages.route("/bank/items/new")
def new_item():
    actor = current_actor()
    require(actor, "items.write")
    programs = bank.list_programs(actor)
    code = request.args.get("program") or (programs[0].code if programs else None)
    return render_template("bank/edit.html", item=None, data=None, programs=programs,
                           syllabus=bank.syllabus_tree(actor, code) if code else None)


@pages.route("/bank/items/<int:item_id>/edit")
def edit_item(item_id: int):
    actor = current_actor()
    require(actor, "items.write")
    it = bank.get_item(actor, item_id)
    return render_template("bank/edit.html", item=it, data=bank.item_dict(it), programs=bank.list_programs(actor),
                           syllabus=bank.syllabus_tree(actor, it.program.code))


@pages.route("/bank/items/<int:item_id>/status", methods=["POST"])
def item_status(item_id: int):
    bank.change_status(current_actor(), item_id, request.form.get("status", ""), request.form.get("comment", ""))
    return redirect(url_for("pages.item", item_id=item_id))


def _program_page(template: str, permission: str):
    actor = current_actor()
    require(actor, permission)
    programs = bank.list_programs(actor)
    return render_template(template, programs=programs,
                           syllabi={p.code: bank.syllabus_tree(actor, p.code) for p in programs})


@pages.route("/bank/import")
def import_page():
    return _program_page("bank/import.html", "items.write")


@pages.route("/bank/export")
def export_page():
    return _program_page("bank/export.html", "items.read")


@pages.route("/bank/items/<int:item_id>")
def item(item_id: int):
    actor = current_actor()
    it = bank.get_item(actor, item_id)
    versions = bank.list_versions(actor, item_id)
    diff = None
    a, b = _int_arg("from"), _int_arg("to")
    if a and b:
        diff = bank.diff_versions(actor, item_id, a, b)
    elif len(versions) > 1:
        diff = bank.diff_versions(actor, item_id, versions[-2].number, versions[-1].number)
    moves = [to for (frm, to) in bank.TRANSITIONS if frm == it.status and can(actor.role, bank.TRANSITIONS[(frm, to)])]
    return render_template("bank/item.html", item=it, data=bank.item_dict(it), versions=versions, diff=diff, moves=moves,
                           history=bank.status_history(actor, item_id),
                           preview=bank.candidate_preview(actor, item_id))

