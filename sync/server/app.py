"""Build the FastAPI application of the upstream server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.gzip import GZipMiddleware

from sync.protocol import PROTOCOL_VERSION
from sync.server.api.errors import install_error_handlers
from sync.server.api.routes import REQUEST_SCHEMAS, router
from sync.server.db import make_session_factory, open_database
from sync.server.settings import ServerSettings


def _with_request_schemas(app: FastAPI) -> Callable[[], dict[str, Any]]:
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = generate()
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            for name, definition in REQUEST_SCHEMAS.items():
                components.setdefault(name, definition)
        assert app.openapi_schema is not None
        return app.openapi_schema

    return openapi


def create_app(settings: ServerSettings) -> FastAPI:
    """The server app on ``settings.db_url``; the schema is migrated before it returns."""
    # Migrating here, not in the lifespan, makes a broken database fail at start-up,
    # before the port is opened, with the error in plain sight.
    engine = open_database(settings.db_url)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Sổ Trẻ Em — máy chủ đồng bộ",
        version=str(PROTOCOL_VERSION),
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    install_error_handlers(app)
    app.include_router(router)
    app.openapi = _with_request_schemas(app)  # type: ignore[method-assign]
    return app
