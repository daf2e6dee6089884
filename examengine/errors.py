"""One error hierarchy for the whole application.

Every error carries a stable machine-readable `code` and an HTTP status; the API renders it as
RFC 9457 `application/problem+json`. Validation errors also carry field-level messages.
"""

from __future__ import annotations

from typing import Any


class ExamEngineError(Exception):
    status = 500
    code = "INTERNAL_ERROR"
    title = "Internal error"

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra

    def to_problem(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"about:blank#{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        body.update(self.extra)
        return body


class ConfigurationError(ExamEngineError):
    code = "CONFIGURATION_ERROR"
    title = "Configuration error"


class ValidationError(ExamEngineError):
    """Bad input. `fields` maps a field path (e.g. "options.2" or "rubric.0.weight") to messages."""

    status = 422
    code = "VALIDATION_ERROR"
    title = "Validation failed"

    def __init__(self, fields: dict[str, list[str]] | None = None, detail: str | None = None, **kw: Any):
        fields = fields or {}
        if detail is None:
            detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()) or self.title
        super().__init__(detail, **kw)
        self.fields = fields

    def to_problem(self) -> dict[str, Any]:
        body = super().to_problem()
        body["errors"] = self.fields
        return body


class Unauthorized(ExamEngineError):
    status = 401
    code = "UNAUTHORIZED"
    title = "Authentication required"


class Forbidden(ExamEngineError):
    status = 403
    code = "FORBIDDEN"
    title = "Not allowed"


class NotFound(ExamEngineError):
    status = 404
    code = "NOT_FOUND"
    title = "Not found"


class Conflict(ExamEngineError):
    status = 409
    code = "CONFLICT"
    title = "Conflict"


class BankFileError(ExamEngineError):
    """A shipped bank file (syllabus or items) cannot be loaded."""

    status = 422
    code = "BANK_FILE_INVALID"
    title = "Bank file invalid"
