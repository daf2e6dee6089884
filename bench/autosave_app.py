"""The app as `gunicorn wsgi:app` serves it, plus the ceiling endpoint the autosave benchmark compares against:
one raw upsert per request through the same gunicorn, Flask, SQLAlchemy Core and driver, statement built once.

    gunicorn bench.autosave_app:app
"""

from __future__ import annotations

from flask import request
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from examengine import create_app, csrf
from examengine.db import db

app = create_app()
_meta = MetaData()
UPSERTS = Table("bench_upserts", _meta, Column("k", String(40), primary_key=True), Column("v", String(200)),
                Column("n", Integer, nullable=False))
_statements: dict[str, object] = {}


def _statement(dialect: str):
    stmt = _statements.get(dialect)
    if stmt is None:
        ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(UPSERTS).values(
            k=bindparam("k"), v=bindparam("v"), n=1)
        stmt = _statements[dialect] = ins.on_conflict_do_update(
            index_elements=[UPSERTS.c.k], set_={"v": ins.excluded.v, "n": UPSERTS.c.n + 1})
    return stmt


@app.put("/bench/ceiling/<k>")
@csrf.exempt  # like the autosave endpoint, it carries no login cookie
def ceiling(k: str):
    body = request.get_json(silent=True) or {}
    with db.engine.begin() as conn:
        conn.execute(_statement(conn.dialect.name), {"k": k, "v": str(body.get("response", ""))[:200]})
    return {"status": "saved"}


with app.app_context():
    _meta.create_all(db.engine)
