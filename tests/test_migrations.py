"""The committed migrations build exactly the schema the models describe, on this test's database."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from examengine.db import db


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, db.metadata)
    assert diff == [], diff
