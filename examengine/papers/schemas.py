"""What crosses the API for blueprints and papers (marshmallow; also the source of the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from examengine.papers.service import MAX_PAPERS, SEED_LIMIT


class BlueprintSummarySchema(Schema):
    code = fields.String()
    program = fields.String()
    title = fields.String()
    level = fields.String()
    work_type = fields.String(allow_none=True)
    items = fields.Integer(metadata={"description": "items per paper"})
    total_points = fields.Float()
    loaded_at = fields.DateTime()


class BlueprintSchema(BlueprintSummarySchema):
    spec = fields.Dict(metadata={"description": "sections, module ranges, difficulty band, cap, enemies"})
    source_path = fields.String()


class FeasibilityQuerySchema(Schema):
    planned = fields.Integer(load_default=1000, validate=validate.Range(1, MAX_PAPERS),
                             metadata={"description": "candidates the sitting expects"})
    trial = fields.Integer(load_default=200, validate=validate.Range(0, 2000),
                           metadata={"description": "papers assembled in memory as a trial"})


class FeasibilitySchema(Schema):
    blueprint = fields.String()
    planned = fields.Integer()
    exposure_cap = fields.Float()
    pool_size = fields.Integer()
    feasible = fields.Boolean()
    cells = fields.List(fields.Dict(), metadata={"description": "per type x module cell: needed, available, "
                                                                "cap_minimum, short_by"})
    problems = fields.List(fields.String())
    score_range = fields.List(fields.Float())
    band = fields.List(fields.Float())
    trial = fields.Dict(allow_none=True)


class GenerateSchema(Schema):
    count = fields.Integer(required=True, validate=validate.Range(1, MAX_PAPERS))
    seed = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(0, SEED_LIMIT - 1))
    mode = fields.String(load_default="unique", validate=validate.OneOf(["unique", "fixed"]))
    forms = fields.Integer(load_default=4, validate=validate.Range(1, 50))
    max_overlap = fields.Float(load_default=0.3, validate=validate.Range(0, 1))
    label = fields.String(load_default="", validate=validate.Length(max=200))


class PaperSetSchema(Schema):
    paper_set = fields.Integer()
    blueprint = fields.String()
    seed = fields.Integer()
    mode = fields.String()
    fallbacks = fields.Integer()
    paper_ids = fields.List(fields.Integer())
    stats = fields.Dict()


class PaperQuerySchema(Schema):
    keys = fields.Boolean(load_default=False, metadata={"description": "include keys, references and rubrics"})
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class PdfQuerySchema(Schema):
    kind = fields.String(load_default="paper", validate=validate.OneOf(["paper", "answer-sheet", "key"]))
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class PaperSchema(Schema):
    paper_id = fields.Integer()
    number = fields.Integer()
    seed = fields.Integer()
    blueprint = fields.String()
    title = fields.String()
    program = fields.String()
    level = fields.String()
    work_type = fields.String()
    duration_minutes = fields.Integer()
    total_points = fields.Float()
    pass_mark = fields.Float()
    method = fields.String()
    expected_score = fields.Float(allow_none=True)
    with_keys = fields.Boolean()
    sections = fields.List(fields.Dict())
