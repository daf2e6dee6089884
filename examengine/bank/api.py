"""The bank's REST API (thin: parse, call the service, render)."""

from __future__ import annotations

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.auth.permissions import require
from examengine.bank import importing, service
from examengine.bank.formats import FORMATS
from examengine.bank.formats.template import template_xlsx
from examengine.bank.schemas import (
    CandidateViewSchema,
    DiffQuerySchema,
    DiffSchema,
    ExportQuerySchema,
    ImportFileSchema,
    ImportFormSchema,
    ImportReportSchema,
    ItemCreateSchema,
    ItemPageSchema,
    ItemQuerySchema,
    ItemSchema,
    ItemUpdateSchema,
    ProgramSchema,
    StatusChangeInSchema,
    StatusChangeSchema,
    SyllabusSchema,
    TemplateQuerySchema,
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


@blp.route("/imports")
class Imports(MethodView):
    @blp.arguments(ImportFormSchema, location="form")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, ImportReportSchema)
    @blp.alt_response(201, schema=ImportReportSchema, description="written")
    def post(self, form: dict, files: dict):
        """Import a file (YAML, JSON, Excel, CSV, GIFT, Moodle XML, Aiken, QTI 2.1). A dry run (the default)
        only reports; otherwise a file with rejected items writes nothing unless `skip_invalid`."""
        upload = files["file"]
        report = importing.import_file(current_actor(), form["program"], upload.read(), upload.filename or "upload",
                                       fmt=form.get("format"), dry_run=form["dry_run"],
                                       skip_invalid=form["skip_invalid"], default_module=form.get("module"),
                                       status=form["status"])
        return report.as_dict(), 200 if report.dry_run else 201


@blp.route("/exports")
class Exports(MethodView):
    @blp.arguments(ExportQuerySchema, location="query")
    @blp.response(200, description="the file")
    def get(self, args: dict):
        """A program's items as a file in the chosen format."""
        data, _ = importing.export_items(current_actor(), args["program"], args["format"], args.get("module"),
                                         args.get("status"))
        suffix, mime = FORMATS[args["format"]][3], FORMATS[args["format"]][4]
        name = f"{args['program']}{'-' + args['module'] if args.get('module') else ''}{suffix}"
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/imports/template")
class ImportTemplate(MethodView):
    @blp.arguments(TemplateQuerySchema, location="query")
    @blp.response(200, description="the Excel template")
    def get(self, args: dict):
        """The Excel import template: instructions, validation lists and examples."""
        require(current_actor(), "items.read")
        codes = importing.program_module_codes(args["program"]) if args.get("program") else None
        return Response(template_xlsx(codes), mimetype=FORMATS["xlsx"][4],
                        headers={"Content-Disposition": "attachment; filename=\"import-template.xlsx\""})
