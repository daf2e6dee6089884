"""What crosses the API for candidates and sittings (marshmallow; also the source of the OpenAPI document)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class SittingCreateSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(1, 64))
    blueprint_code = fields.String(required=True, data_key="blueprint")
    opens_at = fields.String(required=True, metadata={"description": "YYYY-MM-DD HH:MM (program's zone) or ISO 8601"})
    closes_at = fields.String(load_default=None, allow_none=True)
    title = fields.String(load_default="", validate=validate.Length(max=300))
    duration_minutes = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(1, 600))
    late_entry_minutes = fields.Integer(load_default=30, validate=validate.Range(0, 600))


class SeatSchema(Schema):
    id_numbers = fields.List(fields.String(), load_default=None, allow_none=True,
                             metadata={"description": "default: every candidate with a valid enrolment"})
    extra_minutes = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(0, 240)),
                                load_default=None, metadata={"description": "ID number -> extra minutes"})


class EnrolSchema(Schema):
    id_number = fields.String(required=True)
    program = fields.String(required=True)
    level = fields.String(required=True)
    work_type = fields.String(load_default="")


class EligibilityQuerySchema(Schema):
    program = fields.String(required=True)
    level = fields.String(required=True)
    work_type = fields.String(load_default="")


class TrainingRecordSchema(Schema):
    id_number = fields.String(required=True, validate=validate.Length(1, 32))
    hours = fields.Float(required=True, validate=validate.Range(0, 2000))
    course_hours = fields.Float(load_default=None, allow_none=True, validate=validate.Range(0, 2000))
    program = fields.String(required=True)
    level = fields.String(required=True)
    work_type = fields.String(load_default=None, allow_none=True)
    completed_on = fields.Date(load_default=None, allow_none=True)


class TrainingSchema(Schema):
    records = fields.List(fields.Nested(TrainingRecordSchema), required=True, validate=validate.Length(1, 20000))
