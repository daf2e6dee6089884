"""The REST API of candidates, sittings and exam sessions (thin: parse, call the service, render).

The exam page's own calls (state, save, events, submit) authenticate with the session's browser key in the
`X-Exam-Key` header, not with the login: the key is what makes a takeover turn the old browser read-only, and
it keeps the save path free of per-request user look-ups."""

from __future__ import annotations

import io
import zipfile
from typing import Any

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from examengine.auth.current import current_actor
from examengine.auth.permissions import require
from examengine.errors import ValidationError
from examengine.proctor import registration, service, sessions
from examengine.proctor.schemas import (
    EligibilityQuerySchema,
    EnrolSchema,
    SeatSchema,
    SittingCreateSchema,
    TrainingSchema,
)

blp = Blueprint("proctor", __name__, url_prefix="/api/v1", description="Candidates, sittings and exam sessions")
KEY_HEADER = "X-Exam-Key"
# Endpoints that authenticate with the exam key only: the login is not even looked up.
KEY_ENDPOINTS = frozenset({"proctor.save_answer", "proctor.session_state", "proctor.session_events",
                           "proctor.session_submit"})
KEY_DOC = {"parameters": [{"in": "header", "name": KEY_HEADER, "required": True, "schema": {"type": "string"},
                           "description": "the browser key issued when the session started or was taken over"}],
           "security": []}


def _client() -> tuple[str, str]:
    return request.remote_addr or "", request.headers.get("User-Agent", "")


def _key() -> str:
    return request.headers.get(KEY_HEADER, "")


def _json_body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ValidationError({"_body": ["a JSON object is expected"]}, code="BODY_INVALID")
    return body


# ---- the exam page's calls ------------------------------------------------------------------------------------

@blp.route("/sessions/<int:session_id>/answers/<int:position>", methods=["PUT"])
@blp.doc(**KEY_DOC, summary="Save one answer",
         description="Body: `{response, seq, flagged?, client_at?}`. Committed before the reply. A repeated or "
                     "older `seq` is acknowledged with status `unchanged`. After the deadline plus the network "
                     "grace: 409 `SESSION_CLOSED`, nothing saved.")
def save_answer(session_id: int, position: int):
    ip, agent = _client()
    return sessions.save_answer(session_id, _key(), position, _json_body(), ip, agent)


@blp.route("/sessions/<int:session_id>/state", methods=["GET"])
@blp.doc(**KEY_DOC, summary="The exam page's state: paper (no keys), saved answers, deadline, server time")
def session_state(session_id: int):
    lang = "en" if request.args.get("lang") == "en" else "zh"
    return sessions.state(session_id, _key(), lang)


@blp.route("/sessions/<int:session_id>/events", methods=["POST"])
@blp.doc(**KEY_DOC, summary="Proctor events from the page (focus, visibility, copy/paste, fullscreen, reconnect)")
def session_events(session_id: int):
    return {"recorded": sessions.record_events(session_id, _key(), _json_body().get("events"))}


@blp.route("/sessions/<int:session_id>/submit", methods=["POST"])
@blp.doc(**KEY_DOC, summary="Submit the exam (idempotent)")
def session_submit(session_id: int):
    return sessions.submit(session_id, _key())


# ---- the candidate, logged in -----------------------------------------------------------------------------------

def _started(started: sessions.Started) -> dict[str, Any]:
    s = started.session
    body = {"session_id": s.id, "created": started.created, "status": s.status,
            "started_at": s.started_at.isoformat(), "deadline": s.deadline_at.isoformat()}
    if started.key:
        body["key"] = started.key
    return body


@blp.route("/sittings/<code>/session", methods=["POST"])
@blp.doc(summary="Start (or find) my session in a sitting",
         description="Only inside the window, only if eligible, once. Returns the browser key when the session is "
                     "created; for an existing session take it over to get a key.")
def start_session(code: str):
    actor = require(current_actor(), "exam.take")
    ip, agent = _client()
    sitting = service.get_sitting(code)
    started = sessions.start(actor.id, sitting.id, ip, agent, check_eligibility=service.start_check)
    return _started(started), 201 if started.created else 200


@blp.route("/sessions/<int:session_id>/takeover", methods=["POST"])
@blp.doc(summary="Continue my session in this browser; the other browser turns read-only")
def take_over(session_id: int):
    actor = require(current_actor(), "exam.take")
    ip, agent = _client()
    return {"session_id": session_id, "key": sessions.take_over(actor.id, session_id, ip, agent)}


# ---- staff --------------------------------------------------------------------------------------------------------

def _sitting(s) -> dict[str, Any]:
    return {"id": s.id, "code": s.code, "title": s.title, "program": s.program.code, "level": s.level,
            "work_type": s.work_type, "blueprint": s.blueprint.code, "opens_at": s.opens_at.isoformat(),
            "closes_at": s.closes_at.isoformat(), "duration_minutes": s.duration_minutes,
            "late_entry_minutes": s.late_entry_minutes, "paper_set": s.paper_set_id}


@blp.route("/sittings")
class Sittings(MethodView):
    def get(self):
        """Sittings with seat and session counts"""
        return [{**_sitting(s), "seats": a, "sessions": b} for s, a, b in service.list_sittings(current_actor())]

    @blp.arguments(SittingCreateSchema)
    def post(self, args: dict):
        """Schedule a sitting of a blueprint (times without a zone are in the program's zone)"""
        return _sitting(service.create_sitting(current_actor(), **args)), 201


@blp.route("/sittings/<code>")
class SittingResource(MethodView):
    def get(self, code: str):
        """A sitting's seats with each session's state and flags"""
        view = service.sitting_overview(current_actor(), code)
        seats = view["seats"]
        for s in seats:
            if s["session"]:
                for k in ("started_at", "deadline_at", "submitted_at"):
                    s["session"][k] = s["session"][k].isoformat() if s["session"][k] else None
        return {**_sitting(view["sitting"]), "seats": seats}


