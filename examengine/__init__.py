"""examengine: an online exam engine with a question bank and automated scoring."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_wtf.csrf import CSRFProtect

from examengine.config import load_config
from examengine.db import db as database

MIGRATIONS_DIR = str(Path(__file__).resolve().parent / "migrations")

migrate = Migrate()
csrf = CSRFProtect()


def _login_key() -> str:
    # Per address and username: one attacker cannot lock everybody out, one account cannot be guessed at.
    from flask import request

    body = request.get_json(silent=True) if request.is_json else None
    name = (body or {}).get("username") if isinstance(body, dict) else request.form.get("username")
    return f"{request.remote_addr}|{str(name or '')[:64].lower()}"


limiter = Limiter(key_func=_login_key)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """The Flask application factory; nothing runs at import time."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("EXAMENGINE_INSTANCE_PATH") or None,
        template_folder="web/templates",
        static_folder="web/static",
    )
    app.config.update(load_config(Path(app.instance_path), config))

    from examengine import models  # noqa: F401  (every table registered before migrations look)

    database.init_app(app)
    migrate.init_app(app, database, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)

    from examengine.auth import api as auth_api
    from examengine.bank import api as bank_api
    from examengine.papers import api as papers_api
    from examengine.proctor import api as proctor_api
    from examengine.scoring import api as scoring_api
    from examengine.scoring import review_api
    from examengine.web.errors import register_error_handlers

    api = Api(app, spec_kwargs={"info": {"description": "examengine REST API. Authenticate with "
                                                         "`POST /api/v1/auth/token`, then send "
                                                         "`Authorization: Bearer <token>`."}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    api.spec.options["security"] = [{"bearerAuth": []}]
    for blp in (auth_api.blp, bank_api.blp, papers_api.blp, proctor_api.blp, scoring_api.blp, review_api.blp):
        api.register_blueprint(blp)
        # Bearer-token clients carry no CSRF token; session-cookie API calls are checked in before_request.
        csrf.exempt(blp)
    register_error_handlers(app)

    from examengine.web import register_web

    register_web(app)

    from examengine.auth.cli import users_cli
    from examengine.bank.cli import bank_cli
    from examengine.papers.cli import papers_cli
    from examengine.proctor.cli import proctor_cli
    from examengine.scoring.cli import scoring_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(bank_cli)
    app.cli.add_command(papers_cli)
    app.cli.add_command(proctor_cli)
    app.cli.add_command(scoring_cli)
    return app
