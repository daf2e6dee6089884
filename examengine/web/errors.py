"""Every API error renders as application/problem+json with a stable code; pages get an HTML page."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from examengine.errors import ExamEngineError, ValidationError

log = logging.getLogger(__name__)

HTTP_CODES = {
    400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE", 422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
}


def _is_api() -> bool:
    return request.path.startswith("/api/")


def problem(err: ExamEngineError):
    resp = jsonify(err.to_problem())
    resp.status_code = err.status
    resp.mimetype = "application/problem+json"
    if err.status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="examengine"'
    return resp


def _flatten(messages: object, prefix: str = "") -> dict[str, list[str]]:
    """webargs nests messages by location ({"json": {"points": [...]}}); keep the field paths."""
    out: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            if not prefix and key in ("json", "query", "form", "files", "headers"):
                out.update(_flatten(value, ""))
            else:
                out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        out[prefix or "_schema"] = list(messages)
    else:
        out[prefix or "_schema"] = [str(messages)]
    return out


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(ExamEngineError)
    def _domain_error(err: ExamEngineError):
        if _is_api():
            return problem(err)
        if err.status == 401:
            return redirect(url_for("pages.login", next=request.full_path))
        return render_template("error.html", status=err.status, code=err.code, detail=err.detail), err.status

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        status = err.code or 500
        if _is_api():
            if isinstance(err, CSRFError):
                return problem(_csrf_problem(err.description))
            if status == 422:
                messages = (getattr(err, "data", None) or {}).get("messages", {})
                return problem(ValidationError(_flatten(messages)))
            e = ExamEngineError(err.description, code=HTTP_CODES.get(status, "HTTP_ERROR"))
            e.status, e.title = status, err.name
            return problem(e)
        code = "CSRF_FAILED" if isinstance(err, CSRFError) else HTTP_CODES.get(status, "HTTP_ERROR")
        return render_template("error.html", status=status, code=code, detail=err.description), status

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        e = ExamEngineError("an unexpected error occurred; it has been logged")
        if _is_api():
            return problem(e)
        return render_template("error.html", status=500, code=e.code, detail=e.detail), 500


def _csrf_problem(detail: str) -> ExamEngineError:
    e = ExamEngineError(detail, code="CSRF_FAILED")
    e.status, e.title = 400, "CSRF check failed"
    return e
