"""What crosses the API for results (marshmallow; also the source of the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class LangSchema(Schema):
    lang = fields.String(load_default="zh", validate=validate.OneOf(["zh", "en"]))


class ExportQuerySchema(LangSchema):
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))


class PublishSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=2000))
