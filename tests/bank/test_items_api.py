"""Items through the REST API: create, read, edit into versions, diff, list, review, and 422s that write nothing."""

import pytest
from sqlalchemy import func, select

from examengine.bank.models import Item, ItemVersion
from examengine.db import db
from tests.conftest import item_id


def new_item(**kw):
    data = {"program": "demo", "type": "single", "module": "pub", "stem": "下列属于温室气体的是（  ）。",
            "options": ["氧气", "氮气", "甲烷", "氩气"], "key": "C", "explanation": "甲烷是温室气体。",
            "points": 1, "difficulty": 2, "knowledge_points": ["pub.k01"], "tags": ["温室气体"],
            "source": "IPCC AR6 WG1"}
    data.update(kw)
    return data


def counts(app):
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Item)),
                db.session.scalar(select(func.count()).select_from(ItemVersion)))


def test_create_and_read(client, auth, demo_bank):
    resp = client.post("/api/v1/items", json=new_item(), headers=auth("item_writer"))
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["status"] == "draft" and body["version"] == 1 and body["code"] == "pub-005"
    assert body["author"] == "item_writer" and body["key"] == "C" and body["options"][2] == "甲烷"
    got = client.get(f"/api/v1/items/{body['id']}", headers=auth("grader")).get_json()
    assert got["stem"] == "下列属于温室气体的是（  ）。" and got["knowledge_points"] == ["pub.k01"]
    assert got["levels"] == ["L4", "L3"]  # the module's levels when none are given


@pytest.mark.parametrize(("changes", "field"), [
    ({"key": ["A", "B"]}, "key"),
    ({"key": None}, "key"),
    ({"type": "multi", "key": "A"}, "key"),
    ({"type": "multi", "key": ["A", "F"]}, "key"),
    ({"type": "truefalse", "key": True}, "options"),
    ({"stem": ""}, "stem"),
    ({"module": "nope"}, "module"),
    ({"points": -1}, "points"),
    ({"points": "many"}, "points"),
    ({"type": "short", "options": [], "key": None, "references": []}, "references"),
    ({"type": "short", "options": [], "key": None}, "references"),
    ({"program": "nope"}, None),
    ({"unexpected": 1}, "unexpected"),
])
def test_invalid_items_give_422_naming_the_field_and_write_nothing(app, client, auth, demo_bank, changes, field):
    before = counts(app)
    resp = client.post("/api/v1/items", json=new_item(**changes), headers=auth("item_writer"))
    body = resp.get_json()
    if field is None:
        assert resp.status_code == 404 and body["code"] == "PROGRAM_NOT_FOUND"
    else:
        assert resp.status_code == 422, body
        assert resp.mimetype == "application/problem+json"
        assert body["code"] == "VALIDATION_ERROR" and field in body["errors"], body
    assert counts(app) == before


def test_edit_makes_a_new_immutable_version_and_diff(app, client, auth, demo_bank):
    iid = client.post("/api/v1/items", json=new_item(), headers=auth("item_writer")).get_json()["id"]
    resp = client.patch(f"/api/v1/items/{iid}", json={"stem": "下列气体中属于温室气体的是（  ）。", "difficulty": 3,
                                                     "note": "clearer stem"}, headers=auth("item_writer"))
    assert resp.status_code == 200 and resp.get_json()["version"] == 2
    # the same content again makes no version
    assert client.patch(f"/api/v1/items/{iid}", json={"difficulty": 3},
                        headers=auth("item_writer")).get_json()["version"] == 2
    versions = client.get(f"/api/v1/items/{iid}/versions", headers=auth("staff")).get_json()
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["stem"] == "下列属于温室气体的是（  ）。" and versions[1]["note"] == "clearer stem"
    assert client.get(f"/api/v1/items/{iid}/versions/1", headers=auth("staff")).get_json()["difficulty"] == 2
    diff = client.get(f"/api/v1/items/{iid}/diff?from=1&to=2", headers=auth("staff")).get_json()
    fields = {c["field"]: c for c in diff["changes"]}
    assert set(fields) == {"stem", "difficulty"}
    assert {"op": "insert", "text": "气体中"} in fields["stem"]["segments"]
    assert fields["difficulty"] == {"field": "difficulty", "old": 2, "new": 3}
    assert client.get(f"/api/v1/items/{iid}/versions/9", headers=auth("staff")).status_code == 404


def test_versions_cannot_be_changed_in_the_database(app, demo_bank):
    with app.app_context():
        v = db.session.scalar(select(ItemVersion).limit(1))
        v.stem = "篡改"
        with pytest.raises(RuntimeError, match="immutable"):
            db.session.flush()
        db.session.rollback()


def test_type_cannot_change(client, auth, demo_bank, app):
    resp = client.patch(f"/api/v1/items/{item_id(app, 'pub-001')}", json={"type": "multi"}, headers=auth("admin"))
    assert resp.status_code == 422 and resp.get_json()["code"] == "TYPE_IMMUTABLE"


