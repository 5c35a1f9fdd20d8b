"""HTTP client of the sync protocol (requests-based; no Qt, no desktop imports)."""

from __future__ import annotations

import gzip
import lzma
import threading
from dataclasses import dataclass, field
from types import TracebackType
from typing import Final, TypeVar
from urllib.parse import urlsplit

import requests
from pydantic import BaseModel, ValidationError

from sync.protocol import (
    DEFAULT_PULL_LIMIT,
    PROTOCOL_VERSION,
    EnrollRequest,
    EnrollResponse,
    ErrorBody,
    PullResponse,
    PushRequest,
    PushResponse,
    ReportDecisionsResponse,
    ServerInfo,
    located_error,
    validation_error_vi,
)

_M = TypeVar("_M", bound=BaseModel)

# A server answer is small (one result per item, at most 500); a bigger one is not ours.
MAX_RESPONSE_BYTES: Final = 32 * 1024 * 1024
_USER_AGENT: Final = f"sotreem-sync/{PROTOCOL_VERSION}"
# Sized for 2G/3G: a slow handshake is not a dead link, and a 500-row answer on a congested
# cell can take a while; a read timeout is per received chunk, not for the whole answer.
DEFAULT_TIMEOUT: Final = (20.0, 90.0)
# An estimate of the request line and headers, for progress in bytes (the body is counted).
_HEADER_BYTES: Final = 300
# LZMA2 at its strongest with a 1 MiB window: a fifth smaller than gzip -9 on a batch of rows,
# a few MB of memory on both sides, about 0.5 ms per row of CPU — cheap next to a 2G link.
_XZ_FILTERS: Final = [
    {"id": lzma.FILTER_LZMA2, "preset": 9 | lzma.PRESET_EXTREME, "dict_size": 1 << 20}
]


def compress_body(body: bytes, encoding: str) -> bytes:
    """``body`` compressed as ``encoding`` ("xz" or "gzip")."""
    if encoding == "xz":
        return lzma.compress(
            body, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC32, filters=_XZ_FILTERS
        )
    # JSON compresses several-fold; on a 2G/3G link that is most of the wait.
    return gzip.compress(body, compresslevel=9)


@dataclass
class LinkCounters:
    """Bytes and requests that went over the link (bodies as sent, compressed)."""

    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, sent: int, received: int) -> None:
        """Count one request."""
        with self._lock:
            self.requests += 1
            self.bytes_sent += sent
            self.bytes_received += received


class SyncError(Exception):
    """Base of every sync failure; ``message_vi`` is what to show the person."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


class InvalidServerAddress(SyncError):
    """The configured server address is not an http(s) URL with a host."""


class ServerUnreachable(SyncError):
    """No answer (offline, DNS, refused, timeout): try again later; no data is at fault."""


class CertificateRejected(SyncError):
    """The server's TLS certificate could not be verified; nothing was sent."""


class AuthRefused(SyncError):
    """The server refused the device's credentials (401) or its right to act (403)."""

    def __init__(self, message_vi: str, *, status_code: int | None, code: str) -> None:
        super().__init__(message_vi)
        self.status_code = status_code
        self.code = code


class ProtocolMismatch(SyncError):
    """Client and server speak different protocol versions: the software needs updating."""


class RequestRejected(SyncError):
    """The whole request was refused (too large, malformed, batch id clash, …)."""

    def __init__(self, message_vi: str, *, status_code: int | None, code: str) -> None:
        super().__init__(message_vi)
        self.status_code = status_code
        self.code = code


class ServerFailure(SyncError):
    """The server failed (5xx) or answered something that is not the protocol."""

    def __init__(self, message_vi: str, *, status_code: int | None = None) -> None:
        super().__init__(message_vi)
        self.status_code = status_code


