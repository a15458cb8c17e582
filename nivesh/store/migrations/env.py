"""Alembic environment: migrations run on the connection nivesh.store.schema hands over."""

from __future__ import annotations

from alembic import context

from nivesh.store.schema import VERSION_TABLE
from nivesh.store.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
