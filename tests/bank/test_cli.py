"""`flask bank ...` and `flask users ...` on real files."""

import json
import shutil

from sqlalchemy import select

from examengine.auth.models import User
from examengine.bank.models import Item
from examengine.db import db
from tests.conftest import DEMO_BANK


def run(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def test_validate_accepts_the_demo_bank(app):
    result = run(app, "bank", "validate", str(DEMO_BANK))
    assert result.exit_code == 0, result.output
    assert "demo: 5 items, 0 problems" in result.output


def test_validate_names_file_line_item_and_field(app, tmp_path):
    bank = tmp_path / "demo_program"
    shutil.copytree(DEMO_BANK, bank)
    pub = bank / "items" / "pub.yaml"
    pub.write_text(pub.read_text(encoding="utf-8").replace("    key: B\n", "    key: [A, B]\n", 1)
                   .replace("id: pub-003", "id: pub-001"), encoding="utf-8")
    result = run(app, "bank", "validate", str(bank), "--json")
    assert result.exit_code == 1
    problems = json.loads(result.output)["problems"]
    assert {(p["item"], p["field"], p["code"], p["line"]) for p in problems} == {
        ("pub-001", "key", "KEY_NOT_SINGLE", 3), ("pub-001", "id", "ID_DUPLICATE", 25)}
    assert all(p["file"].endswith("items/pub.yaml") for p in problems)


def test_validate_reports_broken_yaml_with_its_line(app, tmp_path):
    bank = tmp_path / "demo_program"
    shutil.copytree(DEMO_BANK, bank)
    (bank / "items" / "acc.yaml").write_text("module: acc\nitems:\n  - id: x\n   type: [\n", encoding="utf-8")
    result = run(app, "bank", "validate", str(bank))
    assert result.exit_code == 1
    assert "acc.yaml:4" in result.output and "FILE_UNREADABLE" in result.output


def test_load_is_idempotent_and_versions_changes(app, tmp_path):
    bank = tmp_path / "demo_program"
    shutil.copytree(DEMO_BANK, bank)
    first = run(app, "bank", "load", str(bank))
    assert first.exit_code == 0, first.output
    assert "demo: 3 modules, 5 items created, 0 updated, 0 unchanged" in first.output
    assert "0 items created, 0 updated, 5 unchanged" in run(app, "bank", "load", str(bank)).output
    pub = bank / "items" / "pub.yaml"
    pub.write_text(pub.read_text(encoding="utf-8").replace("同年6月在里约开放签署", "同年6月在里约热内卢开放签署"),
                   encoding="utf-8")
    assert "0 items created, 1 updated, 4 unchanged" in run(app, "bank", "load", str(bank)).output
    with app.app_context():
        item = db.session.scalar(select(Item).where(Item.code == "pub-001"))
        assert [v.number for v in item.versions] == [1, 2]
        assert "里约热内卢" in item.current_version.explanation


def test_load_writes_nothing_when_a_file_is_invalid(app, tmp_path):
    bank = tmp_path / "demo_program"
    shutil.copytree(DEMO_BANK, bank)
    acc = bank / "items" / "acc.yaml"
    acc.write_text(acc.read_text(encoding="utf-8").replace("weight: 4", "weight: 3"), encoding="utf-8")
    result = run(app, "bank", "load", str(bank))
    assert result.exit_code != 0 and "RUBRIC_WEIGHTS_SUM" in result.output and "nothing was loaded" in result.output
    with app.app_context():
        assert db.session.scalar(select(Item.id)) is None


def test_stats_json_lists_every_module(app, demo_bank):
    result = run(app, "bank", "stats", "--json")
    stats = json.loads(result.output)["programs"]["demo"]
    assert stats["active"] == 4 and stats["all"] == 5
    assert stats["by_type"] == {"single": 1, "truefalse": 1, "multi": 1, "short": 1}
    assert stats["by_module"] == {"pub": 3, "acc": 1, "con": 0}


def test_users_create_and_demo(app):
    result = run(app, "users", "create", "lihua", "--role", "grader", "--password", "longenough1")
    assert result.exit_code == 0 and "created lihua (grader)" in result.output
    bad = run(app, "users", "create", "x", "--role", "grader", "--password", "short")
    assert bad.exit_code != 0 and "VALIDATION_ERROR" in bad.output
    demo = run(app, "users", "demo")
    assert demo.exit_code == 0
    lines = [line.split() for line in demo.output.splitlines()[1:]]
    assert {parts[1] for parts in lines} == {"candidate", "grader", "senior_grader", "item_writer", "staff", "admin"}
    again = run(app, "users", "demo")
    assert "exist already" in again.output and lines[0][2] not in again.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.username == "admin")).role == "admin"