def _normalize_base_url(base_url: str) -> str:
    text = base_url.strip()
    problem = None
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        parts = None
        problem = "cổng không hợp lệ"
    if parts is not None:
        if parts.scheme.lower() not in {"http", "https"}:
            problem = "địa chỉ phải bắt đầu bằng http:// hoặc https://"
        elif not parts.hostname:
            problem = "thiếu tên máy chủ"
        elif parts.username is not None or parts.password is not None:
            problem = "không được ghi tên đăng nhập hay mật khẩu trong địa chỉ"
        elif parts.query or parts.fragment:
            problem = "địa chỉ không được có phần ?… hay #…"
    if problem is not None:
        raise InvalidServerAddress(
            f"Địa chỉ máy chủ '{text[:200]}' không hợp lệ: {problem}. "
            "Ví dụ đúng: https://dongbo.tinh.gov.vn"
        )
    return text.rstrip("/")


class SyncClient:
    """Talks to one upstream server; every method is one request, with no hidden retries.

    One instance per thread: the underlying ``requests.Session`` is not thread-safe.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        ca_bundle: str | None = None,
    ) -> None:
        self.base_url = _normalize_base_url(base_url)
        self._token = token
        self._timeout = timeout
        self.counters = LinkCounters()
        # xz until a server says it only takes gzip (an older server answers 415).
        self.body_encoding = "xz"
        # Certificates are always verified: against the system's CAs, or only against the
        # given bundle (a provincial CA). There is deliberately no way to pass verify=False.
        self._verify: bool | str = ca_bundle if ca_bundle else True
        self._session = requests.Session()
        self._session.headers["User-Agent"] = _USER_AGENT
        self._session.headers["Accept"] = "application/json"

    def close(self) -> None:
        """Release pooled connections."""
        self._session.close()

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def info(self) -> ServerInfo:
        """The server's protocol version, clock and name; raises ProtocolMismatch if unusable."""
        info = self._parse(ServerInfo, self._request("GET", "/api/v1/info"))
        if info.protocol_version != PROTOCOL_VERSION:
            raise ProtocolMismatch(_mismatch_text(info.protocol_version))
        return info

    def enroll(
        self, code: str, commune_code: str, device_name: str, nonce: str | None = None
    ) -> EnrollResponse:
        """Exchange a one-time enrollment code for this device's token.

        With the ``nonce`` the book kept for this code, the call is safe to repeat after a
        lost answer: the server gives the same device back (with a fresh token).
        """
        try:
            request = EnrollRequest(
                code=code, commune_code=commune_code, device_name=device_name, nonce=nonce
            )
        except ValidationError as exc:
            raise RequestRejected(
                f"Thông tin đăng ký không hợp lệ: {validation_error_vi(exc)}",
                status_code=None,
                code="invalid_request",
            ) from exc
        body = request.model_dump_json(exclude_none=True).encode("utf-8")
        answer = self._parse(EnrollResponse, self._request("POST", "/api/v1/enroll", body))
        if answer.commune_code != commune_code:
            raise ServerFailure("Máy chủ trả lời đăng ký cho một xã khác với xã đã yêu cầu.")
        return answer

    def _need_token(self) -> None:
        if not self._token:
            raise AuthRefused(
                "Máy này chưa đăng ký với máy chủ. Hãy nhập mã đăng ký do cấp trên cấp.",
                status_code=None,
                code="token_missing",
            )

    def push(self, request: PushRequest) -> PushResponse:
        """Send one batch; on any failure the same batch may be sent again unchanged."""
        self._need_token()
        return self.push_raw(request, request.model_dump_json(exclude_none=True).encode())

    def push_raw(self, request: PushRequest, body: bytes) -> PushResponse:
        """Send a batch kept as the exact JSON ``body`` of ``request`` (a resumed batch)."""
        self._need_token()
        path = f"/api/v1/communes/{request.commune_code}/push"
        answer = self._parse(PushResponse, self._request("POST", path, body, auth=True))
        _check_matches(request, answer)
        return answer

    def batch_answer(self, request: PushRequest) -> PushResponse | None:
        """The answer the server already gave to this batch, or None if it never got it."""
        self._need_token()
        path = f"/api/v1/communes/{request.commune_code}/batches/{request.batch_id}"
        try:
            raw = self._request("GET", path, auth=True)
        except RequestRejected as exc:
            if exc.status_code == 404 and exc.code == "batch_unknown":
                return None
            raise
        answer = self._parse(PushResponse, raw)
        _check_matches(request, answer)
        return answer

    def pull(self, commune_code: str, after: int, limit: int = DEFAULT_PULL_LIMIT) -> PullResponse:
        """One page of the commune's changes after ``after`` (server seq order)."""
        self._need_token()
        path = f"/api/v1/communes/{commune_code}/changes?after={int(after)}&limit={int(limit)}"
        answer = self._parse(PullResponse, self._request("GET", path, auth=True))
        if answer.next_after < 0 or any(r.seq <= after for r in answer.records):
            raise ServerFailure("Máy chủ trả về trang dữ liệu không đúng thứ tự.")
        return answer

    def report_decisions(
        self, commune_code: str, after: int, limit: int = DEFAULT_PULL_LIMIT
    ) -> ReportDecisionsResponse:
        """Upstream's approvals and returns of the commune's reports with an id above ``after``."""
        self._need_token()
        path = (
            f"/api/v1/communes/{commune_code}/report-decisions"
            f"?after={int(after)}&limit={int(limit)}"
        )
        answer = self._parse(ReportDecisionsResponse, self._request("GET", path, auth=True))
        ids = [d.id for d in answer.decisions]
        if (
            any(i <= after for i in ids)
            or ids != sorted(set(ids))
            or answer.next_after < max(ids, default=after)
        ):
            raise ServerFailure("Máy chủ trả về danh sách quyết định duyệt không đúng thứ tự.")
        return answer

    def _request(
        self, method: str, path: str, body: bytes | None = None, *, auth: bool = False
    ) -> _Answer:
        headers: dict[str, str] = {}
        data = None
        if body is not None:
            data = compress_body(body, self.body_encoding)
            headers["Content-Type"] = "application/json"
            headers["Content-Encoding"] = self.body_encoding
        if auth:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            response = self._session.request(
                method,
                self.base_url + path,
                data=data,
                headers=headers,
                timeout=self._timeout,
                verify=self._verify,
                # A redirect would turn the POST into a GET (or carry the token elsewhere).
                allow_redirects=False,
                stream=True,
            )
            content = _read_capped(response)
            answer = _Answer(
                status=response.status_code,
                location=response.headers.get("Location", ""),
                content=content,
            )
            self.counters.add(
                _HEADER_BYTES + len(data or b""), _HEADER_BYTES + _wire_size(response, content)
            )
        except requests.exceptions.SSLError as exc:
            raise CertificateRejected(
                "Không xác minh được chứng chỉ bảo mật (TLS) của máy chủ, nên chưa gửi gì. "
                "Hãy kiểm tra địa chỉ máy chủ, đồng hồ của máy tính, hoặc tệp chứng chỉ "
                "(CA) do cấp trên cung cấp."
            ) from exc
        except (
            requests.exceptions.ConnectionError,
            requests.exceptions.Timeout,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise ServerUnreachable(
                "Không kết nối được máy chủ (mất mạng, sai địa chỉ, hoặc máy chủ đang tắt). "
                "Dữ liệu vẫn được giữ trên máy; hãy thử lại sau."
            ) from exc
        except requests.exceptions.InvalidURL as exc:
            raise InvalidServerAddress(
                f"Địa chỉ máy chủ '{self.base_url[:200]}' không hợp lệ. "
                "Ví dụ đúng: https://dongbo.tinh.gov.vn"
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise ServerFailure(
                f"Máy chủ trả lời không đúng giao thức ({type(exc).__name__})."
            ) from exc
        if answer.status == 415 and body is not None and self.body_encoding != "gzip":
            # A server from before xz: gzip from now on, and this request again (nothing
            # was applied: the body was refused before it was read).
            self.body_encoding = "gzip"
            return self._request(method, path, body, auth=auth)
        _raise_for_status(answer)
        return answer

    @staticmethod
    def _parse(model: type[_M], answer: _Answer) -> _M:
        try:
            return model.model_validate_json(answer.content)
        except ValidationError as exc:
            raise ServerFailure(
                "Máy chủ trả lời không đúng giao thức, không có dữ liệu nào được ghi: "
                f"{validation_error_vi(located_error(model, answer.content, exc), limit=3)}.",
                status_code=answer.status,
            ) from exc


@dataclass(frozen=True, slots=True)
class _Answer:
    """What came back: status, redirect target, body (fully read, size-capped)."""

    status: int
    location: str
    content: bytes


def _mismatch_text(server_version: object) -> str:
    return (
        f"Máy chủ dùng phiên bản giao thức {server_version}, phần mềm này dùng phiên bản "
        f"{PROTOCOL_VERSION}. Hãy cập nhật phần mềm."
    )


def _read_capped(response: requests.Response) -> bytes:
    chunks: list[bytes] = []
    size = 0
    try:
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ServerFailure(
                    "Câu trả lời của máy chủ quá lớn, không phải của máy chủ Sổ Trẻ Em.",
                    status_code=response.status_code,
                )
            chunks.append(chunk)
    finally:
        response.close()
    return b"".join(chunks)


def _wire_size(response: requests.Response, content: bytes) -> int:
    # urllib3 knows how many (compressed) bytes it read; fall back to the decoded size.
    try:
        told = response.raw.tell()
    except (AttributeError, OSError, ValueError):
        return len(content)
    return told if isinstance(told, int) and told > 0 else len(content)


def _error_body(content: bytes) -> ErrorBody | None:
    try:
        return ErrorBody.model_validate_json(content)
    except ValidationError:
        return None


_GENERIC_4XX = {
    401: "Máy chủ không chấp nhận mã xác thực của máy này. Hãy đăng ký lại máy.",
    403: "Máy chủ không cho phép máy này thực hiện thao tác này.",
    413: "Lô dữ liệu quá lớn so với giới hạn của máy chủ. Hãy gửi thành nhiều lô nhỏ hơn.",
}


def _raise_for_status(answer: _Answer) -> None:
    status = answer.status
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise ServerFailure(
            f"Máy chủ chuyển hướng sang địa chỉ khác ({answer.location[:200] or '?'}). "
            "Hãy sửa địa chỉ máy chủ trong phần cài đặt cho đúng địa chỉ đó.",
            status_code=status,
        )
    error = _error_body(answer.content)
    if status >= 500 or status < 200:
        extra = f" {error.detail}" if error is not None else ""
        raise ServerFailure(
            f"Máy chủ gặp lỗi (mã {status}).{extra} Dữ liệu vẫn được giữ trên máy; "
            "hãy thử lại sau.",
            status_code=status,
        )
    # A reverse proxy answers 401/403/413 in HTML; the refusal is the same.
    detail = error.detail if error is not None else _GENERIC_4XX.get(status)
    code = error.code if error is not None else f"http_{status}"
    if detail is None:
        detail = f"Máy chủ từ chối yêu cầu (mã {status})."
    if status in {401, 403}:
        raise AuthRefused(detail, status_code=status, code=code)
    if code == "protocol_mismatch":
        raise ProtocolMismatch(detail)
    raise RequestRejected(detail, status_code=status, code=code)


def _check_matches(request: PushRequest, answer: PushResponse) -> None:
    # Results are applied to rows by position; an answer for another batch, or a shuffled
    # one, would mark the wrong rows as synced.
    if answer.batch_id != request.batch_id:
        raise ServerFailure("Câu trả lời của máy chủ không khớp với lô dữ liệu đã gửi.")
    try:
        answer.results(request.items)
    except ValueError as exc:
        raise ServerFailure("Câu trả lời của máy chủ không khớp với lô dữ liệu đã gửi.") from exc


__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_RESPONSE_BYTES",
    "AuthRefused",
    "CertificateRejected",
    "InvalidServerAddress",
    "LinkCounters",
    "ProtocolMismatch",
    "RequestRejected",
    "ServerFailure",
    "ServerUnreachable",
    "SyncClient",
    "SyncError",
]
