"""Configuration from the environment."""

import pytest

from examengine.config import load_config
from examengine.errors import ConfigurationError


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("EXAMENGINE_DATABASE_URL", "EXAMENGINE_SECRET_KEY", "EXAMENGINE_ENV", "EXAMENGINE_TIMEZONE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_development_defaults(tmp_path, clean_env):
    cfg = load_config(tmp_path)
    assert cfg["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'examengine.sqlite3'}"
    assert cfg["TIMEZONE"] == "Asia/Shanghai"
    # the generated secret is kept in the instance folder and reused
    assert (tmp_path / "secret_key").read_text() == cfg["SECRET_KEY"]
    assert load_config(tmp_path)["SECRET_KEY"] == cfg["SECRET_KEY"]


def test_production_requires_a_secret_key(tmp_path, clean_env):
    clean_env.setenv("EXAMENGINE_ENV", "production")
    with pytest.raises(ConfigurationError, match="EXAMENGINE_SECRET_KEY"):
        load_config(tmp_path)
    clean_env.setenv("EXAMENGINE_SECRET_KEY", "s3cret")
    cfg = load_config(tmp_path)
    assert cfg["SECRET_KEY"] == "s3cret" and cfg["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_postgresql_urls_use_psycopg3(tmp_path, clean_env):
    clean_env.setenv("EXAMENGINE_DATABASE_URL", "postgres://u@db.example/exam")
    cfg = load_config(tmp_path)
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/exam"
    assert cfg["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"] >= 8


def test_unknown_time_zone_is_refused(tmp_path, clean_env):
    clean_env.setenv("EXAMENGINE_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigurationError, match="Mars/Olympus"):
        load_config(tmp_path)