def test_list_filters_search_and_paging(client, auth, demo_bank):
    def codes(query):
        resp = client.get(f"/api/v1/items?{query}", headers=auth("item_writer"))
        assert resp.status_code == 200, resp.get_json()
        return [i["code"] for i in resp.get_json()["items"]]

    assert codes("program=demo") == ["acc-001", "pub-001", "pub-002", "pub-003", "pub-004"]
    assert codes("module=acc") == ["acc-001"]
    assert codes("type=multi") == ["pub-003"]
    assert codes("difficulty=3") == ["acc-001", "pub-004"]
    assert codes("status=draft") == ["pub-004"]
    assert codes("knowledge_point=pub.k02") == ["pub-001", "pub-002"]
    assert codes("q=京都议定书") == ["pub-002", "pub-003"]
    assert codes("q=京都议定书 甲烷") == ["pub-003"]
    assert codes("q=100%") == []
    assert codes("q=京都议定书管控的温室气体") == ["pub-003"]  # segmented: the words need not be adjacent
    page = client.get("/api/v1/items?per_page=2&page=2", headers=auth("staff")).get_json()
    assert page["total"] == 5 and [i["code"] for i in page["items"]] == ["pub-002", "pub-003"]
    bad = client.get("/api/v1/items?type=essay&per_page=1000", headers=auth("staff"))
    assert bad.status_code == 422 and {"type", "per_page"} <= set(bad.get_json()["errors"])


def test_review_workflow_and_four_eyes(app, client, auth, demo_bank):
    iid = client.post("/api/v1/items", json=new_item(), headers=auth("item_writer")).get_json()["id"]

    def move(who, status):
        return client.post(f"/api/v1/items/{iid}/status", json={"status": status, "comment": "ok"}, headers=auth(who))

    assert move("item_writer", "active").status_code == 409  # draft cannot skip review
    assert move("item_writer", "in_review").get_json()["status"] == "in_review"
    self_review = move("item_writer", "active")
    assert self_review.status_code == 403 and self_review.get_json()["code"] == "SELF_REVIEW"
    approved = move("reviewer", "active").get_json()
    assert approved["status"] == "active" and approved["reviewer"] == "reviewer"
    # editing an active item sends it back to review
    edited = client.patch(f"/api/v1/items/{iid}", json={"explanation": "更详细的解析"}, headers=auth("item_writer"))
    assert edited.get_json()["status"] == "in_review"
    assert move("staff", "active").get_json()["status"] == "active"
    assert move("item_writer", "retired").status_code == 403
    assert move("staff", "retired").get_json()["status"] == "retired"
    assert client.patch(f"/api/v1/items/{iid}", json={"stem": "x"}, headers=auth("admin")).status_code == 409
    trail = client.get(f"/api/v1/items/{iid}/status", headers=auth("grader")).get_json()
    assert [t["to_status"] for t in trail] == ["draft", "in_review", "active", "in_review", "active", "retired"]
    assert trail[2]["actor"] == "reviewer"


def test_short_answer_needs_rubric_to_go_live(client, auth, demo_bank):
    iid = client.post("/api/v1/items", json=new_item(type="short", options=[], key=None, points=10,
                                                     references=["排放量等于活动数据乘以排放因子。"]),
                      headers=auth("item_writer")).get_json()["id"]
    client.post(f"/api/v1/items/{iid}/status", json={"status": "in_review"}, headers=auth("item_writer"))
    resp = client.post(f"/api/v1/items/{iid}/status", json={"status": "active"}, headers=auth("staff"))
    assert resp.status_code == 422 and resp.get_json()["code"] == "RUBRIC_REQUIRED"


def test_preview_hides_the_key(client, auth, demo_bank, app):
    view = client.get(f"/api/v1/items/{item_id(app, 'pub-003')}/preview", headers=auth("item_writer")).get_json()
    assert view == {"type": "multi", "stem": "下列气体中，属于《京都议定书》管控的温室气体的有（  ）。", "points": 2.0,
                    "options": [{"label": "A", "text": "二氧化碳"}, {"label": "B", "text": "甲烷"},
                                {"label": "C", "text": "氧化亚氮"}, {"label": "D", "text": "一氧化碳"}]}


def test_syllabus_api(client, auth, demo_bank):
    programs = client.get("/api/v1/programs", headers=auth("candidate")).get_json()
    assert [p["code"] for p in programs] == ["demo"]
    syl = client.get("/api/v1/programs/demo", headers=auth("candidate")).get_json()
    assert [lv["code"] for lv in syl["levels"]] == ["L4", "L3"]
    assert syl["levels"][1]["work_types"] == ["accounting", "consulting"]
    con = next(m for m in syl["modules"] if m["code"] == "con")
    assert con["levels"] == ["L3"] and con["work_type"] == "consulting"
    assert client.get("/api/v1/programs/none", headers=auth("candidate")).get_json()["code"] == "PROGRAM_NOT_FOUND"


def test_openapi_document_is_generated_from_the_schemas(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/items/{item_id}/diff" in doc["paths"]
    props = doc["components"]["schemas"]["ItemCreate"]["properties"]
    assert {"type", "stem", "options", "key", "rubric"} <= set(props)
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_unknown_api_path_is_problem_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.get_json()["code"] == "NOT_FOUND"
    assert client.delete("/api/v1/programs").get_json()["code"] == "METHOD_NOT_ALLOWED"
