"""Retries with exponential backoff and jitter, bounded, for slow and unstable links."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from sync.client import ServerFailure, ServerUnreachable, SyncError

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently a request is tried again.

    The defaults suit a 2G/3G link that drops for a few seconds at a time: 5 tries, waits
    of about 2, 4, 8, 16 s (each between half and all of that, so that many communes cut
    off together do not all come back at the same instant), never more than 60 s at once.
    """

    attempts: int = 5
    base_delay: float = 2.0
    max_delay: float = 60.0

    def delays(self, rng: random.Random) -> Iterator[float]:
        """The wait before each retry (``attempts - 1`` values)."""
        for n in range(max(0, self.attempts - 1)):
            ceiling = min(self.max_delay, self.base_delay * (2**n))
            yield ceiling / 2 + rng.uniform(0, ceiling / 2)


NO_RETRY = RetryPolicy(attempts=1)


def is_transient(exc: SyncError) -> bool:
    """True for failures that may pass by themselves (link down, server restarting, 5xx).

    A garbled or cut answer counts too: on a bad link it is the link, not the server. Only
    a redirect (a wrong address in the settings) is a server failure that waiting cannot fix.
    """
    if isinstance(exc, ServerUnreachable):
        return True
    if isinstance(exc, ServerFailure):
        return exc.status_code is None or not 300 <= exc.status_code < 400
    return False


def with_retries(
    call: Callable[[], _T],
    policy: RetryPolicy,
    *,
    rng: random.Random | None = None,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[SyncError, float], None] | None = None,
) -> _T:
    """Run ``call``; on a transient failure wait and try again, up to ``policy.attempts``."""
    waits = policy.delays(rng or random.Random())
    while True:
        try:
            return call()
        except SyncError as exc:
            if not is_transient(exc):
                raise
            wait = next(waits, None)
            if wait is None:
                raise
            if on_retry is not None:
                on_retry(exc, wait)
            sleep(wait)
