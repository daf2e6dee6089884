"""Who is asking: a bearer token (API clients) or the login session (pages)."""

from __future__ import annotations

from flask import g, request, session

from examengine.auth import service
from examengine.auth.models import User
from examengine.db import db


def load_actor() -> None:
    """Before each request: set g.actor (or None) and g.via_token."""
    g.actor = None
    g.via_token = False
    g.api_token = None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        found = service.user_for_token(header[7:].strip())
        if found is not None:
            g.actor, g.api_token = found
            g.via_token = True
        return
    uid = session.get("user_id")
    if uid is not None:
        user = db.session.get(User, uid)
        if user is not None and user.active and session.get("auth_hash") == user.password_hash[-16:]:
            g.actor = user
        else:
            session.clear()


def current_actor() -> User | None:
    return g.get("actor")


def login_session(user: User) -> None:
    session.clear()
    session["user_id"] = user.id
    # Changing the password ends every other session.
    session["auth_hash"] = user.password_hash[-16:]
    session.permanent = True
