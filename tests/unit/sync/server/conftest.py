"""Fixtures: a real server app on a temporary database, driven through TestClient.

Every server test runs on a fresh SQLite file; when ``SOTREEM_TEST_PG_URL`` names a scratch
PostgreSQL database, it runs there too (its tables are dropped before and after each test).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sync.server.app import create_app
from sync.server.db import make_engine
from sync.server.models import Base
from sync.server.services import enrollment
from sync.server.settings import ServerSettings
from tests.unit.sync.server.support import EnrolledDevice

PG_URL = os.environ.get("SOTREEM_TEST_PG_URL", "")
BACKENDS = ["sqlite"] + ([pytest.param("postgres", marks=pytest.mark.postgres)] if PG_URL else [])


def _drop_everything(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database: a SQLite file in the test's folder, or the scratch PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'server.db'}"
        return
    _drop_everything(PG_URL)
    yield PG_URL
    _drop_everything(PG_URL)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> ServerSettings:
    """Settings on the test's database."""
    return ServerSettings(db_url=db_url, home=tmp_path)


@pytest.fixture
def app(settings: ServerSettings) -> Iterator[FastAPI]:
    """The real app; its database is built by the real migrations."""
    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def sessions(app: FastAPI) -> sessionmaker[Session]:
    """The app's own session factory, to look at what it stored."""
    factory: sessionmaker[Session] = app.state.sessions
    return factory


@pytest.fixture
def http(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client on the app (lifespan run, server errors raised in the test)."""
    with TestClient(app) as client:
        yield client


@pytest.fixture
def web(app: FastAPI) -> Iterator[TestClient]:
    """A browser-like client on https (the session cookie is Secure)."""
    with TestClient(app, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def enroll(http: TestClient, sessions: sessionmaker[Session]) -> Callable[[str], EnrolledDevice]:
    """Enrol a new device of ``commune`` through the real endpoint."""

    def _enroll(commune: str = "12345") -> EnrolledDevice:
        code = enrollment.issue_code(sessions, commune)
        response = http.post(
            "/api/v1/enroll",
            json={"code": code, "commune_code": commune, "device_name": "Máy xã"},
        )
        assert response.status_code == 200, response.text
        body = response.json()
        return EnrolledDevice(body["device_id"], body["token"], body["commune_code"])

    return _enroll


@pytest.fixture
def device(enroll: Callable[[str], EnrolledDevice]) -> EnrolledDevice:
    """An enrolled device of commune 12345."""
    return enroll("12345")
