"""Pages people use, and the per-request plumbing they share with the API."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, current_app, g, request

from examengine.auth.current import load_actor
from examengine.proctor.api import key_endpoint
from examengine.web.i18n import LOCALES, current_locale, translate

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def _localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(fmt)


def register_web(app: Flask) -> None:
    from examengine import csrf
    from examengine.web import (
        exam_pages,  # noqa: F401  (adds the candidate's exam pages to `pages`)
        grading_pages,  # noqa: F401  (adds the graders' and marking pages to `pages`)
        paper_pages,  # noqa: F401  (adds the papers pages to `pages`)
        proctor_pages,  # noqa: F401  (adds the staff's monitoring pages to `pages`)
        results_pages,  # noqa: F401  (adds the results pages to `pages`)
    )
    from examengine.web.views import pages

    @app.before_request
    def _before() -> None:
        if key_endpoint():
            # The exam page's own calls carry the session's browser key; no login look-up on the save path.
            g.actor, g.via_token, g.api_token = None, False, None
            return
        load_actor()
        # API calls that ride on the login cookie (from our own pages) must carry the CSRF token.
        if request.path.startswith("/api/") and request.method in UNSAFE and g.actor and not g.via_token:
            csrf.protect()

    @app.after_request
    def _headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        return resp

    app.jinja_env.globals.update(_=translate, LOCALES=LOCALES, current_locale=current_locale)
    app.jinja_env.filters["localtime"] = _localtime
    app.register_blueprint(pages)
