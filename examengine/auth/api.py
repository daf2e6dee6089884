"""Auth REST API: bearer tokens, the current user, user administration."""

from __future__ import annotations

from flask import current_app, g
from flask.views import MethodView
from flask_smorest import Blueprint

from examengine import limiter
from examengine.auth import service
from examengine.auth.current import current_actor
from examengine.auth.schemas import TokenRequestSchema, TokenSchema, UserCreateSchema, UserSchema
from examengine.errors import Unauthorized

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Tokens and users")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@blp.route("/auth/token")
class Token(MethodView):
    @limiter.limit(_login_limit)
    @blp.arguments(TokenRequestSchema)
    @blp.response(201, TokenSchema)
    def post(self, data: dict):
        """Exchange a username and password for a bearer token."""
        user = service.authenticate(data["username"], data["password"])
        token, row = service.issue_token(user, data["name"], current_app.config["API_TOKEN_TTL_HOURS"])
        return {"token": token, "expires_at": row.expires_at}

    @blp.response(204)
    def delete(self):
        """Revoke the bearer token this request carries."""
        if g.get("api_token") is None:
            raise Unauthorized("send the bearer token to revoke")
        service.revoke_token(g.api_token)


@blp.route("/me")
class Me(MethodView):
    @blp.response(200, UserSchema)
    def get(self):
        """The user this request is authenticated as."""
        actor = current_actor()
        if actor is None:
            raise Unauthorized("log in or send a bearer token")
        return actor


@blp.route("/users")
class Users(MethodView):
    @blp.response(200, UserSchema(many=True))
    def get(self):
        """All users (staff and admins)."""
        return service.list_users(current_actor())

    @blp.arguments(UserCreateSchema)
    @blp.response(201, UserSchema)
    def post(self, data: dict):
        """Create a user (admins)."""
        return service.create_user(data["username"], data["password"], data["role"],
                                   data.get("display_name", ""), current_actor())
