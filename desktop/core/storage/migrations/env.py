"""Alembic environment for the commune book.

The app passes its own (encrypted) connection through ``config.attributes["connection"]``.
From the command line (``alembic check`` in CI) the URL comes from ``SOTREEM_ALEMBIC_URL``
or ``-x url=…``; that is only ever an empty scratch database.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from desktop.core.storage import models  # noqa: F401  (registers the tables)
from desktop.core.storage.base import Base

target_metadata = Base.metadata


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "SOTREEM_ALEMBIC_URL"
    )
    if not url:
        raise SystemExit("Đặt SOTREEM_ALEMBIC_URL hoặc -x url=… (chỉ dùng cơ sở dữ liệu nháp).")
    engine = create_engine(url)
    with engine.begin() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("Sổ Trẻ Em không dùng chế độ offline của Alembic.")
run_migrations_online()
