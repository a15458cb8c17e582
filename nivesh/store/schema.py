"""Schema changes of the prediction store's database are Alembic migrations (one home:
nivesh/store/migrations), run by one job and never by a serving process.

In a cluster that job is `nivesh db upgrade` in the component image (the Job rendered
into manifests/base/platform, with the owner's credentials); servers, the monitor and the
webhook only read and write rows. Locally, the workspace's SQLite file is brought up to
date by the commands that use it (`prepare_local`), so a fresh clone needs no extra step.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from nivesh.errors import NiveshError
from nivesh.store.tables import engine_for

MIGRATIONS = Path(__file__).with_name("migrations")
# Our revision's table: not Alembic's default `alembic_version`, which MLflow's own migrations
# keep in the same PostgreSQL database when the two share one.
VERSION_TABLE = "nivesh_store_version"
# The revision that matches what `metadata.create_all` built before migrations existed: a
# database holding those tables and no alembic_version table is stamped with it first.
BASELINE = "0001"


def _config(connection: sa.Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def context(conn: sa.Connection) -> MigrationContext:
    """A migration context on our version table (also for comparing the schema with the code)."""
    return MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})


def head() -> str:
    """The newest revision (the Job's name carries it, so a new schema gets a new Job)."""
    revision = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The database's revision, None before the first upgrade."""
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return context(conn).get_current_revision()
    finally:
        engine.dispose()


def upgrade(url: str, revision: str = "head") -> str:
    """Migrate the database at `url` to `revision` (idempotent); returns the revision now."""
    known = [s.revision for s in ScriptDirectory(str(MIGRATIONS)).walk_revisions()]
    if revision != "head" and revision not in known:
        raise NiveshError(f"--revision: unknown revision; known: head, {', '.join(sorted(known))}")
    engine = engine_for(url)
    try:
        with engine.begin() as conn:
            tables = set(sa.inspect(conn).get_table_names())
            if "model_predictions" in tables and VERSION_TABLE not in tables:
                command.stamp(_config(conn), BASELINE)  # built by create_all before migrations
            command.upgrade(_config(conn), revision)
            now = context(conn).get_current_revision()
    finally:
        engine.dispose()
    assert now is not None
    return now


def prepare_local(url: str) -> str:
    """A local SQLite store is migrated by whoever uses it first (a file on this machine,
    one user); any other database is left to its migration job. Returns `url`."""
    if url.startswith("sqlite"):
        upgrade(url)
    return url
