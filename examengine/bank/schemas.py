"""What crosses the API for the bank: marshmallow schemas (also the source of the OpenAPI document).

Shapes only; the rules of each item type live in the item-type registry and are applied by the service."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from examengine.bank.content import IMPORT_STATUSES, STATUSES
from examengine.bank.formats import FORMATS
from examengine.bank.itemtypes import REGISTRY


class RubricPointSchema(Schema):
    point = fields.String(required=True, metadata={"description": "the scoring point (得分点)"})
    weight = fields.Float(required=True, metadata={"description": "points it earns"})
    synonyms = fields.List(fields.String(), load_default=list, metadata={"description": "alternative phrasings"})


class ItemContentSchema(Schema):
    module = fields.String(metadata={"description": "module (course) code of the program's syllabus"})
    stem = fields.String()
    options = fields.List(fields.String(), metadata={"description": "option texts; letters A-H follow their order"})
    key = fields.Raw(allow_none=True, metadata={"description": "single: 'B'; multi: ['A','C'] or 'AC'; "
                                                               "truefalse: true/false; short: null"})
    explanation = fields.String(metadata={"description": "解析"})
    points = fields.Float()
    difficulty = fields.Integer(metadata={"description": "1 (easy) to 5 (hard), as written"})
    knowledge_points = fields.List(fields.String())
    levels = fields.List(fields.String())
    tags = fields.List(fields.String())
    source = fields.String(metadata={"description": "where the item's fact comes from"})
    references = fields.List(fields.String(), metadata={"description": "short answer: reference answers"})
    rubric = fields.List(fields.Nested(RubricPointSchema), metadata={"description": "short answer: scoring points"})
    note = fields.String(load_only=True, metadata={"description": "why this version was made"})


class ItemCreateSchema(ItemContentSchema):
    program = fields.String(required=True)
    type = fields.String(required=True, validate=validate.OneOf(list(REGISTRY)))
    code = fields.String(metadata={"description": "item code, unique in the program; made from the module if omitted"})


class ItemUpdateSchema(ItemContentSchema):
    type = fields.String(validate=validate.OneOf(list(REGISTRY)))


class WarningSchema(Schema):
    code = fields.String()
    item = fields.String()
    score = fields.Float()
    message = fields.String()
    message_zh = fields.String()


class ItemSchema(ItemContentSchema):
    warnings = fields.List(fields.Nested(WarningSchema), metadata={"description": "e.g. near-duplicates"})
    id = fields.Integer()
    code = fields.String()
    program = fields.String()
    type = fields.String()
    status = fields.String()
    version = fields.Integer()
    origin = fields.String()
    author = fields.String(allow_none=True)
    reviewer = fields.String(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class ItemQuerySchema(Schema):
    program = fields.String()
    module = fields.String()
    knowledge_point = fields.String()
    type = fields.String(validate=validate.OneOf(list(REGISTRY)))
    difficulty = fields.Integer(validate=validate.Range(1, 5))
    status = fields.String(validate=validate.OneOf(STATUSES))
    tag = fields.String()
    q = fields.String(metadata={"description": "words that must all appear in code, stem, options or tags"})
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(1, 200))


class ItemPageSchema(Schema):
    items = fields.List(fields.Nested(ItemSchema))
    total = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class VersionSchema(ItemContentSchema):
    number = fields.Integer()
    created_at = fields.DateTime()
    created_by = fields.String(allow_none=True)
    note = fields.String()
    content_hash = fields.String()


class DiffQuerySchema(Schema):
    from_ = fields.Integer(required=True, data_key="from")
    to = fields.Integer(required=True)


class ChangeSchema(Schema):
    field = fields.String()
    old = fields.Raw(allow_none=True)
    new = fields.Raw(allow_none=True)
    segments = fields.List(fields.Dict(), metadata={"description": "text fields: equal/delete/insert runs"})


class DiffSchema(Schema):
    item = fields.Integer()
    from_ = fields.Integer(data_key="from")
    to = fields.Integer()
    changes = fields.List(fields.Nested(ChangeSchema))


class StatusChangeInSchema(Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    comment = fields.String(load_default="")


class StatusChangeSchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    actor = fields.String(allow_none=True, attribute="actor.username")
    comment = fields.String()
    at = fields.DateTime()


class CandidateOptionSchema(Schema):
    label = fields.String()
    text = fields.String()


class CandidateViewSchema(Schema):
    type = fields.String()
    stem = fields.String()
    points = fields.Float()
    options = fields.List(fields.Nested(CandidateOptionSchema))


class ProgramSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    issuer = fields.String()
    occupation_code = fields.String()
    timezone = fields.String()


class KnowledgePointSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class ModuleSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    kind = fields.String()
    work_type = fields.String(allow_none=True)
    levels = fields.List(fields.String())
    knowledge_points = fields.List(fields.Nested(KnowledgePointSchema))


class LevelSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()
    scope = fields.String()
    work_types = fields.List(fields.String())


class WorkTypeSchema(Schema):
    code = fields.String()
    name = fields.String()
    name_en = fields.String()


class SyllabusSchema(ProgramSchema):
    levels = fields.List(fields.Nested(LevelSchema))
    work_types = fields.List(fields.Nested(WorkTypeSchema))
    modules = fields.List(fields.Nested(ModuleSchema))


class ImportFormSchema(Schema):
    program = fields.String(required=True)
    format = fields.String(validate=validate.OneOf(list(FORMATS)))
    module = fields.String(metadata={"description": "module for items whose category matches none"})
    status = fields.String(load_default="draft", validate=validate.OneOf(IMPORT_STATUSES))
    dry_run = fields.Boolean(load_default=True, metadata={"description": "report only (the default)"})
    skip_invalid = fields.Boolean(load_default=False)


class ImportFileSchema(Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class ImportMessageSchema(Schema):
    code = fields.String()
    message = fields.String()
    message_zh = fields.String()


class ImportEntrySchema(Schema):
    location = fields.String()
    outcome = fields.String(metadata={"description": "imported, warning or rejected"})
    type = fields.String()
    module = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    stem = fields.String()
    messages = fields.List(fields.Nested(ImportMessageSchema))


class ImportReportSchema(Schema):
    file = fields.String()
    format = fields.String()
    program = fields.String()
    dry_run = fields.Boolean()
    imported = fields.Integer()
    warnings = fields.Integer()
    rejected = fields.Integer()
    written = fields.Integer()
    entries = fields.List(fields.Nested(ImportEntrySchema))


class ExportQuerySchema(Schema):
    program = fields.String(required=True)
    format = fields.String(required=True, validate=validate.OneOf(list(FORMATS)))
    module = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))


class TemplateQuerySchema(Schema):
    program = fields.String()
