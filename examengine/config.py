"""Settings from the environment.

Every setting has a development default so that `make run` works on a fresh machine; production
(`EXAMENGINE_ENV=production`) refuses to start without an explicit secret key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from examengine.errors import ConfigurationError


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("EXAMENGINE_SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigurationError("EXAMENGINE_SECRET_KEY must be set when EXAMENGINE_ENV=production")
    # Development: generate once and keep it in the instance folder so that logins survive restarts.
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("EXAMENGINE_DATABASE_URL")
    if url:
        # Accept the common postgres:// spellings and use psycopg 3.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix):]
        return url
    instance_path.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{instance_path / 'examengine.sqlite3'}"


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    """Return the Flask config mapping for this process."""
    overrides = overrides or {}
    env = os.environ.get("EXAMENGINE_ENV", "development")
    production = env == "production"
    tz_name = os.environ.get("EXAMENGINE_TIMEZONE", "Asia/Shanghai")
    try:
        ZoneInfo(tz_name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"EXAMENGINE_TIMEZONE: unknown time zone {tz_name!r}") from exc

    url = overrides.get("SQLALCHEMY_DATABASE_URI") or _database_url(instance_path)
    engine_options: dict = {"pool_pre_ping": True}
    if url.startswith("sqlite"):
        engine_options = {"connect_args": {"timeout": 30}}
    else:
        # At least as many connections as threads per worker (see PERFORMANCE.md).
        engine_options["pool_size"] = int(os.environ.get("EXAMENGINE_DB_POOL_SIZE", "10"))

    config = {
        "ENV_NAME": env,
        "SECRET_KEY": overrides.get("SECRET_KEY") or _secret_key(instance_path, production),
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
        "TIMEZONE": tz_name,
        "DEFAULT_LOCALE": os.environ.get("EXAMENGINE_LOCALE", "zh_CN"),
        "API_TOKEN_TTL_HOURS": int(os.environ.get("EXAMENGINE_API_TOKEN_TTL_HOURS", "720")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 32 * 1024 * 1024,
        # Login attempts per address and username; use redis:// storage when several hosts serve the app.
        "LOGIN_RATE_LIMIT": os.environ.get("EXAMENGINE_LOGIN_RATE_LIMIT", "10 per minute"),
        "RATELIMIT_STORAGE_URI": os.environ.get("EXAMENGINE_RATELIMIT_STORAGE_URL", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # flask-smorest / OpenAPI
        "API_TITLE": "examengine",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        # A save that arrives this long after the deadline (the network's delay) still counts; later ones are refused.
        "SAVE_GRACE_SECONDS": int(os.environ.get("EXAMENGINE_SAVE_GRACE_SECONDS", "30")),
        "DUPLICATE_THRESHOLD": float(os.environ.get("EXAMENGINE_DUPLICATE_THRESHOLD", "0.9")),
        "QUESTION_BANKS_PATH": os.environ.get(
            "EXAMENGINE_QUESTION_BANKS", str(Path(__file__).resolve().parent.parent / "question_banks")
        ),
    }
    config.update(overrides)
    return config
