"""Staff pages of blueprints and papers: feasibility per cell, generating a set, previews and PDFs."""

from __future__ import annotations

from flask import Response, redirect, render_template, request, url_for

from examengine.auth.current import current_actor
from examengine.errors import ValidationError
from examengine.papers import printing
from examengine.papers import service as papers
from examengine.web.i18n import current_locale
from examengine.web.views import _int_arg, pages

PDF_KINDS = printing.RENDERERS


def _lang() -> str:
    return "zh" if current_locale() == "zh_CN" else "en"


@pages.route("/papers/blueprints")
def blueprints():
    rows = papers.list_blueprints(current_actor())
    return render_template("papers/blueprints.html", rows=rows)


@pages.route("/papers/blueprints/<code>")
def blueprint(code: str):
    actor = current_actor()
    row, bp = papers.get_blueprint(actor, code)
    planned = _int_arg("planned") or 1000
    report = papers.check_blueprint(actor, code, planned, trial=min(planned, 200))
    sets = papers.list_paper_sets(actor, code) if actor and actor.role in ("staff", "admin") else []
    return render_template("papers/blueprint.html", row=row, bp=bp, report=report, planned=planned, sets=sets)


@pages.route("/papers/blueprints/<code>/generate", methods=["POST"])
def generate_papers(code: str):
    try:
        count = int(request.form.get("count", "1"))
        seed = int(request.form["seed"]) if request.form.get("seed") else None
    except ValueError:
        raise ValidationError({"count": ["count and seed must be whole numbers"]}) from None
    result = papers.generate(current_actor(), code, count, seed, mode=request.form.get("mode", "unique"),
                             label=request.form.get("label", ""))
    first = papers.paper_ids(result.paper_set.id)[0]
    return redirect(url_for("pages.paper", paper_id=first))


@pages.route("/papers/<int:paper_id>")
def paper(paper_id: int):
    keys = request.args.get("keys") == "1"
    view = papers.paper_view(current_actor(), paper_id, keys=keys, lang=_lang())
    return render_template("papers/paper.html", view=view, keys=keys)


@pages.route("/papers/<int:paper_id>/pdf/<kind>")
def paper_pdf(paper_id: int, kind: str):
    if kind not in PDF_KINDS:
        raise ValidationError({"kind": [f"one of {', '.join(PDF_KINDS)}"]})
    view = papers.paper_view(current_actor(), paper_id, keys=kind == "key", lang=_lang())
    return Response(PDF_KINDS[kind](view, lang=_lang()), mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="paper-{paper_id}-{kind}.pdf"'})
