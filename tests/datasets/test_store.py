"""The operational store: Alembic migrations build exactly the declared schema, on SQLite and
on a real PostgreSQL server, and upgrading is idempotent."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from datasets import store


def test_store001_migrations_build_the_declared_schema(state_url):
    eng = store.engine(state_url)
    assert store.current_revision(eng) == store.head_revision()
    with eng.connect() as con:
        diff = compare_metadata(MigrationContext.configure(con), store.metadata)
    assert diff == [], diff
    assert {"users", "sessions", "audit_log", "alembic_version"} <= set(
        sa.inspect(eng).get_table_names()
    )


def test_store002_upgrade_twice_changes_nothing(state_url):
    eng = store.engine(state_url)
    store.upgrade(eng)
    store.forget_engines()
    again = store.engine(state_url)
    assert store.current_revision(again) == store.head_revision()
    with again.connect() as con:
        assert con.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_store003_default_is_sqlite_beside_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABRAIN_STATE_URL", raising=False)
    monkeypatch.setenv("DATABRAIN_DB", str(tmp_path / "wh" / "databrain.duckdb"))
    assert store.state_url() == f"sqlite:///{tmp_path / 'wh' / 'state.sqlite'}"
    monkeypatch.setenv("DATABRAIN_STATE_URL", "postgresql+psycopg://u@h/db")
    assert store.state_url() == "postgresql+psycopg://u@h/db"
