"""The book keeps its enrolment nonce before asking, so a lost answer can be retried."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from desktop.core.services.book import Book
from desktop.core.storage.models import AuditEntry
from desktop.core.storage.repositories import sync_rows
from desktop.core.sync_service import SyncService
from sync.client import ServerUnreachable
from sync.retry import RetryPolicy
from sync.server.services import enrollment
from tests.unit.core.sync.conftest import LiveServer, free_port


def _nonce(book: Book) -> tuple[str | None, str | None]:
    with book.read() as session:
        settings = sync_rows.settings(session)
        return settings.enrolment_nonce, settings.enrolment_code_hash


def test_the_nonce_is_kept_before_the_request_and_reused_for_the_same_code(book: Book) -> None:
    service = SyncService(book, retry=RetryPolicy(attempts=1))
    nowhere = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ServerUnreachable):
        service.enroll(nowhere, "ABCD-EFGH-JKMN")
    first, code_hash = _nonce(book)
    assert first is not None and len(first) >= 32
    assert code_hash is not None and "ABCD" not in code_hash
    # The same code typed another way: the same attempt, the same nonce.
    with pytest.raises(ServerUnreachable):
        service.enroll(nowhere, " abcd efgh jkmn ")
    assert _nonce(book) == (first, code_hash)
    # Another code is another attempt.
    with pytest.raises(ServerUnreachable):
        service.enroll(nowhere, "PQRS-TUVW-XYZ2")
    second, other_hash = _nonce(book)
    assert second != first and other_hash != code_hash
    # The audit trail says the nonce changed, never what it is.
    with book.read() as session:
        trail = " ".join(e.after for e in session.scalars(select(AuditEntry)))
    assert first not in trail and second not in trail and code_hash not in trail


def test_enrolling_twice_with_the_same_code_keeps_one_device(
    book: Book, live_server: LiveServer, fast_retry: Callable[..., Any]
) -> None:
    code = live_server.code()
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, code)
    with book.read() as session:
        first_device = sync_rows.settings(session).device_id
    # The officer did not see the answer and enrols again with the same code.
    service.enroll(live_server.url, code)
    with book.read() as session:
        assert sync_rows.settings(session).device_id == first_device
    assert [d.id for d in enrollment.list_devices(live_server.sessions, "12345")] == [first_device]
    assert not service.sync().failed
