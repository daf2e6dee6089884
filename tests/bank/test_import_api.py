"""Import and export through the API and the CLI: reports, dry runs, nothing written on rejects."""

import io
import json

from sqlalchemy import func, select

from examengine.bank.models import Item, ItemVersion
from examengine.db import db

GOOD_AND_BAD = """\
items:
  - type: single
    module: pub
    stem: 全国碳市场启动上线交易的日期是（  ）。
    options: [2021年2月1日, 2021年7月16日]
    key: B
    explanation: 2021年7月16日启动。
    knowledge_points: [pub.k01]
    source: 生态环境部
  - type: single
    module: pub
    stem: 两个答案的单选题
    options: [甲, 乙]
    key: [A, B]
  - type: truefalse
    category: 测试项目/温室气体核算
    stem: 排放因子法中排放量等于活动数据乘以排放因子。
    key: 对
  - type: truefalse
    category: 不存在的章节
    stem: 无法归入模块的题
    key: 错
"""


def item_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item))


def post(client, auth, content, name="bank.yaml", **form):
    data = {"program": "demo", "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), name)}
    data.update({k: str(v).lower() if isinstance(v, bool) else v for k, v in form.items()})
    return client.post("/api/v1/imports", data=data, headers=auth("item_writer"), content_type="multipart/form-data")


def test_dry_run_reports_every_item_and_writes_nothing(app, client, auth, demo_bank):
    before = item_count(app)
    report = post(client, auth, GOOD_AND_BAD).get_json()
    assert (report["imported"], report["warnings"], report["rejected"], report["written"]) == (2, 0, 2, 0)
    outcomes = [(e["location"], e["outcome"], [m["code"] for m in e["messages"]]) for e in report["entries"]]
    assert outcomes == [("item 1", "imported", []), ("item 2", "rejected", ["KEY_NOT_SINGLE"]),
                        ("item 3", "imported", []), ("item 4", "rejected", ["MODULE_UNKNOWN"])]
    assert report["entries"][2]["module"] == "acc"  # the category's module name chose the module
    assert report["entries"][1]["messages"][0]["message_zh"]
    assert item_count(app) == before


def test_rejected_items_block_the_import_unless_skipped(app, client, auth, demo_bank):
    before = item_count(app)
    resp = post(client, auth, GOOD_AND_BAD, dry_run=False)
    assert resp.status_code == 409 and resp.get_json()["code"] == "IMPORT_HAS_REJECTED_ITEMS"
    assert resp.get_json()["report"]["rejected"] == 2
    assert item_count(app) == before
    resp = post(client, auth, GOOD_AND_BAD, dry_run=False, skip_invalid=True, module="pub")
    body = resp.get_json()
    assert resp.status_code == 201 and body["written"] == 3 and body["rejected"] == 1
    assert item_count(app) == before + 3


def test_unreadable_file_fails_whole(client, auth, demo_bank):
    resp = post(client, auth, "items: [unclosed", name="x.yaml")
    assert resp.status_code == 422 and resp.get_json()["code"] == "SYNTAX_ERROR"
    resp = post(client, auth, b"\xff\xfe\x00garbage\x81", name="x.csv")
    assert resp.status_code == 422 and resp.get_json()["code"] in ("BAD_ENCODING", "MISSING_HEADER")


def test_near_duplicates_are_warned_on_import_and_create(app, client, auth, demo_bank):
    copy = ("items:\n  - type: single\n    module: pub\n    stem: 《联合国气候变化框架公约》是哪一年通过的？（  ）\n"
            "    options: [1990年, 1992年, 1997年, 2015年]\n    key: B\n")
    entry = post(client, auth, copy).get_json()["entries"][0]
    assert entry["outcome"] == "warning" and entry["messages"][0]["code"] == "NEAR_DUPLICATE"
    assert "pub-001" in entry["messages"][0]["message"]
    created = client.post("/api/v1/items", headers=auth("item_writer"), json={
        "program": "demo", "type": "single", "module": "pub", "stem": "《联合国气候变化框架公约》于哪一年通过？",
        "options": ["1990年", "1992年", "1997年", "2015年"], "key": "B"}).get_json()
    assert [w["item"] for w in created["warnings"]] == ["pub-001"]


def test_export_then_import_is_unchanged(app, client, auth, demo_bank):
    for fmt in ("yaml", "json", "xlsx", "csv"):
        resp = client.get(f"/api/v1/exports?program=demo&format={fmt}", headers=auth("grader"))
        assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
        report = post(client, auth, resp.data, name=f"demo.{fmt}", dry_run=False).get_json()
        assert report["rejected"] == 0 and report["written"] == 0, (fmt, report)  # same content: nothing new
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ItemVersion)) == 5


def test_template_download(client, auth, demo_bank):
    resp = client.get("/api/v1/imports/template?program=demo", headers=auth("item_writer"))
    assert resp.status_code == 200 and resp.data[:2] == b"PK"


def test_cli_import_dry_run_json(app, tmp_path, demo_bank):
    path = tmp_path / "bank.yaml"
    path.write_text(GOOD_AND_BAD, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["bank", "import", str(path), "--program", "demo", "--dry-run", "--json"])
    report = json.loads(result.output)
    assert (report["imported"], report["warnings"], report["rejected"]) == (2, 0, 2)
    failed = app.test_cli_runner().invoke(args=["bank", "import", str(path), "--program", "demo"])
    assert failed.exit_code == 1 and "item 2: rejected: KEY_NOT_SINGLE" in failed.output
    assert item_count(app) == 5


def test_yaml_alias_bomb_is_refused(client, auth, demo_bank):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n" \
           "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nitems:\n  - {type: single, stem: *c}\n"
    resp = post(client, auth, bomb, name="bomb.yaml")
    assert resp.status_code == 422 and resp.get_json()["code"] == "SYNTAX_ERROR"


def test_categories_become_tags(client, auth, demo_bank):
    gift = "$CATEGORY: $course$/碳市场专题/温室气体核算\n\n::q1:: 排放因子法的排放量等于活动数据乘以排放因子。{T}\n"
    entry = post(client, auth, gift, name="q.gift", dry_run=False).get_json()["entries"][0]
    assert entry["module"] == "acc"
    items = client.get("/api/v1/items?module=acc&type=truefalse", headers=auth("item_writer")).get_json()["items"]
    assert items[0]["tags"] == ["碳市场专题"]
