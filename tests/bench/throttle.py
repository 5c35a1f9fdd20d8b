"""A loopback TCP proxy that limits bandwidth and counts bytes and HTTP requests.

It stands between the sync client and the real server during benchmarks, to play a 2G/3G
link (e.g. 256 kbit/s) on 127.0.0.1. It only ever connects to 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from dataclasses import dataclass, field

_CHUNK = 4096


@dataclass
class LinkStats:
    """What crossed the link since the last reset."""

    upstream_bytes: int = 0  # client → server
    downstream_bytes: int = 0  # server → client
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def reset(self) -> None:
        with self._lock:
            self.upstream_bytes = self.downstream_bytes = self.requests = 0

    @property
    def total_bytes(self) -> int:
        return self.upstream_bytes + self.downstream_bytes


class _Bucket:
    """A token bucket shared by both directions (a half-duplex-ish slow link)."""

    def __init__(self, bytes_per_second: float | None) -> None:
        self.rate = bytes_per_second
        self.allowance = 0.0
        self.last = time.monotonic()

    async def take(self, amount: int) -> None:
        if self.rate is None:
            return
        while True:
            now = time.monotonic()
            self.allowance = min(self.rate, self.allowance + (now - self.last) * self.rate)
            self.last = now
            if self.allowance >= amount:
                self.allowance -= amount
                return
            await asyncio.sleep((amount - self.allowance) / self.rate)


class ThrottledProxy:
    """Run with ``with ThrottledProxy(target_port, kbit_per_second=256) as proxy: proxy.url``."""

    def __init__(self, target_port: int, kbit_per_second: float | None = None) -> None:
        self.target_port = target_port
        self.rate = None if kbit_per_second is None else kbit_per_second * 1000 / 8
        self.stats = LinkStats()
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ThrottledProxy:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._start(), self._loop)
        future.result(timeout=10)
        return self

    def __exit__(self, *_exc: object) -> None:
        async def _stop() -> None:
            if self._server is not None:
                self._server.close()
                await self._server.wait_closed()

        asyncio.run_coroutine_threadsafe(_stop(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    async def _start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.close()
            return
        bucket = _Bucket(self.rate)
        await asyncio.gather(
            self._pipe(reader, up_writer, bucket, upstream=True),
            self._pipe(up_reader, writer, bucket, upstream=False),
        )

    async def _pipe(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        bucket: _Bucket,
        *,
        upstream: bool,
    ) -> None:
        try:
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    break
                await bucket.take(len(data))
                with self.stats._lock:
                    if upstream:
                        self.stats.upstream_bytes += len(data)
                        # Count request lines; bodies are gzip, so a false match is unlikely.
                        self.stats.requests += data.count(b"POST /") + data.count(b"GET /")
                    else:
                        self.stats.downstream_bytes += len(data)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            with contextlib.suppress(RuntimeError):
                writer.close()
