"""What every part of the service stands on: the book, the client, retries."""

from __future__ import annotations

import os
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from desktop.core.services.book import Book
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.sync_service.shared import (
    BATCH_SIZE,
    MAX_BATCH_SIZE,
    MIN_BATCH_SIZE,
    ClientFactory,
    _Stop,
)
from sync.client import SyncClient, SyncError
from sync.protocol import DEFAULT_PULL_LIMIT
from sync.retry import RetryPolicy, is_transient, with_retries


def _default_client(url: str, token: str | None, ca_bundle: str | None) -> SyncClient:
    return SyncClient(url, token, ca_bundle=ca_bundle)


class _ServiceBase:
    """The book, the client factory and the retry policy that every part of sync uses."""

    def __init__(
        self,
        book: Book,
        client_factory: ClientFactory = _default_client,
        *,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        batch_size: int = BATCH_SIZE,
        pull_limit: int = DEFAULT_PULL_LIMIT,
    ) -> None:
        self._book = book
        self._client_factory = client_factory
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._batch_size = max(MIN_BATCH_SIZE, min(batch_size, MAX_BATCH_SIZE))
        self._pull_limit = pull_limit
        self._running = threading.Lock()

    @contextmanager
    def _client(self, url: str, token: str | None) -> Iterator[SyncClient]:
        with self._book.read() as session:
            pem = repo.settings(session).ca_bundle_pem
        bundle: str | None = None
        if pem:
            # requests wants a file; the certificates are public, so a temporary file is fine.
            handle, bundle = tempfile.mkstemp(prefix="sotreem-ca-", suffix=".pem")
            with os.fdopen(handle, "w", encoding="ascii") as out:
                out.write(pem)
        try:
            with self._client_factory(url, token, bundle) as client:
                yield client
        finally:
            if bundle is not None:
                os.unlink(bundle)

    def _call(self, call: Callable[[], Any]) -> Any:
        try:
            return with_retries(call, self._retry, rng=self._rng, sleep=self._sleep)
        except SyncError as exc:
            raise _Stop(exc, offline=is_transient(exc)) from exc
