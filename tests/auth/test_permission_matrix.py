"""Every API endpoint with every role (and anonymously): allowed (2xx), 401 or 403, as the table says.

The table is written out here, not derived from the code, and a new endpoint fails the test until it is
added to the table."""

import io
import itertools

import pytest

from examengine.auth import service as auth_service
from examengine.auth.models import User
from examengine.bank import service as bank_service
from examengine.db import db
from tests.conftest import PASSWORD, ROLES, item_id
from tests.proctor.conftest import exam, id_number, rules  # noqa: F401  (fixtures)

ANY = set(ROLES)
READERS = {"grader", "senior_grader", "item_writer", "staff", "admin"}
WRITERS = {"item_writer", "admin"}
BLUEPRINT_READERS = {"item_writer", "staff", "admin"}
STAFF = {"staff", "admin"}
MARKERS = {"grader", "senior_grader", "admin"}
SENIOR = {"senior_grader", "admin"}
PUBLIC = "public"
# The exam page's calls: the session's browser key decides, whatever the login (tested in tests/proctor).
EXAM_KEY = "exam key"
SESSION = "/api/v1/sessions/<int:session_id>"

# (method, rule) -> who may call it
MATRIX = {
    ("GET", "/api/v1/openapi.json"): PUBLIC,
    ("POST", "/api/v1/auth/token"): PUBLIC,
    ("DELETE", "/api/v1/auth/token"): ANY,
    ("GET", "/api/v1/me"): ANY,
    ("GET", "/api/v1/users"): {"staff", "admin"},
    ("POST", "/api/v1/users"): {"admin"},
    ("GET", "/api/v1/programs"): ANY,
    ("GET", "/api/v1/programs/<code>"): ANY,
    ("GET", "/api/v1/items"): READERS,
    ("POST", "/api/v1/items"): WRITERS,
    ("GET", "/api/v1/items/<int:item_id>"): READERS,
    ("PATCH", "/api/v1/items/<int:item_id>"): WRITERS,
    ("GET", "/api/v1/items/<int:item_id>/versions"): READERS,
    ("GET", "/api/v1/items/<int:item_id>/versions/<int:number>"): READERS,
    ("GET", "/api/v1/items/<int:item_id>/diff"): READERS,
    ("GET", "/api/v1/items/<int:item_id>/status"): READERS,
    ("POST", "/api/v1/items/<int:item_id>/status"): WRITERS,  # submitting a draft for review
    ("GET", "/api/v1/items/<int:item_id>/preview"): READERS,
    ("POST", "/api/v1/imports"): WRITERS,
    ("GET", "/api/v1/exports"): READERS,
    ("GET", "/api/v1/imports/template"): READERS,
    ("GET", "/api/v1/blueprints"): BLUEPRINT_READERS,
    ("GET", "/api/v1/blueprints/<code>"): BLUEPRINT_READERS,
    ("GET", "/api/v1/blueprints/<code>/feasibility"): BLUEPRINT_READERS,
    ("POST", "/api/v1/blueprints/<code>/papers"): STAFF,
    ("GET", "/api/v1/papers/<int:paper_id>"): STAFF,
    ("GET", "/api/v1/papers/<int:paper_id>/pdf"): STAFF,
    ("PUT", SESSION + "/answers/<int:position>"): EXAM_KEY,
    ("GET", SESSION + "/state"): EXAM_KEY,
    ("POST", SESSION + "/events"): EXAM_KEY,
    ("POST", SESSION + "/submit"): EXAM_KEY,
    ("POST", "/api/v1/sittings/<code>/session"): {"candidate"},
    ("POST", SESSION + "/takeover"): {"candidate"},
    ("GET", SESSION + "/history"): STAFF,
    ("GET", "/api/v1/sittings"): STAFF,
    ("POST", "/api/v1/sittings"): STAFF,
    ("GET", "/api/v1/sittings/<code>"): STAFF,
    ("POST", "/api/v1/sittings/<code>/seats"): STAFF,
    ("POST", "/api/v1/sittings/<code>/papers"): STAFF,
    ("POST", "/api/v1/enrolments"): STAFF,
    ("GET", "/api/v1/candidates/<id_number>/eligibility"): STAFF,
    ("POST", "/api/v1/training-hours"): STAFF,
    ("POST", "/api/v1/registrations"): STAFF,
    ("GET", "/api/v1/sittings/<code>/results"): STAFF,
    ("POST", "/api/v1/sittings/<code>/results/publication"): STAFF,
    ("DELETE", "/api/v1/sittings/<code>/results/publication"): STAFF,
    ("GET", "/api/v1/sittings/<code>/results/export"): STAFF,
    ("GET", "/api/v1/me/results"): {"candidate"},
    ("GET", "/api/v1/grading/questions"): MARKERS,
    ("GET", "/api/v1/grading/sittings/<code>/questions/<int:item_version_id>/next"): MARKERS,
    ("POST", "/api/v1/grading/responses/<int:response_id>/mark"): MARKERS,
    ("GET", "/api/v1/grading/adjudications"): SENIOR,
    ("POST", "/api/v1/grading/responses/<int:response_id>/adjudicate"): SENIOR,
    ("GET", "/api/v1/grading/responses/<int:response_id>/audit"): STAFF,
    ("GET", "/api/v1/sittings/<code>/marking-policy"): STAFF,
    ("PUT", "/api/v1/sittings/<code>/marking-policy"): STAFF,
    ("POST", "/api/v1/sittings/<code>/suggestions"): MARKERS | STAFF,
    ("GET", "/api/v1/sittings/<code>/agreement"): STAFF,
    ("POST", "/api/v1/items/<int:item_id>/regrade"): STAFF,
}


