"""Alembic environment for the upstream server.

The server passes its connection through ``config.attributes["connection"]`` (see
``sync.server.db.upgrade``). Run by hand (``alembic -c …``), the URL comes from
``-x url=…`` or ``SOTREEM_SERVER_DB``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from sync.server.db import make_engine
from sync.server.models import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Batch mode lets ALTER TABLE work on SQLite; PostgreSQL ignores it.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate the given connection, or a database named on the command line."""
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "SOTREEM_SERVER_DB"
    )
    if not url:
        raise SystemExit("Đặt SOTREEM_SERVER_DB hoặc -x url=… để chạy migration.")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Máy chủ Sổ Trẻ Em không dùng chế độ offline của Alembic.")
run_migrations_online()
