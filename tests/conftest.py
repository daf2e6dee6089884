"""Test set-up: the same suite runs on SQLite (default) and on PostgreSQL.

Set EXAMENGINE_TEST_DATABASE_URL to a PostgreSQL URL to run on PostgreSQL; the schema is built by the
committed migrations, and every test starts from empty tables."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from examengine import create_app
from examengine.db import db

FIXTURES = Path(__file__).parent / "fixtures"
DEMO_BANK = FIXTURES / "bank" / "demo_program"
PASSWORD = "correct horse battery"
ROLES = ("candidate", "grader", "senior_grader", "item_writer", "staff", "admin")


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("EXAMENGINE_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    instance = tmp_path_factory.mktemp("instance")
    os.environ["EXAMENGINE_INSTANCE_PATH"] = str(instance)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory),
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    })
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
    return app


def _empty_tables() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("UPDATE items SET current_version_id = NULL"))
            for t in tables:
                conn.execute(text(f"DELETE FROM {t}"))


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    yield
    with app.app_context():
        db.session.remove()
        _empty_tables()


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def users(app):
    """One user per role, named after the role, plus a second item writer `reviewer`."""
    from examengine.auth import service

    with app.app_context():
        made = {role: service.create_user(role, PASSWORD, role, system=True).id for role in ROLES}
        made["reviewer"] = service.create_user("reviewer", PASSWORD, "item_writer", system=True).id
        db.session.remove()
    return made


@pytest.fixture
def tokens(app, users):
    """A bearer token per user of `users`."""
    from examengine.auth import service
    from examengine.auth.models import User

    out = {}
    with app.app_context():
        for name, uid in users.items():
            out[name], _ = service.issue_token(db.session.get(User, uid), "test")
        db.session.remove()
    return out


@pytest.fixture
def auth(tokens):
    """auth("staff") -> headers with that user's bearer token."""
    return lambda who: {"Authorization": f"Bearer {tokens[who]}"}


@pytest.fixture
def demo_bank(app):
    """The small demo program (syllabus and five items) loaded."""
    from examengine.bank import service
    from examengine.bank.bankfile import check_program, find_programs

    with app.app_context():
        (checked,) = [check_program(pf) for pf in find_programs(DEMO_BANK)]
        assert not checked.problems, checked.problems
        program = service.load_syllabus(checked.syllabus)
        service.load_items(program, [(f"{e.path.name}:{e.line}", e.data) for e in checked.entries])
        from examengine.papers import service as papers_service
        from examengine.papers.blueprintfile import blueprint_files, check_blueprint_files

        entries, problems = check_blueprint_files(blueprint_files(DEMO_BANK), papers_service.program_scope(program),
                                                  papers_service.program_item_codes(program))
        assert not problems, problems
        papers_service.load_blueprints(program, entries)
        db.session.remove()
    return "demo"


def item_id(app, code: str) -> int:
    from sqlalchemy import select

    from examengine.bank.models import Item

    with app.app_context():
        return db.session.scalar(select(Item.id).where(Item.code == code))
