"""Report decisions for commune apps: ``GET /api/v1/communes/{code}/report-decisions``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from sync.protocol import ReportDecisionsResponse
from sync.server.api.deps import Sessions
from sync.server.api.routes import _device_for_commune, _errors
from sync.server.services import reports
from sync.server.services.enrollment import DeviceIdentity

router = APIRouter(prefix="/api/v1")


@router.get(
    "/communes/{commune_code}/report-decisions",
    response_model=ReportDecisionsResponse,
    responses=_errors(400, 401, 403),
)
async def report_decisions(
    device: Annotated[DeviceIdentity, Depends(_device_for_commune)],
    sessions: Sessions,
    # report_decisions.id is a 32-bit integer column: a larger cursor is refused with 422.
    after: Annotated[int, Query(ge=0, le=2**31 - 1, description="Mã quyết định đã đọc tới")] = 0,
    limit: Annotated[int, Query(ge=1, le=500, description="Số quyết định tối đa")] = 500,
) -> ReportDecisionsResponse:
    """Approvals and returns of the commune's reports with an id above ``after``."""
    found = await run_in_threadpool(
        reports.decisions_for_commune, sessions, device.commune_code, after=after, limit=limit
    )
    return reports.decisions_message(found, after)
