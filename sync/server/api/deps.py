"""FastAPI dependencies: settings, sessions, the authenticated device, JSON bodies."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from sync.protocol import PROTOCOL_VERSION
from sync.server.api.body import read_json
from sync.server.api.errors import ApiError
from sync.server.services import enrollment
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.settings import ServerSettings

# auto_error=False: a missing header must give our Vietnamese 401, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="Mã xác thực của máy (nhận khi đăng ký)")


def get_settings(request: Request) -> ServerSettings:
    """The settings the app was created with."""
    settings: ServerSettings = request.app.state.settings
    return settings


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory bound to the server's database."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    return sessions


Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]


def current_device(
    sessions: Sessions,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> DeviceIdentity:
    """The live device whose bearer token came with the request (401 otherwise)."""
    if credentials is None or not credentials.credentials:
        raise ServiceError(
            ErrorKind.UNAUTHENTICATED,
            "token_missing",
            "Thiếu mã xác thực của máy. Hãy đăng ký máy với máy chủ trước khi đồng bộ.",
        )
    return enrollment.authenticate(sessions, credentials.credentials)


async def json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object speaking this protocol version (400 otherwise)."""
    settings = get_settings(request)
    value = await read_json(request, settings.max_body_bytes)
    if not isinstance(value, dict):
        raise ApiError(400, "invalid_request", "Nội dung gửi lên phải là một đối tượng JSON.")
    version = value.get("protocol_version", PROTOCOL_VERSION)
    if version != PROTOCOL_VERSION or isinstance(version, bool):
        raise ApiError(
            400,
            "protocol_mismatch",
            f"Phiên bản giao thức {str(version)[:20]} không được hỗ trợ (máy chủ dùng phiên "
            f"bản {PROTOCOL_VERSION}), hãy cập nhật phần mềm.",
        )
    return value