def _sheet(n: int) -> io.BytesIO:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "学历", "手机", "行业", "身份证号", "工作年限"])
    ws.append([f"新考生{n}", "本科", "13800000000", "发电", id_number(500 + n), 2])
    out = io.BytesIO()
    wb.save(out)
    out.seek(0)
    return out

_counter = itertools.count()


def _short_version(app) -> int:
    from examengine.bank.models import Item

    with app.app_context():
        vid = db.session.scalar(db.select(Item.current_version_id).where(Item.code == "acc-001"))
        db.session.remove()
    return vid


def _response_score(app, n: int, status: str) -> int:
    """A short answer of the started session awaiting a mark (or adjudication), so that every call can succeed."""
    from examengine.bank.models import Item
    from examengine.proctor.models import ExamSession
    from examengine.scoring.models import ResponseScore

    with app.app_context():
        sess = db.session.scalar(db.select(ExamSession))
        item = db.session.scalar(db.select(Item).where(Item.code == "acc-001"))
        rs = ResponseScore(session_id=sess.id, position=100 + n, sitting_id=sess.sitting_id, item_id=item.id,
                           item_version_id=item.current_version_id, item_type="short", section=3, module="acc",
                           max_points=30, step=1, response="排放量等于活动数据乘以排放因子", status=status,
                           needs_second=False, needs_human=True, queue_order=n)
        db.session.add(rs)
        db.session.commit()
        rid = rs.id
        db.session.remove()
    return rid


