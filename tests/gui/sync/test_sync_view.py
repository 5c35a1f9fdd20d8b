"""The sync area against the real server on 127.0.0.1: enrol, send, then offline calmly."""

from __future__ import annotations

from datetime import date
from typing import Any

from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.ui.sync.view import OFFLINE_MESSAGE, SyncView, format_datetime
from tests.integration.conftest import ServerProcess, sync_server  # noqa: F401 - fixture


def add_household(book: Book, hamlet_id: str, number: str) -> None:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name="Nguyễn Văn Hộ",
            children=[ChildForm("Nguyễn Văn An", date(2020, 1, 1), 1)],
        )
    )


def refreshed(view: SyncView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.pending_changed, timeout=10_000):
        view.refresh()


def test_enrol_push_then_offline(
    book: Book,
    hamlet_id: str,
    sync_server: ServerProcess,  # noqa: F811 - the fixture imported above
    qtbot: Any,
) -> None:
    add_household(book, hamlet_id, "1")
    view = SyncView(book)
    qtbot.addWidget(view)
    view.resize(1000, 650)
    view.show()
    refreshed(view, qtbot)
    assert view.enrol_box.isVisible()
    assert view.server_label.text() == "chưa đặt"
    assert view.last_sync_label.text() == "chưa đồng bộ lần nào"
    assert not view.sync_button.isEnabled()
    assert view.status is not None and view.status.pending > 0

    view.enroll()  # nothing typed: explained at the fields
    assert view.server_error.text() == "Hãy nhập địa chỉ máy chủ."
    assert view.code_error.text() == "Hãy nhập mã đăng ký."

    view.server_url.setText(sync_server.url)
    view.enrol_code.setText("SAI-MA-DANG-KY")
    view.enrol_button.click()
    qtbot.waitUntil(lambda: not view._busy, timeout=20_000)
    assert view.code_error.text()  # the server's Vietnamese reason
    assert view.server_url.text() == sync_server.url  # kept

    view.enrol_code.setText(sync_server.issue_enrollment_code("12345"))
    view.enrol_button.click()
    qtbot.waitUntil(lambda: view.status is not None and view.status.enrolled, timeout=20_000)
    assert not view.enrol_box.isVisible()
    assert view.sync_button.isEnabled()
    assert view.server_label.text() == sync_server.url

    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.sync_button.click()
    outcome = synced.args[0]
    assert not outcome.offline and outcome.applied > 0
    assert view.outcome.text() == outcome.message_vi
    qtbot.waitUntil(lambda: view.status is not None and view.status.pending == 0, timeout=10_000)
    assert view.last_sync_label.text() != "chưa đồng bộ lần nào"

    sync_server.stop()
    add_household(book, hamlet_id, "2")
    refreshed(view, qtbot)
    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.sync_button.click()
    assert synced.args[0].offline
    assert view.outcome.text() == OFFLINE_MESSAGE
    assert view.outcome.objectName() == "calmLabel"  # calm, not an error
    qtbot.waitUntil(lambda: view.status is not None and view.status.pending > 0, timeout=10_000)


def test_dates_are_shown_day_first() -> None:
    from datetime import datetime

    assert format_datetime(datetime(2026, 3, 5, 14, 7)) == "05/03/2026 14:07"
    assert format_datetime(None) == ""
