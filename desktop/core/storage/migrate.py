"""Run the Alembic migrations on an open engine (the schema is owned by Alembic)."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


# The migration scripts ship with the app and do not change while it runs: they are read
# (every script compiled) once per process, not at every login.
@functools.cache
def head_revision() -> str:
    """The newest schema revision this version of the app knows."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


@functools.cache
def _known_revisions() -> frozenset[str]:
    scripts = ScriptDirectory.from_config(_config())
    return frozenset(rev.revision for rev in scripts.walk_revisions())


def known_revisions() -> set[str]:
    """Every revision this version of the app knows."""
    return set(_known_revisions())


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty file)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision, in one transaction."""
    config = _config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
