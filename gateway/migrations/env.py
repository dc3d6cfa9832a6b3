"""Alembic environment. Run through `gateway db upgrade`, which passes the connection in."""

from __future__ import annotations

from alembic import context

from gateway.adapters.store.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only `gateway db upgrade` drives migrations
    raise RuntimeError("run migrations with `gateway db upgrade`")

context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
