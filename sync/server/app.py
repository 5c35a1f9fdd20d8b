"""Build the FastAPI application of the upstream server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from sync.protocol import PROTOCOL_VERSION
from sync.server.api import reports_api
from sync.server.api.errors import install_error_handlers
from sync.server.api.routes import REQUEST_SCHEMAS, router
from sync.server.db import make_session_factory, open_database
from sync.server.settings import ServerSettings
from sync.server.web import routes as web


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


DOCS_STATIC = "/docs-static"


def _docs_assets() -> str:
    # Swagger UI and Redoc as the fastapi-offline package ships them (MIT; Swagger UI under
    # Apache 2.0, Redoc under MIT, their licences in that package): nothing from a CDN.
    import fastapi_offline

    return str(Path(fastapi_offline.__file__).parent / "static")


def _install_docs(app: FastAPI) -> None:
    """/docs and /redoc, served with the server's own copy of their scripts and styles."""
    app.mount(DOCS_STATIC, StaticFiles(directory=_docs_assets()), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url=f"{root}{DOCS_STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{root}{DOCS_STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            # No "validator badge": it would send the schema to validator.swagger.io.
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title=f"{app.title} — API",
            redoc_js_url=f"{root}{DOCS_STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{root}{DOCS_STATIC}/favicon.png",
            with_google_fonts=False,
        )


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
        # FastAPI's own pages load Swagger UI and Redoc from public CDNs: never used here.
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessions = make_session_factory(engine)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    install_error_handlers(app)
    app.include_router(router)
    app.include_router(reports_api.router)
    web.install(app)
    app.openapi = _with_request_schemas(app)  # type: ignore[method-assign]
    if settings.docs:
        _install_docs(app)
    return app
