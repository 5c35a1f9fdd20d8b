"""The HTTP API, version 1: info, enroll, push, stored batch answers, pull."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError
from pydantic.json_schema import models_json_schema

from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    MAX_ITEMS_PER_BATCH,
    MAX_PULL_LIMIT,
    PROTOCOL_VERSION,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    PullResponse,
    PushHeader,
    PushRequest,
    PushResponse,
    ServerInfo,
    validation_error_vi,
)
from sync.server.api.deps import Sessions, current_device, get_settings, json_object
from sync.server.api.errors import ApiError
from sync.server.models.base import utcnow
from sync.server.services import enrollment, pull, push
from sync.server.services.enrollment import DeviceIdentity
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.settings import ServerSettings

router = APIRouter(prefix="/api/v1")

_COMMUNE_RE = re.compile(r"^[0-9]{5}$")
_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


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
    commune_code: Annotated[
        str, Path(description="Mã xã (5 chữ số)", json_schema_extra={"pattern": "^[0-9]{5}$"})
    ],
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


@router.get(
    "/communes/{commune_code}/batches/{batch_id}",
    response_model=PushResponse,
    responses=_errors(400, 401, 403, 404),
)
async def batch_answer(
    device: Annotated[DeviceIdentity, Depends(_device_for_commune)],
    sessions: Sessions,
    batch_id: Annotated[
        str,
        Path(
            description="Mã lô (UUID)",
            max_length=36,
            json_schema_extra={"pattern": _UUID_RE.pattern, "format": "uuid"},
        ),
    ],
) -> Response:
    """The answer already given to a batch (404 if the server never received it)."""
    if not _UUID_RE.fullmatch(batch_id):
        raise ApiError(400, "invalid_batch_id", "Mã lô phải là UUID dạng chuẩn.")
    text = await run_in_threadpool(push.stored_answer, sessions, device, batch_id)
    return Response(content=text, media_type="application/json")


@router.get(
    "/communes/{commune_code}/changes",
    response_model=PullResponse,
    responses=_errors(400, 401, 403),
)
async def changes(
    device: Annotated[DeviceIdentity, Depends(_device_for_commune)],
    sessions: Sessions,
    after: Annotated[int, Query(ge=0, le=2**63 - 1, description="Số thứ tự đã đọc tới")] = 0,
    limit: Annotated[
        int, Query(ge=1, le=MAX_PULL_LIMIT, description="Số bản ghi tối đa mỗi trang")
    ] = DEFAULT_PULL_LIMIT,
) -> PullResponse:
    """The commune's rows changed after ``after`` (seq order), except the device's own."""
    return await run_in_threadpool(pull.changes, sessions, device, after=after, limit=limit)