def _request(app, method, rule, role, writer_id=None):
    """A valid request for the endpoint: (url, json body)."""
    n = next(_counter)
    iid = item_id(app, "pub-001")
    if rule.startswith("/api/v1/items/<int:item_id>"):
        if (method, rule) in {("PATCH", "/api/v1/items/<int:item_id>"), ("POST", "/api/v1/items/<int:item_id>/status")}:
            with app.app_context():  # a fresh draft, so that every call can succeed
                writer = db.session.get(User, writer_id)
                iid = bank_service.create_item(writer, {
                    "program": "demo", "type": "single", "module": "pub", "stem": f"新题{n}",
                    "options": ["甲", "乙"], "key": "A", "explanation": "解析", "points": 1, "difficulty": 1,
                    "knowledge_points": ["pub.k01"], "source": "来源"}).id
                db.session.remove()
        url = rule.replace("<int:item_id>", str(iid)).replace("<int:number>", "1")
    elif "<int:paper_id>" in rule:
        with app.app_context():
            from examengine.papers import service as papers_service

            staff = db.session.scalar(db.select(User).where(User.role == "staff"))
            pid = papers_service.paper_ids(papers_service.generate(staff, "demo-l4", 1, n).paper_set.id)[0]
            db.session.remove()
        url = rule.replace("<int:paper_id>", str(pid))
    elif rule.startswith("/api/v1/blueprints/"):
        url = rule.replace("<code>", "demo-l4")
    elif rule.startswith(SESSION):
        with app.app_context():
            from examengine.proctor.models import ExamSession

            sid = db.session.scalar(db.select(ExamSession.id))
            db.session.remove()
        url = rule.replace("<int:session_id>", str(sid)).replace("<int:position>", "1")
    elif rule.startswith("/api/v1/sittings/<code>/results"):
        with app.app_context():  # a sitting of its own with nothing pending, so that publishing may succeed
            from examengine.proctor import service as proctor_service

            staff = db.session.scalar(db.select(User).where(User.role == "staff"))
            proctor_service.create_sitting(staff, f"results{n}", "demo-l4", "2024-01-05 09:00")
            db.session.remove()
        url = rule.replace("<code>", f"results{n}")
    elif rule.startswith("/api/v1/grading/"):
        status = "adjudication" if rule.endswith("/adjudicate") else "pending"
        url = (rule.replace("<code>", "s1").replace("<int:item_version_id>", str(_short_version(app)))
               .replace("<int:response_id>", str(_response_score(app, n, status) if "<int:response_id>" in rule
                                                 else 0)))
    elif rule.startswith(("/api/v1/sittings/", "/api/v1/candidates/")):
        url = rule.replace("<code>", "s1").replace("<id_number>", id_number(1))
    else:
        url = rule.replace("<code>", "demo")
    if rule.endswith("/diff"):
        url += "?from=1&to=1"
    if rule.endswith("/exports"):
        url += "?program=demo&format=gift"
    if rule.endswith("/eligibility"):
        url += "?program=demo&level=L4&work_type=accounting"
    if rule == "/api/v1/registrations":
        return url, {"sheet": (_sheet(n), f"batch{n}.xlsx")}
    if rule == "/api/v1/imports":
        body = {"program": "demo", "file": (io.BytesIO(b"module: pub\nitems: []\n"), "empty.yaml")}
        return url, body
    body = {
        ("POST", "/api/v1/auth/token"): {"username": role or "candidate", "password": PASSWORD},
        ("POST", "/api/v1/users"): {"username": f"new{n}", "password": PASSWORD, "role": "grader"},
        ("POST", "/api/v1/items"): {"program": "demo", "type": "truefalse", "module": "pub", "stem": f"判断{n}",
                                    "key": True, "explanation": "解析", "points": 1, "difficulty": 1,
                                    "knowledge_points": ["pub.k01"], "source": "来源"},
        ("PATCH", "/api/v1/items/<int:item_id>"): {"stem": f"改过的题干{n}"},
        ("POST", "/api/v1/items/<int:item_id>/status"): {"status": "in_review"},
        ("POST", "/api/v1/blueprints/<code>/papers"): {"count": 3, "seed": n},
        ("POST", "/api/v1/sittings"): {"code": f"sitting{n}", "blueprint": "demo-l4", "opens_at": "2030-01-05 09:00"},
        ("POST", "/api/v1/sittings/<code>/seats"): {},
        ("POST", SESSION + "/events"): {"events": [{"kind": "focus_lost"}]},
        ("PUT", SESSION + "/answers/<int:position>"): {"response": None, "seq": n + 1},
        ("POST", "/api/v1/enrolments"): {"id_number": id_number(1), "program": "demo", "level": "L4",
                                         "work_type": "accounting"},
        ("POST", "/api/v1/grading/responses/<int:response_id>/mark"): {"points": 10, "slot": "first"},
        ("POST", "/api/v1/grading/responses/<int:response_id>/adjudicate"): {"points": 12},
        ("PUT", "/api/v1/sittings/<code>/marking-policy"): {"double_mode": "sample", "double_percent": 20},
        ("POST", "/api/v1/training-hours"): {"records": [{"id_number": id_number(1), "hours": 12, "program": "demo",
                                                          "level": "L4"}]},
    }.get((method, rule))
    return url, body


