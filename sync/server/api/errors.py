"""Every error answer is an ErrorBody: a Vietnamese detail and a machine code."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from sync.protocol import ErrorBody, errors_vi
from sync.server.services.errors import ErrorKind, ServiceError

log = logging.getLogger(__name__)

_STATUS_OF_KIND = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNAUTHENTICATED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
}

_HTTP_DETAIL_VI = {
    404: "Không có địa chỉ này trên máy chủ. Hãy kiểm tra địa chỉ máy chủ trong phần cài đặt.",
    405: "Máy chủ không nhận kiểu yêu cầu này ở địa chỉ này.",
}


class ApiError(Exception):
    """A refusal decided by the HTTP layer itself (body size, encoding, protocol version)."""

    def __init__(self, status_code: int, code: str, detail: str) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail


def error_response(status_code: int, code: str, detail: str) -> JSONResponse:
    """A JSON ErrorBody answer; 401 also names the scheme, as HTTP requires."""
    headers = {"WWW-Authenticate": "Bearer"} if status_code == 401 else None
    body = ErrorBody(detail=detail, code=code).model_dump()
    return JSONResponse(body, status_code=status_code, headers=headers)


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.detail)


async def _service_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return error_response(_STATUS_OF_KIND[exc.kind], exc.code, exc.detail)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = _HTTP_DETAIL_VI.get(
        exc.status_code, f"Yêu cầu không thực hiện được ({exc.status_code})."
    )
    response = error_response(exc.status_code, f"http_{exc.status_code}", detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(
        400, "invalid_request", f"Yêu cầu không hợp lệ: {errors_vi(exc.errors())}"
    )


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    # Details stay in the server log; the device only learns that it should try later.
    log.exception("unhandled error", exc_info=exc)
    return error_response(
        500,
        "internal_error",
        "Máy chủ gặp lỗi nội bộ. Dữ liệu trên máy vẫn được giữ nguyên; hãy thử lại sau "
        "và báo cho cấp trên nếu lỗi lặp lại.",
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer an ErrorBody."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
