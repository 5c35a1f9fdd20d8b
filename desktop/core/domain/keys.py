"""Primary keys made on the officer's machine (no server, no clock needed)."""

from __future__ import annotations

import secrets
import threading
import uuid


class IdSequence:
    """Primary keys made on this machine: UUIDs that share a random prefix and count up.

    Each is an RFC 9562 version 8 UUID: 90 bits drawn at random once (per program run, or
    per ``IdSequence``), then a 32-bit counter. Two runs clash only if they draw the same
    90 bits; the server keeps each commune's rows apart, so only one commune's runs count:
    among 100,000 of them (decades of daily use) the chance is about 4 in 10**18. Rows made in one
    sitting (a household typed, an Excel file imported) get neighbouring keys, so a batch of
    them compresses to a fraction of the size of random keys on a 2G link, and new rows land
    at the end of the table's index instead of all over it. The clock plays no part.
    """

    RANDOM_BITS = 90
    COUNTER_BITS = 32

    def __init__(self, prefix: int | None = None) -> None:
        self._lock = threading.Lock()
        self._fixed = prefix is not None
        self._prefix = 0
        self._counter = 0
        self._start(prefix)

    def _start(self, prefix: int | None) -> None:
        if prefix is None:
            prefix = secrets.randbits(self.RANDOM_BITS)
        if not 0 <= prefix < 1 << self.RANDOM_BITS:
            raise ValueError(f"the prefix must fit {self.RANDOM_BITS} bits")
        self._prefix = prefix
        self._counter = 0

    def after_fork(self) -> None:
        """In a forked child: a fresh lock and a new prefix, never the parent's keys again."""
        self._lock = threading.Lock()
        self._fixed = False
        self._start(None)

    def __call__(self) -> str:
        with self._lock:
            if self._counter >= 1 << self.COUNTER_BITS:
                if self._fixed:
                    raise OverflowError("IdSequence: the counter is used up")
                self._start(None)
            counter = self._counter
            self._counter += 1
            prefix = self._prefix
        # custom_a (48 bits) | version 8 | custom_b (12) | variant 0b10 | custom_c (62)
        high = prefix >> 42
        middle = (prefix >> 30) & 0xFFF
        low = prefix & ((1 << 30) - 1)
        value = (
            (high << 80)
            | (0x8 << 76)
            | (middle << 64)
            | (0b10 << 62)
            | (low << self.COUNTER_BITS)
            | counter
        )
        return str(uuid.UUID(int=value))
