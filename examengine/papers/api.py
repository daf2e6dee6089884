"""The REST API of blueprints and papers (thin: parse, call the service, render)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.papers import printing, service
from examengine.papers.schemas import (
    BlueprintSchema,
    BlueprintSummarySchema,
    FeasibilityQuerySchema,
    FeasibilitySchema,
    GenerateSchema,
    PaperQuerySchema,
    PaperSchema,
    PaperSetSchema,
    PdfQuerySchema,
)

blp = Blueprint("papers", __name__, url_prefix="/api/v1", description="Blueprints, feasibility and papers")


def summary(row) -> dict:
    return {"code": row.code, "program": row.program.code, "title": row.title, "level": row.level,
            "work_type": row.work_type, "items": sum(s["count"] for s in row.data["sections"]),
            "total_points": row.data["total_points"], "loaded_at": row.loaded_at}


@blp.route("/blueprints")
class Blueprints(MethodView):
    @blp.response(200, BlueprintSummarySchema(many=True))
    def get(self):
        """The loaded blueprints."""
        return [summary(r) for r in service.list_blueprints(current_actor())]


@blp.route("/blueprints/<code>")
class BlueprintResource(MethodView):
    @blp.response(200, BlueprintSchema)
    def get(self, code: str):
        """One blueprint as loaded from its file."""
        row, _ = service.get_blueprint(current_actor(), code)
        return {**summary(row), "spec": row.data, "source_path": row.source_path}


@blp.route("/blueprints/<code>/feasibility")
class Feasibility(MethodView):
    @blp.arguments(FeasibilityQuerySchema, location="query")
    @blp.response(200, FeasibilitySchema)
    def get(self, args: dict, code: str):
        """Can the current bank carry this blueprint for `planned` candidates? Per cell, plus a trial run."""
        return service.check_blueprint(current_actor(), code, args["planned"], args["trial"]).as_dict()


@blp.route("/blueprints/<code>/papers")
class Generate(MethodView):
    @blp.arguments(GenerateSchema)
    @blp.response(201, PaperSetSchema)
    def post(self, data: dict, code: str):
        """Assemble and store a paper set: one paper per candidate, or parallel forms shuffled per candidate."""
        r = service.generate(current_actor(), code, data.pop("count"), data.pop("seed"), **data)
        return {"paper_set": r.paper_set.id, "blueprint": code, "seed": r.paper_set.seed, "mode": r.paper_set.mode,
                "fallbacks": r.fallbacks, "paper_ids": service.paper_ids(r.paper_set.id), "stats": r.stats}


@blp.route("/papers/<int:paper_id>")
class PaperResource(MethodView):
    @blp.arguments(PaperQuerySchema, location="query")
    @blp.response(200, PaperSchema)
    def get(self, args: dict, paper_id: int):
        """A paper as its candidate sees it (shown option order and letters); `keys=true` adds keys for staff."""
        return service.paper_view(current_actor(), paper_id, keys=args["keys"], lang=args["lang"])


@blp.route("/papers/<int:paper_id>/pdf")
class PaperPdf(MethodView):
    @blp.arguments(PdfQuerySchema, location="query")
    @blp.response(200, content_type="application/pdf")
    def get(self, args: dict, paper_id: int):
        """The printable paper, its answer sheet, or the staff's answer key, as PDF."""
        kind, lang = args["kind"], args["lang"]
        view = service.paper_view(current_actor(), paper_id, keys=kind == "key", lang=lang)
        render = printing.RENDERERS[kind]
        return Response(render(view, lang=lang), mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="paper-{paper_id}-{kind}.pdf"'})