@blp.route("/sittings/<code>/seats", methods=["POST"])
@blp.arguments(SeatSchema)
def seat_candidates(args: dict, code: str):
    """Give seats (default: every candidate with a valid enrolment); refusals name the failed rules"""
    r = service.seat_candidates(current_actor(), code, args.get("id_numbers"), args.get("extra_minutes"))
    return {"seated": len(r.seated), "refused": r.refused}


@blp.route("/sittings/<code>/papers", methods=["POST"])
def prepare_papers(code: str):
    """Assemble a paper for every seat that has none"""
    return {"prepared": service.prepare_papers(current_actor(), code)}


@blp.route("/sessions/<int:session_id>/history", methods=["GET"])
def session_history(session_id: int):
    """A session's journal (chain checked), events and answers, for appeals"""
    h = service.session_history(current_actor(), session_id)
    s = h["session"]
    iso = (lambda v: v.isoformat() if v else None)  # noqa: E731
    return {
        "session": {"id": s.id, "status": s.status, "started_at": iso(s.started_at), "deadline_at": iso(s.deadline_at),
                    "submitted_at": iso(s.submitted_at), "submit_reason": s.submit_reason, "holder": s.holder},
        "candidate": h["candidate"], "sitting": h["sitting"].code, "verdict": h["verdict"].as_dict(),
        "journal": [{**e, "at": iso(e["at"])} for e in h["journal"]],
        "events": [{**e, "at": iso(e["at"]), "client_at": iso(e["client_at"])} for e in h["events"]],
        "answers": [{**a, "saved_at": iso(a["saved_at"])} for a in h["answers"]], "flags": h["flags"],
    }


@blp.route("/enrolments", methods=["POST"])
@blp.arguments(EnrolSchema)
def enrol(args: dict):
    """Enrol a candidate in a program, level and work type; a refusal names every failed rule"""
    row = service.enrol(current_actor(), args["id_number"], args["program"], args["level"], args.get("work_type", ""))
    return {"id": row.id, "enrolled_on": row.enrolled_on.isoformat(), "valid_until": row.valid_until.isoformat(),
            "basis": row.basis}, 201


@blp.route("/candidates/<id_number>/eligibility", methods=["GET"])
@blp.arguments(EligibilityQuerySchema, location="query")
def candidate_eligibility(args: dict, id_number: str):
    """Would this candidate be allowed to sit today? Every failed rule with its reason"""
    d = service.eligibility_for(current_actor(), id_number, args["program"], args["level"], args.get("work_type", ""))
    return {"eligible": d.eligible, "attempt_kind": d.attempt_kind, "satisfied_by": d.satisfied_by,
            "failures": [{"rule": f.rule, "message_zh": f.message_zh, "message_en": f.message_en,
                          "detail": f.detail} for f in d.failures]}


@blp.route("/training-hours", methods=["POST"])
@blp.arguments(TrainingSchema)
def training_hours(args: dict):
    """Record class hours from a training base; nothing is written while any record is bad"""
    records = [registration.TrainingRecord(row=i + 1, id_number=r["id_number"].strip().upper(), hours=r["hours"],
                                           course_hours=r.get("course_hours"), program=r["program"], level=r["level"],
                                           work_type=r.get("work_type") or None, completed_on=r.get("completed_on"))
               for i, r in enumerate(args["records"])]
    result = service.import_training(current_actor(), records, source="api")
    if result.problems:
        raise ValidationError({f"records.{p.row - 1}.{p.field}": [p.message_en] for p in result.problems},
                              code="TRAINING_INVALID", problems=[p.as_dict() for p in result.problems])
    return {"written": result.written}


@blp.route("/registrations", methods=["POST"])
@blp.doc(summary="Register a training base's batch: multipart `sheet` (.xlsx) and `photos` (.zip)",
         description="Nothing is written unless every row and photo is valid (or `skip_invalid=true`). New "
                     "candidates' initial passwords are returned once.")
def register_batch():
    actor = current_actor()
    sheet = request.files.get("sheet")
    if sheet is None:
        raise ValidationError({"sheet": ["an .xlsx file is required"]}, code="REG_SHEET")
    photos_file = request.files.get("photos")
    photos = None
    if photos_file is not None:
        data = photos_file.read()
        if not zipfile.is_zipfile(io.BytesIO(data)):
            raise ValidationError({"photos": ["a .zip of photos is expected"]}, code="REG_PHOTO_ARCHIVE")
        try:
            photos = registration.read_photos(data, photos_file.filename or "photos.zip")
        except registration.PhotoArchiveError as exc:
            raise ValidationError({"photos": [str(exc)]}, code="REG_PHOTO_ARCHIVE") from exc
    enrol_in = None
    if request.form.get("program"):
        enrol_in = (request.form["program"], request.form.get("level", ""), request.form.get("work_type", ""))
    r = service.register_batch(actor, sheet.read(), photos, skip_invalid=request.form.get("skip_invalid") == "true",
                               batch_label=sheet.filename or "", training_base=request.form.get("training_base", ""),
                               enrol_in=enrol_in, require_photos=photos is not None)
    body = {"written": r.written, "rows": r.batch.rows_read, "created": len(r.created), "updated": len(r.updated),
            "enrolled": r.enrolled, "problems": [p.as_dict() for p in r.batch.problems],
            "initial_passwords": r.passwords}
    return body, (201 if r.written else 422)


def key_endpoint() -> bool:
    """For the request hook: this request authenticates with the exam key alone."""
    return request.endpoint in KEY_ENDPOINTS

