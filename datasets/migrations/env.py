"""Alembic's entry point for the operational store: runs the migrations on the engine that
:func:`datasets.store.upgrade` passes in (never from a URL in an ini file)."""

from __future__ import annotations

from alembic import context

from datasets.store import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
