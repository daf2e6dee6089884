"""Results pages: a sitting's results for exam staff (publish, withdraw, export) and the candidate's own.

The scoring service checks `results.manage` / `results.own` and decides what a candidate may see; the pages
only arrange what it returns."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from examengine.auth.current import current_actor
from examengine.scoring import service
from examengine.scoring.service import OUTCOME_TEXT, ResultsIncomplete
from examengine.web.i18n import current_locale
from examengine.web.views import pages


def _lang() -> str:
    return "zh" if current_locale() == "zh_CN" else "en"


def _sitting_page(code: str, error: str | None = None, status: int = 200):
    view = service.sitting_results(current_actor(), code, _lang())
    return render_template("results/sitting.html", view=view, sitting=view["sitting"], error=error,
                           OUTCOME_TEXT={k: v[0] for k, v in OUTCOME_TEXT.items()}), status


@pages.route("/results/sittings/<code>")
def results_sitting(code: str):
    return _sitting_page(code)


@pages.route("/results/sittings/<code>/publish", methods=["POST"])
def results_publish(code: str):
    try:
        service.publish(current_actor(), code, request.form.get("note", ""))
    except ResultsIncomplete as err:
        message = err.extra["message_zh"] if _lang() == "zh" else str(err.detail).split(" (")[0]
        return _sitting_page(code, message, err.status)
    return redirect(url_for("pages.results_sitting", code=code))


@pages.route("/results/sittings/<code>/unpublish", methods=["POST"])
def results_unpublish(code: str):
    service.unpublish(current_actor(), code)
    return redirect(url_for("pages.results_sitting", code=code))


@pages.route("/results/sittings/<code>/export.<fmt>")
def results_export(code: str, fmt: str):
    content, name, mimetype = service.export_results(current_actor(), code, fmt, _lang())
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@pages.route("/exam/results")
def exam_results():
    rows = service.own_results(current_actor(), _lang())
    return render_template("results/mine.html", rows=rows)
