"""What crosses the API for users and tokens."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from examengine.auth.permissions import ROLES


class TokenRequestSchema(Schema):
    username = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="", metadata={"description": "a label for the token, e.g. the client"})


class TokenSchema(Schema):
    token = fields.String(metadata={"description": "send as `Authorization: Bearer <token>`; shown only once"})
    expires_at = fields.DateTime()


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    username = fields.String(required=True)
    display_name = fields.String()
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    active = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)
    last_login_at = fields.DateTime(dump_only=True, allow_none=True)


class UserCreateSchema(UserSchema):
    password = fields.String(required=True, load_only=True)
