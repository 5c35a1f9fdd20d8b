"""Enrolment is safe to retry: a lost answer never leaves a device that no book holds.

The real server process on 127.0.0.1, behind the fault-injecting proxy of ``faults.py``: the
first enrolment answer is cut (or refused, or never reaches the server); the retry, in the
same call or in a second run of `sotreem sync --enroll`, ends with exactly one device for the
commune, held by the book, and a sync that works.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop.core.services.book import Book
from desktop.core.storage.repositories import sync_rows
from desktop.core.sync_service import SyncService
from sync.retry import RetryPolicy
from tests.integration.conftest import ServerProcess
from tests.integration.faults import FaultyProxy
from tests.integration.test_sync_cli import sotreem, summary_of
from tests.unit.core.sync.helpers import add_household

FAST = RetryPolicy(attempts=3, base_delay=0.01, max_delay=0.05)


class CutFirstEnrolment(FaultyProxy):
    """Cuts the answer of the first enrolment request (after the server committed it)."""

    def __init__(self, server: ServerProcess, fraction: float) -> None:
        super().__init__(lambda: server.port, seed=0)
        self.fraction = fraction
        self.cut = 0

    def _draw(self, request: bytes) -> tuple[str, float]:
        if request.startswith(b"POST /api/v1/enroll ") and not self.cut:
            self.cut += 1
            self.stats.faults["cut_response"] = 1
            return "cut_response", self.fraction
        return "pass", 0.0


def _devices(server: ServerProcess) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = json.loads(
        server.cli("devices", "--commune", "12345", "--format", "json")
    )
    return listed


def _book_device(book: Book) -> str | None:
    with book.read() as session:
        return sync_rows.settings(session).device_id


@pytest.mark.parametrize("fraction", [0.0, 0.4, 0.95])
def test_a_cut_enrolment_answer_is_retried_into_the_same_device(
    book: Book, hamlet_id: str, sync_server: ServerProcess, fraction: float
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    code = sync_server.issue_enrollment_code("12345")
    with CutFirstEnrolment(sync_server, fraction) as proxy:
        service = SyncService(book, retry=FAST)
        service.enroll(proxy.url, code)
        assert proxy.cut == 1
        outcome = service.sync()
    devices = _devices(sync_server)
    assert [d["id"] for d in devices] == [_book_device(book)]
    assert (outcome.failed, outcome.offline, outcome.sent, outcome.applied) == (False, False, 4, 4)
    summary = sync_server.commune_summary("12345")
    assert (summary["devices"], summary["tables"]["persons"]["live"]) == (1, 2)


@pytest.mark.parametrize("fault", ["cut_response", "error_after", "cut_request", "error_before"])
def test_sotreem_sync_enroll_fails_cleanly_then_the_same_code_works(
    book: Book, hamlet_id: str, sotreem_home: Path, sync_server: ServerProcess, fault: str
) -> None:
    add_household(book, hamlet_id, "1")
    code = sync_server.issue_enrollment_code("12345")
    with FaultyProxy(lambda: sync_server.port, seed=1, weights={fault: 1}) as proxy:
        failed = sotreem(
            sotreem_home, "sync", "--server", proxy.url, "--enroll", code, "--attempts", "1"
        )
        assert failed.returncode == 3, failed.stderr
        assert "Traceback" not in failed.stderr, failed.stderr
        assert "Chưa đăng ký được sổ này" in failed.stderr, failed.stderr
        # The officer runs the same command again once the link is back.
        proxy.enabled = False
        again = sotreem(sotreem_home, "sync", "--server", proxy.url, "--enroll", code)
    counts = summary_of(again)
    assert "Đã đăng ký sổ này" in again.stdout
    assert (counts["sent"], counts["applied"], counts["remaining"]) == (3, 3, 0)
    devices = _devices(sync_server)
    assert [d["id"] for d in devices] == [_book_device(book)]