def test_matrix_covers_every_api_endpoint(app):
    routes = {(m, r.rule) for r in app.url_map.iter_rules() if r.rule.startswith("/api/")
              for m in r.methods - {"HEAD", "OPTIONS"}}
    assert routes == set(MATRIX)


@pytest.mark.usefixtures("exam")
def test_every_endpoint_with_every_role(app, client, users, demo_bank):
    started = client.post("/api/v1/sittings/s1/session", headers={"Authorization": "Bearer " + _token(app, users,
                                                                                                    "candidate")})
    assert started.status_code == 201
    checked = 0
    for (method, rule), allowed in sorted(MATRIX.items()):
        for role in (None, *ROLES):
            url, body = _request(app, method, rule, role, users["item_writer"])
            headers = {}
            if role is not None:
                with app.app_context():
                    token, _ = auth_service.issue_token(db.session.get(User, users[role]), "matrix")
                    db.session.remove()
                headers["Authorization"] = f"Bearer {token}"
            if isinstance(body, dict) and ("file" in body or "sheet" in body):
                resp = client.open(url, method=method, data=body, headers=headers,
                                   content_type="multipart/form-data")
            else:
                resp = client.open(url, method=method, json=body, headers=headers)
            if allowed == EXAM_KEY:
                # No login opens these without the key; with it, tests/proctor checks them.
                assert resp.status_code == 403 and resp.get_json()["code"] == "SESSION_KEY_INVALID", (method, rule)
            elif allowed == PUBLIC or (role is not None and role in allowed):
                assert 200 <= resp.status_code < 300, (method, rule, role, resp.status_code, resp.get_data(True))
            elif role is None:
                assert resp.status_code == 401, (method, rule, role, resp.status_code)
                assert resp.mimetype == "application/problem+json"
            else:
                assert resp.status_code == 403, (method, rule, role, resp.status_code)
                assert resp.get_json()["code"] == "FORBIDDEN"
            checked += 1
    assert checked == len(MATRIX) * (len(ROLES) + 1)


def _token(app, users, role):
    with app.app_context():
        token, _ = auth_service.issue_token(db.session.get(User, users[role]), "matrix")
        db.session.remove()
    return token


def test_candidates_never_receive_keys_rubrics_or_references(app, client, auth, demo_bank):
    """Everything a candidate can fetch is searched for the keys and rubric texts of the bank."""
    secrets_ = ["参考答案", "排放量等于活动数据乘以排放因子", "排放系数", "公约于1992年5月通过"]
    for (method, rule), allowed in MATRIX.items():
        if method != "GET" or allowed == EXAM_KEY or (allowed != PUBLIC and "candidate" not in allowed):
            continue
        url, _ = _request(app, method, rule, "candidate")
        text = client.get(url, headers=auth("candidate")).get_data(as_text=True)
        for s in secrets_:
            assert s not in text, (url, s)


@pytest.mark.parametrize("path", ["/api/v1/items", "/api/v1/me"])
def test_bad_or_revoked_tokens_get_401(client, auth, tokens, path, demo_bank):
    assert client.get(path, headers={"Authorization": "Bearer nonsense"}).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=auth("admin")).status_code == 204
    resp = client.get(path, headers=auth("admin"))
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_password_guessing_is_rate_limited(client, users):
    for _ in range(10):  # an account name that no other test uses, so the count starts at zero
        assert client.post("/api/v1/auth/token", json={"username": "guessed", "password": "guess"}).status_code == 401
    resp = client.post("/api/v1/auth/token", json={"username": "guessed", "password": PASSWORD})
    assert resp.status_code == 429 and resp.get_json()["code"] == "RATE_LIMITED"
    # another account from the same address is not locked out
    assert client.post("/api/v1/auth/token", json={"username": "admin", "password": PASSWORD}).status_code == 201
