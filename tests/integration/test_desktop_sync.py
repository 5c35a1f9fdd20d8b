"""A household typed into the book reaches the real server; nothing lost, nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import SYNCED_MODELS, Person
from desktop.core.sync_service import SyncService
from sync.retry import RetryPolicy
from tests.integration.conftest import ServerProcess

TODAY = date(2026, 11, 22)

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


def _household(book: Book, hamlet_id: str, number: str, children: int = 2) -> str:
    return HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name=f"Trần Văn Chủ {number}",
            children=[
                ChildForm(f"Trần Thị Bé {number}-{i}", date(2015 + i, 1, 2), 2)
                for i in range(children)
            ],
        ),
        today=TODAY,
    )


def _states(book: Book) -> dict[str, int]:
    counts: dict[str, int] = {}
    with book.read() as session:
        for model in SYNCED_MODELS.values():
            for row in session.scalars(select(model)):
                counts[row.sync_state] = counts.get(row.sync_state, 0) + 1
    return counts


def test_push_stores_everything_once(
    book: Book, hamlet_id: str, sync_server: ServerProcess
) -> None:
    for number in ("1", "2", "3"):
        _household(book, hamlet_id, number)
    service = SyncService(book)
    assert service.pending_count() == 1 + 3 + 6
    service.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
    outcome = service.push()
    assert (outcome.sent, outcome.applied, outcome.remaining) == (10, 10, 0)
    assert _states(book) == {SyncState.SYNCED.value: 10}
    summary = sync_server.commune_summary("12345")
    assert summary["tables"]["persons"]["live"] == 6
    assert summary["tables"]["households"]["live"] == 3

    # An edit goes up as an update of the same record, not as a new one.
    form = HouseholdService(book).get_household(_household(book, hamlet_id, "4", children=1))
    form.children[0].full_name = "Trần Thị Bé Đã Sửa"
    HouseholdService(book).save_household(form, today=TODAY)
    second = service.push()
    assert second.applied == 2 and second.remaining == 0
    summary = sync_server.commune_summary("12345")
    assert summary["tables"]["persons"]["live"] == 7
    assert summary["tables"]["households"]["live"] == 4


def test_server_down_keeps_everything_queued(
    book: Book, hamlet_id: str, sync_server: ServerProcess
) -> None:
    _household(book, hamlet_id, "1")
    service = SyncService(book, retry=RetryPolicy(attempts=2, base_delay=0.01))
    service.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
    sync_server.stop()
    outcome = service.push()
    assert outcome.offline and not outcome.failed
    assert "Chưa kết nối được máy chủ" in outcome.message_vi
    assert outcome.remaining == 4
    # The first batch (the hamlet) is kept as sent, to be resent with the same batch id.
    assert _states(book) == {SyncState.UPLOADING.value: 1, SyncState.TO_POST.value: 3}
    sync_server.start()
    again = service.push()
    assert (again.applied, again.remaining) == (4, 0)
    assert sync_server.commune_summary("12345")["tables"]["persons"]["live"] == 2


def test_rows_left_uploading_by_a_crash_are_resent_without_duplicates(
    book: Book, hamlet_id: str, sync_server: ServerProcess
) -> None:
    _household(book, hamlet_id, "1")
    service = SyncService(book)
    service.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
    assert service.push().applied == 4
    # Simulate a crash after the server stored the rows but before the answer was applied.
    from desktop.core.storage.tracking import SYNC_APPLY

    with book.transaction() as session:
        session.info[SYNC_APPLY] = True
        for person in session.scalars(select(Person)):
            person.sync_state = SyncState.UPLOADING.value
            person.synced_version = 0
    outcome = service.push()
    assert outcome.duplicates == 2 and outcome.applied == 0
    assert _states(book) == {SyncState.SYNCED.value: 4}
    assert sync_server.commune_summary("12345")["tables"]["persons"]["live"] == 2


def test_enrolment_is_bound_to_the_commune(book: Book, sync_server: ServerProcess) -> None:
    from sync.client import SyncError

    service = SyncService(book)
    with pytest.raises(SyncError) as info:
        service.enroll(sync_server.url, sync_server.issue_enrollment_code("54321"))
    assert info.value.message_vi
    with pytest.raises(ValidationError, match="chưa đăng ký"):
        service.push()
