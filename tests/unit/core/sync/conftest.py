"""The real server, in a thread on 127.0.0.1, for the book's sync service to talk to.

It runs on a fresh SQLite file, and also on the scratch PostgreSQL database when
``SOTREEM_TEST_PG_URL`` names one (its tables are dropped before and after each test).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sync.server.app import create_app
from sync.server.db import make_engine
from sync.server.models import Base
from sync.server.services import enrollment, summary, users
from sync.server.settings import ServerSettings

PG_URL = os.environ.get("SOTREEM_TEST_PG_URL", "")
BACKENDS = ["sqlite"] + ([pytest.param("postgres", marks=pytest.mark.postgres)] if PG_URL else [])


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def drop_everything(url: str) -> None:
    """Empty a scratch server database (tables and Alembic's stamp)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@dataclass
class LiveServer:
    """The server app served by uvicorn in a background thread."""

    url: str
    sessions: sessionmaker[Session]
    server: uvicorn.Server
    thread: threading.Thread
    app: Any

    def code(self, commune: str = "12345") -> str:
        """A one-time enrollment code for ``commune``."""
        return enrollment.issue_code(self.sessions, commune)

    def records(self, commune: str = "12345") -> dict[tuple[str, str], dict[str, Any]]:
        """Everything the server holds for ``commune``, by (table, id)."""
        return {(r["table"], r["id"]): r for r in summary.commune_records(self.sessions, commune)}

    def upstream_user(self, username: str = "canbo.tinh") -> users.UserInfo:
        """An upstream account allowed to correct every commune."""
        try:
            return users.find_user(self.sessions, username)
        except Exception:
            return users.create_user(self.sessions, username, "Cán bộ tỉnh", "mat-khau-tinh-1", "*")

    def stop(self) -> None:
        """Stop serving."""
        self.server.should_exit = True
        self.thread.join(10)

    def again(self) -> LiveServer:
        """The same server started again on the same port and database (after ``stop``)."""
        settings = self.app.state.settings
        return serve(settings.db_url, Path(settings.home), int(self.url.rsplit(":", 1)[1]))


def serve(db_url: str, home: Path, port: int | None = None) -> LiveServer:
    """Start the real app (on ``port``, or a free one) and wait until it answers."""
    app = create_app(ServerSettings(db_url=db_url, home=home))
    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the sync server did not start")
        time.sleep(0.01)
    return LiveServer(f"http://127.0.0.1:{port}", app.state.sessions, server, thread, app)


@pytest.fixture(params=BACKENDS)
def server_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty server database: SQLite file, or the scratch PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    drop_everything(PG_URL)
    yield PG_URL
    drop_everything(PG_URL)


@pytest.fixture
def live_server(
    server_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[LiveServer]:
    """The real server on 127.0.0.1, stopped at teardown."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    server = serve(server_db, tmp_path / "server-home")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fast_retry() -> Callable[..., Any]:
    """SyncService keyword arguments for quick, bounded retries in tests."""
    from sync.retry import RetryPolicy

    def options(attempts: int = 3) -> dict[str, Any]:
        return {"retry": RetryPolicy(attempts=attempts, base_delay=0.01, max_delay=0.05)}

    return options
