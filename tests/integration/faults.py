"""A fault-injecting HTTP proxy between the sync client and the real server (127.0.0.1 only).

Each request (one per connection: the proxy asks the server to close after answering) meets
one fault drawn from a seeded random generator:

- ``pass``: forwarded untouched;
- ``delay``: held back a little, then forwarded;
- ``cut_request``: only the first bytes of the request reach the server, then both sides are
  closed (the server never sees a whole request);
- ``cut_response``: the server answers (and has committed), but the client gets only the
  first bytes of the answer before the connection drops;
- ``repeat``: the request reaches the server twice; the client gets the second answer;
- ``error_before``: the proxy answers 500 without forwarding;
- ``error_after``: the request is forwarded (and committed) but the client gets a 500;
- ``restart``: part of the request is sent, then the server process is killed and started
  again (the hook given to the proxy) before the connection drops.

It never connects anywhere but 127.0.0.1, and every wait is bounded.
"""

from __future__ import annotations

import asyncio
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

FAULTS = (
    "pass",
    "delay",
    "cut_request",
    "cut_response",
    "repeat",
    "error_before",
    "error_after",
    "restart",
)
_IO_TIMEOUT_S = 20.0
_MAX_BODY = 64 * 1024 * 1024
_ERROR_BODY = (
    b'{"detail":"M\xc3\xa1y ch\xe1\xbb\xa7 g\xe1\xba\xb7p l\xe1\xbb\x97i (gi\xe1\xba\xa3 l\xe1\xba'
    b'\xadp).","code":"internal_error"}'
)


@dataclass
class FaultStats:
    """What the proxy did."""

    requests: int = 0
    faults: dict[str, int] = field(default_factory=dict)
    bytes_up: int = 0
    bytes_down: int = 0

    def count(self, fault: str) -> None:
        """Count one request and its fault."""
        self.requests += 1
        self.faults[fault] = self.faults.get(fault, 0) + 1


class FaultyProxy:
    """``with FaultyProxy(port_getter, seed) as proxy: proxy.url`` — faults drawn per request.

    ``target_port`` is called for every request, so a restarted server on a new port is
    followed. ``weights`` maps fault names to relative weights (0 disables one); ``restart``
    is the hook that restarts the server (the fault is skipped when there is none).
    """

    def __init__(
        self,
        target_port: Callable[[], int],
        seed: int,
        *,
        weights: dict[str, float] | None = None,
        restart: Callable[[], None] | None = None,
        max_delay_s: float = 0.2,
        restart_at_push: int | None = None,
    ) -> None:
        self._target_port = target_port
        self.rng = random.Random(seed)
        self.weights = dict(weights or {})
        self._restart = restart
        self.max_delay_s = max_delay_s
        # The n-th push (POST) of this proxy restarts the server mid-upload, for certain.
        self.restart_at_push = restart_at_push
        self._pushes = 0
        self.enabled = True
        self.stats = FaultStats()
        self.port = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        """The address clients use instead of the server's."""
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> FaultyProxy:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    def _draw(self, request: bytes) -> tuple[str, float]:
        with self._lock:
            if not self.enabled:
                return "pass", 0.0
            if request.startswith(b"POST ") and b"/push " in request.split(b"\r\n", 1)[0]:
                self._pushes += 1
                if self._pushes == self.restart_at_push and self._restart is not None:
                    return "restart", 0.3 + 0.5 * self.rng.random()
            names = [n for n in FAULTS if self.weights.get(n, 0) > 0]
            if self._restart is None and "restart" in names:
                names.remove("restart")
            if not names:
                return "pass", 0.0
            fault = self.rng.choices(names, [self.weights[n] for n in names])[0]
            return fault, self.rng.random()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(_read_request(reader), _IO_TIMEOUT_S)
            if request is None:
                return
            fault, fraction = self._draw(request)
            self.stats.count(fault)
            self.stats.bytes_up += len(request)
            await self._apply(fault, fraction, request, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _apply(
        self, fault: str, fraction: float, request: bytes, writer: asyncio.StreamWriter
    ) -> None:
        if fault == "error_before":
            await _send(writer, _error_answer())
            return
        if fault == "cut_request":
            await self._forward_partial(request, max(1, int(len(request) * fraction)))
            return
        if fault == "restart":
            await self._forward_partial(request, max(1, int(len(request) * fraction)))
            assert self._restart is not None
            await asyncio.get_running_loop().run_in_executor(None, self._restart)
            return
        if fault == "delay":
            await asyncio.sleep(self.max_delay_s * fraction)
        answer = await self._forward(request)
        if fault == "repeat":
            answer = await self._forward(request)
        if fault == "error_after":
            answer = _error_answer()
        if fault == "cut_response":
            answer = answer[: int(len(answer) * fraction)]
        self.stats.bytes_down += len(answer)
        await _send(writer, answer)

    async def _forward(self, request: bytes) -> bytes:
        up_reader, up_writer = await asyncio.wait_for(
            asyncio.open_connection("127.0.0.1", self._target_port()), _IO_TIMEOUT_S
        )
        try:
            up_writer.write(request)
            await up_writer.drain()
            return await asyncio.wait_for(up_reader.read(-1), _IO_TIMEOUT_S)
        finally:
            up_writer.close()

    async def _forward_partial(self, request: bytes, size: int) -> None:
        try:
            _reader, up_writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", self._target_port()), _IO_TIMEOUT_S
            )
        except OSError:
            return
        try:
            up_writer.write(request[:size])
            await up_writer.drain()
            await asyncio.sleep(0.01)
        finally:
            up_writer.close()


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One whole HTTP/1.1 request (Content-Length body), rewritten to close afterwards."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    kept = [lines[0]]
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        if name.strip().lower() == "connection":
            continue
        kept.append(line)
    if length > _MAX_BODY:
        return None
    body = await reader.readexactly(length) if length else b""
    kept.append("Connection: close")
    return ("\r\n".join(kept) + "\r\n\r\n").encode("latin-1") + body


def _error_answer() -> bytes:
    return (
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\n"
        + f"Content-Length: {len(_ERROR_BODY)}\r\nConnection: close\r\n\r\n".encode()
        + _ERROR_BODY
    )


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    writer.write(data)
    await writer.drain()
