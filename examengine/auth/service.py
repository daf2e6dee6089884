"""Use cases of users and authentication: one transaction each."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from examengine.auth.models import ApiToken, User
from examengine.auth.permissions import ROLES, require
from examengine.db import db, utcnow
from examengine.errors import Conflict, Unauthorized, ValidationError

USERNAME_RE = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD = 8
# A hash to compare against when the user does not exist, so that timing does not reveal usernames.
_DUMMY_HASH = generate_password_hash("not-a-password")


def _hash(password: str) -> str:
    # scrypt by default; the test suite configures a cheaper method to stay fast.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _check_new_user(username: str, password: str, role: str) -> None:
    fields: dict[str, list[str]] = {}
    if not USERNAME_RE.match(username or ""):
        fields["username"] = ["3-64 letters, digits or _ . @ - (用户名为3-64位字母、数字或 _ . @ -)"]
    if len(password or "") < MIN_PASSWORD:
        fields["password"] = [f"at least {MIN_PASSWORD} characters (密码至少{MIN_PASSWORD}位)"]
    if role not in ROLES:
        fields["role"] = [f"one of {', '.join(ROLES)} (角色无效)"]
    if fields:
        raise ValidationError(fields)


def create_user(username: str, password: str, role: str, display_name: str = "", actor: User | None = None,
                *, system: bool = False) -> User:
    """Create a user; `system=True` is for the CLI, which runs with the operator's authority."""
    if not system:
        require(actor, "users.manage")
    _check_new_user(username, password, role)
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(f"user {username} exists", code="USER_EXISTS")
    user = User(username=username, role=role, display_name=display_name or username,
                password_hash=_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError({"password": [f"at least {MIN_PASSWORD} characters"]})
    user.password_hash = _hash(password)
    db.session.commit()


def authenticate(username: str, password: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise Unauthorized("wrong username or password", code="INVALID_CREDENTIALS")
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        raise Unauthorized("wrong username or password", code="INVALID_CREDENTIALS")
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, name: str = "", ttl_hours: int = 720) -> tuple[str, ApiToken]:
    """A new bearer token; the plaintext is returned once and never stored."""
    token = "ee_" + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, token_hash=_hash_token(token), name=name[:100],
                   expires_at=utcnow() + timedelta(hours=ttl_hours))
    db.session.add(row)
    db.session.commit()
    return token, row


def user_for_token(token: str) -> tuple[User, ApiToken] | None:
    # One query for token and user: every API call pays for this.
    found = db.session.execute(select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                               .where(ApiToken.token_hash == _hash_token(token))).first()
    if found is None:
        return None
    row, user = found
    if row.revoked_at is not None or row.expires_at <= utcnow() or not user.active:
        return None
    return user, row


def revoke_token(row: ApiToken) -> None:
    row.revoked_at = utcnow()
    db.session.commit()


def list_users(actor: User | None) -> list[User]:
    require(actor, "users.read")
    return list(db.session.scalars(select(User).order_by(User.username)))


def get_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))
