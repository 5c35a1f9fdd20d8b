"""Read a JSON request body, plain, gzip or xz, never holding more than the size cap."""

from __future__ import annotations

import json
import logging
import lzma
import zlib
from typing import Any

from fastapi import Request
from starlette.requests import ClientDisconnect

from sync.server.api.errors import ApiError

_CHUNK = 64 * 1024

log = logging.getLogger(__name__)


def _too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        "body_too_large",
        f"Gói dữ liệu quá lớn (giới hạn {limit // (1024 * 1024)} MiB sau khi giải nén). "
        "Hãy gửi thành nhiều lô nhỏ hơn.",
    )


def _bad_gzip() -> ApiError:
    return ApiError(400, "bad_gzip", "Dữ liệu nén bị hỏng hoặc không đầy đủ. Hãy gửi lại.")


class _GunzipCapped:
    """Incremental gzip decoder that stops as soon as the output passes ``limit``."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._out = bytearray()
        self._member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)

    def feed(self, data: bytes) -> None:
        """Decompress ``data``; raise 413 rather than inflate past the limit."""
        while data:
            room = self._limit - len(self._out) + 1
            try:
                # max_length bounds the work done per call: a zip bomb never gets to expand.
                chunk = self._member.decompress(data, room)
            except zlib.error as exc:
                raise _bad_gzip() from exc
            self._out += chunk
            if len(self._out) > self._limit:
                raise _too_large(self._limit)
            if self._member.eof:
                # Concatenated gzip members are valid gzip; decode the next one.
                data = self._member.unused_data
                if data:
                    self._member = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            else:
                data = self._member.unconsumed_tail

    def finish(self) -> bytes:
        """The whole decompressed body; a truncated stream is an error."""
        if not self._member.eof:
            raise _bad_gzip()
        return bytes(self._out)


# An xz body is decoded with at most this much memory: clients compress with a 1 MiB window.
XZ_MEMLIMIT = 64 * 1024 * 1024


class _UnxzCapped:
    """Incremental xz (LZMA2) decoder with the same output cap, and a memory cap."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._out = bytearray()
        self._decoder = lzma.LZMADecompressor(format=lzma.FORMAT_XZ, memlimit=XZ_MEMLIMIT)

    def feed(self, data: bytes) -> None:
        """Decompress ``data``; raise 413 rather than inflate past the limit."""
        while True:
            if self._decoder.eof:
                if data or self._decoder.unused_data:
                    raise _bad_gzip()  # trailing garbage after the stream
                return
            room = self._limit - len(self._out) + 1
            try:
                chunk = self._decoder.decompress(data, max_length=room)
            except lzma.LZMAError as exc:
                raise _bad_gzip() from exc
            self._out += chunk
            if len(self._out) > self._limit:
                raise _too_large(self._limit)
            data = b""
            if self._decoder.needs_input:
                return

    def finish(self) -> bytes:
        """The whole decompressed body; a truncated stream is an error."""
        if not self._decoder.eof:
            raise _bad_gzip()
        return bytes(self._out)


def _reject_constant(name: str) -> Any:
    # json.loads accepts NaN and Infinity, which are not JSON and cannot be stored.
    raise ValueError(f"invalid JSON constant {name}")


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, gunzipped if it says so, at most ``limit`` bytes either way."""
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in {"identity", "gzip", "xz"}:
        raise ApiError(
            415,
            "unsupported_encoding",
            f"Máy chủ không nhận dữ liệu nén kiểu '{encoding[:20]}'; chỉ nhận gzip hoặc xz.",
        )
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    received = 0
    plain = bytearray()
    gunzip: _GunzipCapped | _UnxzCapped | None = None
    if encoding == "gzip":
        gunzip = _GunzipCapped(limit)
    elif encoding == "xz":
        gunzip = _UnxzCapped(limit)
    try:
        async for chunk in request.stream():
            # The wire size is capped too: a lying or absent Content-Length changes nothing.
            received += len(chunk)
            if received > limit:
                raise _too_large(limit)
            if gunzip is not None:
                gunzip.feed(chunk)
            else:
                plain += chunk
    except ClientDisconnect:
        # A device on a bad line dropped mid-upload: nothing was applied, it will send again.
        # One line in the log, not a traceback.
        client = request.client.host if request.client else "?"
        log.warning(
            "client %s disconnected after %d bytes of %s %s",
            client,
            received,
            request.method,
            request.url.path,
        )
        raise ApiError(
            400, "client_disconnected", "Kết nối bị ngắt khi đang gửi dữ liệu; hãy gửi lại."
        ) from None
    return gunzip.finish() if gunzip is not None else bytes(plain)


async def read_json(request: Request, limit: int) -> Any:
    """The request body parsed as strict JSON."""
    body = await read_body(request, limit)
    try:
        return json.loads(body, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise ApiError(
            400, "invalid_json", "Nội dung gửi lên không phải JSON hợp lệ (UTF-8)."
        ) from exc
