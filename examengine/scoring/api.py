"""The REST API of results (thin: parse, call the service, render)."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.scoring import service
from examengine.scoring.schemas import ExportQuerySchema, LangSchema, PublishSchema

blp = Blueprint("scoring", __name__, url_prefix="/api/v1", description="Scores and results")


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _publication(pub) -> dict[str, Any] | None:
    return None if pub is None else {"published_at": _iso(pub.published_at), "note": pub.note}


@blp.route("/sittings/<code>/results", methods=["GET"])
@blp.arguments(LangSchema, location="query")
def sitting_results(args: dict, code: str):
    """Every seat's result (total, pass/fail, modules, pending responses), progress and publication (staff)"""
    view = service.sitting_results(current_actor(), code, args["lang"])
    p = view["progress"]
    return {"sitting": view["sitting"].code, "publication": _publication(view["publication"]),
            "progress": {"seats": p.seats, "submitted": p.submitted, "open_sessions": p.open_sessions,
                         "unscored": p.unscored, "pending": p.pending, "complete": p.complete},
            "modules": [{"code": c, "name": n} for c, n in view["modules"]], "seats": view["seats"]}


@blp.route("/sittings/<code>/results/publication")
class Publication(MethodView):
    @blp.arguments(PublishSchema)
    def post(self, args: dict, code: str):
        """Publish the sitting's results; 409 RESULTS_INCOMPLETE while any is not final (staff)"""
        return {"published": True, **_publication(service.publish(current_actor(), code, args["note"]))}

    def delete(self, code: str):
        """Withdraw the publication; candidates stop seeing their results (staff)"""
        return {"published": False, "withdrawn": service.unpublish(current_actor(), code)}


@blp.route("/sittings/<code>/results/export", methods=["GET"])
@blp.arguments(ExportQuerySchema, location="query")
def export_results(args: dict, code: str):
    """The sitting's results as Excel (.xlsx) or CSV (UTF-8 with BOM) (staff)"""
    content, name, mimetype = service.export_results(current_actor(), code, args["format"], args["lang"])
    return Response(content, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/me/results", methods=["GET"])
@blp.arguments(LangSchema, location="query")
def my_results(args: dict):
    """My submitted exams; scores only for sittings whose results are published (candidates)"""
    rows = service.own_results(current_actor(), args["lang"])
    return [{**r, "opens_at": _iso(r["opens_at"]), "submitted_at": _iso(r["submitted_at"]),
             "published_at": _iso(r["published_at"])} for r in rows]
