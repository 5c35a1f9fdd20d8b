"""The HTTP API, version 1: info, enroll, push."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import models_json_schema

from sync.protocol import (
    MAX_ITEMS_PER_BATCH,
    PROTOCOL_VERSION,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    PushHeader,
    PushRequest,
    PushResponse,
    ServerInfo,
    validation_error_vi,
)
from sync.server.api.deps import Sessions, current_device, get_settings, json_object
from sync.server.api.errors import ApiError
from sync.server.models.base import utcnow
from sync.server.services import enrollment, push
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.settings import ServerSettings

router = APIRouter(prefix="/api/v1")

_COMMUNE_RE = re.compile(r"^[0-9]{5}$")


def _schemas(*models: type[BaseModel]) -> dict[str, Any]:
    _, top = models_json_schema(
        [(model, "validation") for model in models],
        ref_template="#/components/schemas/{model}",
    )
    defs: dict[str, Any] = top.get("$defs", {})
    return defs


# Bodies are read by hand (gzip, size cap, per-item rejection), so FastAPI cannot infer
# their schemas; these are added to /openapi.json by the app.
REQUEST_SCHEMAS = _schemas(PushRequest, EnrollRequest)


def _json_body(name: str) -> dict[str, Any]:
    ref = {"$ref": f"#/components/schemas/{name}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": ref}}}}


def _errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody} for code in codes}


class RawPushRequest(PushHeader):
    """A push whose items are checked one by one, so one bad item cannot sink the batch."""

    items: list[Any] = Field(min_length=1, max_length=MAX_ITEMS_PER_BATCH)


def _parse(model: type[BaseModel], value: dict[str, Any]) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise ApiError(
            400, "invalid_request", f"Yêu cầu không hợp lệ: {validation_error_vi(exc)}"
        ) from exc


@router.get("/info", response_model=ServerInfo)
async def info(settings: Annotated[ServerSettings, Depends(get_settings)]) -> ServerInfo:
    """Protocol version, server clock and name; needs no token."""
    return ServerInfo(protocol_version=PROTOCOL_VERSION, server_time=utcnow(), name=settings.name)


@router.post(
    "/enroll",
    response_model=EnrollResponse,
    responses=_errors(400, 403, 413, 415),
    openapi_extra=_json_body("EnrollRequest"),
)
async def enroll(
    sessions: Sessions, body: Annotated[dict[str, Any], Depends(json_object)]
) -> EnrollResponse:
    """Exchange a one-time enrollment code for a device token."""
    request: EnrollRequest = _parse(EnrollRequest, body)
    return await run_in_threadpool(enrollment.enroll, sessions, request)


def _device_for_commune(
    commune_code: Annotated[str, Path(description="Mã xã (5 chữ số)")],
    device: Annotated[DeviceIdentity, Depends(current_device)],
) -> DeviceIdentity:
    # Checked before the body is read: a device of another commune gets nothing decoded.
    if not _COMMUNE_RE.fullmatch(commune_code):
        raise ApiError(400, "invalid_commune", "Mã xã trong địa chỉ phải gồm đúng 5 chữ số.")
    if commune_code != device.commune_code:
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "commune_mismatch",
            f"Máy này chỉ được gửi dữ liệu của xã {device.commune_code}, "
            f"không được gửi cho xã {commune_code}.",
        )
    return device


@router.post(
    "/communes/{commune_code}/push",
    response_model=PushResponse,
    responses=_errors(400, 401, 403, 409, 413, 415),
    openapi_extra=_json_body("PushRequest"),
)
async def push_batch(
    device: Annotated[DeviceIdentity, Depends(_device_for_commune)],
    sessions: Sessions,
    body: Annotated[dict[str, Any], Depends(json_object)],
) -> Response:
    """Apply a batch of changed rows; a repeated batch id gets the stored answer."""
    header: RawPushRequest = _parse(RawPushRequest, body)
    text = await run_in_threadpool(push.push, sessions, device, header, header.items)
    # The exact stored text, so that a repeated batch gets byte-for-byte the same answer.
    return Response(content=text, media_type="application/json")
