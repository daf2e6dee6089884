"""The bank's REST API (thin: parse, call the service, render)."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.bank import service
from examengine.bank.schemas import (
    CandidateViewSchema,
    DiffQuerySchema,
    DiffSchema,
    ItemCreateSchema,
    ItemPageSchema,
    ItemQuerySchema,
    ItemSchema,
    ItemUpdateSchema,
    ProgramSchema,
    StatusChangeInSchema,
    StatusChangeSchema,
    SyllabusSchema,
    VersionSchema,
)

blp = Blueprint("bank", __name__, url_prefix="/api/v1", description="Syllabi, items and their versions")


def _version_dict(v) -> dict:
    out = service.version_content(v)
    out.update(number=v.number, created_at=v.created_at, note=v.note, content_hash=v.content_hash,
               created_by=v.created_by.username if v.created_by else None)
    return out


@blp.route("/programs")
class Programs(MethodView):
    @blp.response(200, ProgramSchema(many=True))
    def get(self):
        """List the programs (certifications)."""
        return service.list_programs(current_actor())


@blp.route("/programs/<code>")
class ProgramSyllabus(MethodView):
    @blp.response(200, SyllabusSchema)
    def get(self, code: str):
        """A program's syllabus: levels, work types, modules and knowledge points."""
        return service.syllabus_tree(current_actor(), code)


@blp.route("/items")
class Items(MethodView):
    @blp.arguments(ItemQuerySchema, location="query")
    @blp.response(200, ItemPageSchema)
    def get(self, args: dict):
        """List items, filtered and paged; `q` searches code, stem, options and tags."""
        page, per_page = args.pop("page"), args.pop("per_page")
        items, total = service.list_items(current_actor(), service.ItemFilter(**args), page, per_page)
        return {"items": [service.item_dict(i) for i in items], "total": total, "page": page, "per_page": per_page}

    @blp.arguments(ItemCreateSchema)
    @blp.response(201, ItemSchema)
    def post(self, data: dict):
        """Create an item (as a draft, version 1)."""
        return service.item_dict(service.create_item(current_actor(), data))


@blp.route("/items/<int:item_id>")
class ItemResource(MethodView):
    @blp.response(200, ItemSchema)
    def get(self, item_id: int):
        """One item at its current version, with key, explanation and rubric."""
        return service.item_dict(service.get_item(current_actor(), item_id))

    @blp.arguments(ItemUpdateSchema)
    @blp.response(200, ItemSchema)
    def patch(self, data: dict, item_id: int):
        """Change an item: the given fields replace the current version's in a new immutable version."""
        item, _ = service.update_item(current_actor(), item_id, data)
        return service.item_dict(item)


@blp.route("/items/<int:item_id>/versions")
class ItemVersions(MethodView):
    @blp.response(200, VersionSchema(many=True))
    def get(self, item_id: int):
        """Every version of an item, oldest first."""
        return [_version_dict(v) for v in service.list_versions(current_actor(), item_id)]


@blp.route("/items/<int:item_id>/versions/<int:number>")
class ItemVersion(MethodView):
    @blp.response(200, VersionSchema)
    def get(self, item_id: int, number: int):
        """One version of an item."""
        return _version_dict(service.get_version(current_actor(), item_id, number))


@blp.route("/items/<int:item_id>/diff")
class ItemDiff(MethodView):
    @blp.arguments(DiffQuerySchema, location="query")
    @blp.response(200, DiffSchema)
    def get(self, args: dict, item_id: int):
        """What changed between two versions (`from`, `to`)."""
        return service.diff_versions(current_actor(), item_id, args["from_"], args["to"])


@blp.route("/items/<int:item_id>/status")
class ItemStatus(MethodView):
    @blp.response(200, StatusChangeSchema(many=True))
    def get(self, item_id: int):
        """The review trail of an item."""
        return service.status_history(current_actor(), item_id)

    @blp.arguments(StatusChangeInSchema)
    @blp.response(200, ItemSchema)
    def post(self, data: dict, item_id: int):
        """Move an item through review: draft → in_review → active → retired (and back where allowed)."""
        return service.item_dict(service.change_status(current_actor(), item_id, data["status"], data["comment"]))


@blp.route("/items/<int:item_id>/preview")
class ItemPreview(MethodView):
    @blp.response(200, CandidateViewSchema)
    def get(self, item_id: int):
        """The item as a candidate would see it: no key, explanation, references or rubric."""
        return service.candidate_preview(current_actor(), item_id)
