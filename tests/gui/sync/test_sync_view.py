"""The sync area against the real server on 127.0.0.1: enrol, sync, conflicts, refusals, files."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt

from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.models import Person
from desktop.core.sync_service import (
    ConflictSummary,
    SyncErrorRow,
    SyncService,
    TableStatus,
)
from desktop.ui.sync.conflict_dialog import ConflictDialog
from desktop.ui.sync.models import ConflictModel, SyncErrorModel, TableStatusModel
from desktop.ui.sync.view import OFFLINE_MESSAGE, SyncView, format_datetime
from sync.protocol import SYNC_TABLES
from sync.retry import RetryPolicy
from sync.server.services import transfer as server_transfer
from tests.gui.conftest import wait_for_ops
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import new_book

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)


def add_household(book: Book, hamlet_id: str, number: str) -> None:
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name="Nguyễn Văn Hộ",
            children=[ChildForm(f"Nguyễn Văn An {number}", date(2020, 1, 1), 1)],
        )
    )


def fast_service(book: Book) -> SyncService:
    return SyncService(book, retry=FAST)


def refreshed(view: SyncView, qtbot: Any) -> None:
    with qtbot.waitSignal(view.pending_changed, timeout=10_000):
        view.refresh()
    wait_for_ops(qtbot)


def make_view(book: Book, qtbot: Any) -> SyncView:
    view = SyncView(book, service_factory=fast_service)
    qtbot.addWidget(view)
    view.resize(1180, 680)
    view.show()
    refreshed(view, qtbot)
    return view


def select_first(table: Any) -> None:
    table.selectionModel().select(
        table.model().index(0, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
    )


# -- models, view-free --------------------------------------------------------------------------

NOW = datetime(2026, 3, 5, 7, 7, tzinfo=UTC)


def test_models_show_plain_rows(qtmodeltester: Any) -> None:
    tables = TableStatusModel()
    tables.set_rows([TableStatus("persons", "Nhân khẩu, trẻ em", 3, 1, 40)])
    assert tables.rowCount() == 1 and tables.columnCount() == 4
    assert tables.index(0, 0).data() == "Nhân khẩu, trẻ em"
    assert tables.index(0, 1).data() == "3"
    assert tables.headerData(1, Qt.Orientation.Horizontal) == "Chờ gửi"
    qtmodeltester.check(tables)

    conflicts = ConflictModel()
    conflicts.set_rows(
        [ConflictSummary(7, "persons", "Nhân khẩu, trẻ em", "id-1", "Lò Thị Mai", NOW, True, "", 2)]
    )
    assert [conflicts.index(0, c).data() for c in range(5)][:4] == [
        "Lò Thị Mai", "Nhân khẩu, trẻ em", "Cấp trên", "2",
    ]  # fmt: skip
    assert conflicts.row_at(0).id == 7
    qtmodeltester.check(conflicts)

    errors = SyncErrorModel()
    errors.set_rows(
        [SyncErrorRow("households", "Hộ gia đình", "id-2", "Hộ số 4", "Trường 'phone': sai", NOW)]
    )
    assert errors.index(0, 2).data() == "Trường 'phone': sai"
    qtmodeltester.check(errors)
    errors.set_rows([])
    assert errors.rowCount() == 0


def test_dates_are_shown_day_first() -> None:
    # Stored instants are UTC; they are shown on Vietnam's clock.
    assert format_datetime(datetime(2026, 3, 5, 7, 7, tzinfo=UTC)) == "05/03/2026 14:07"
    assert format_datetime(None) == ""


# -- the area against the real server --------------------------------------------------------------


def test_enrol_sync_then_offline(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    qtbot: Any,
) -> None:
    add_household(book, hamlet_id, "1")
    view = make_view(book, qtbot)
    assert view.enrol_box.isVisible()
    assert view.server_label.text() == "chưa đặt"
    assert view.last_sync_label.text() == "chưa đồng bộ lần nào"
    assert not view.sync_button.isEnabled()
    assert view.status is not None and view.status.pending == 3
    assert view.tables_model.rowCount() == len(SYNC_TABLES)  # every synced table, by name
    assert view.tables_model.index(2, 1).data() == "1"  # persons waiting

    view.enroll()  # nothing typed: explained at the fields
    assert view.server_error.text() == "Hãy nhập địa chỉ máy chủ."
    assert view.code_error.text() == "Hãy nhập mã đăng ký."

    view.server_url.setText(live_server.url)
    view.enrol_code.setText("SAI-MA-DANG-KY")
    view.enrol_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)
    assert view.code_error.text()  # the server's Vietnamese reason
    assert view.server_url.text() == live_server.url  # kept

    view.enrol_code.setText(live_server.code())
    view.enrol_button.click()
    qtbot.waitUntil(lambda: view.status is not None and view.status.enrolled, timeout=20_000)
    assert not view.enrol_box.isVisible()
    assert view.sync_button.isEnabled()
    assert view.auto_timer.isActive() and view.auto_timer.interval() == 30 * 60_000

    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.sync_button.click()
        assert view.busy and not view.sync_button.isEnabled()
    outcome = synced.args[0]
    assert not outcome.offline and outcome.applied == 3
    assert view.outcome.text() == outcome.message_vi
    assert "Dung lượng: gửi" in view.outcome_details.text()
    assert view.last_progress is not None and view.last_progress.bytes_sent > 0
    qtbot.waitUntil(lambda: view.status is not None and view.status.pending == 0, timeout=10_000)
    assert view.last_sync_label.text() != "chưa đồng bộ lần nào"

    live_server.stop()
    add_household(book, hamlet_id, "2")
    refreshed(view, qtbot)
    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.sync_button.click()
    assert synced.args[0].offline
    assert view.outcome.text() == OFFLINE_MESSAGE
    assert view.outcome.objectName() == "calmLabel"  # calm, not an error
    wait_for_ops(qtbot)
    # The new household and its child wait, kept for the next time.
    assert view.status is not None and view.status.pending == 2
    assert "kết nối" in view.last_error_label.text()


def test_auto_sync_runs_quietly_and_the_interval_is_saved(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    qtbot: Any,
) -> None:
    add_household(book, hamlet_id, "1")
    SyncService(book).enroll(live_server.url, live_server.code())
    view = make_view(book, qtbot)
    view.auto_combo.setCurrentIndex(view.auto_combo.findData(15))
    view.auto_combo.activated.emit(view.auto_combo.currentIndex())
    qtbot.waitUntil(lambda: view.status is not None and view.status.auto_sync_minutes == 15)
    assert view.auto_timer.interval() == 15 * 60_000
    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.auto_timer.timeout.emit()  # the tick, without waiting 15 minutes
    assert synced.args[0].applied == 3
    wait_for_ops(qtbot)
    view.auto_combo.setCurrentIndex(view.auto_combo.findData(0))
    view.auto_combo.activated.emit(view.auto_combo.currentIndex())
    qtbot.waitUntil(lambda: not view.auto_timer.isActive(), timeout=10_000)


def test_conflict_is_listed_and_resolved_field_by_field(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    qtbot: Any,
    tmp_path: Path,
) -> None:
    add_household(book, hamlet_id, "1")
    here = fast_service(book)
    here.enroll(live_server.url, live_server.code())
    here.sync()
    other = new_book(tmp_path / "may-2")
    try:
        there = fast_service(other)
        there.enroll(live_server.url, live_server.code())
        there.sync()
        with book.read() as session:
            child_id = session.query(Person).one().id
        for target, notes in ((other, "Máy 2 ghi"), (book, "Máy 1 ghi")):
            with target.transaction() as session:
                person = session.get(Person, child_id)
                assert person is not None
                person.notes = notes
        there.sync()
    finally:
        other.close()
    view = make_view(book, qtbot)
    with qtbot.waitSignal(view.synced, timeout=30_000):
        view.sync_button.click()
    wait_for_ops(qtbot)
    assert view.tabs.currentIndex() == 1
    assert view.tabs.tabText(1) == "Xung đột (1)"
    assert view.conflicts_model.rowCount() == 1
    select_first(view.conflicts_view)
    assert view.resolve_button.isEnabled()
    view.resolve_button.click()
    qtbot.waitUntil(lambda: bool(view.findChildren(ConflictDialog)), timeout=10_000)
    dialog = view.findChildren(ConflictDialog)[0]
    assert [row.diff.field for row in dialog.rows] == ["notes"]
    row = dialog.rows[0]
    assert (row.mine.text(), row.theirs.text()) == ("Máy 1 ghi", "Máy 2 ghi")
    dialog.save()  # nothing chosen: said at the field, nothing saved
    assert row.error.text() == "Hãy chọn một giá trị."
    row.edit_choice.setChecked(True)
    row.edit.setText("Cả hai máy đã ghi")
    with qtbot.waitSignal(dialog.resolved, timeout=10_000):
        dialog.save_button.click()
    wait_for_ops(qtbot)
    qtbot.waitUntil(lambda: view.conflicts_model.rowCount() == 0, timeout=10_000)
    with qtbot.waitSignal(view.synced, timeout=30_000) as synced:
        view.sync_button.click()
    assert synced.args[0].applied == 1
    notes = {r["id"]: r for r in live_server.records().values()}
    assert notes[child_id]["data"]["notes"] == "Cả hai máy đã ghi"


def test_refused_rows_are_listed_and_can_be_sent_again(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    qtbot: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from sync.server.services import push as push_service

    add_household(book, hamlet_id, "1")
    real = push_service._validate
    monkeypatch.setattr(
        push_service,
        "_validate",
        lambda raw: [
            (r, None, "Trường 'head_name': cấp trên chưa nhận tên này.")
            if i is not None and i.table == "households"
            else (r, i, p)
            for r, i, p in real(raw)
        ],
    )
    SyncService(book).enroll(live_server.url, live_server.code())
    view = make_view(book, qtbot)
    with qtbot.waitSignal(view.synced, timeout=30_000):
        view.sync_button.click()
    wait_for_ops(qtbot)
    assert view.tabs.tabText(2) == "Lỗi đồng bộ (1)"
    assert view.errors_model.index(0, 2).data() == "Trường 'head_name': cấp trên chưa nhận tên này."
    monkeypatch.setattr(push_service, "_validate", real)
    select_first(view.errors_view)
    view.retry_button.click()
    qtbot.waitUntil(lambda: view.errors_model.rowCount() == 0, timeout=10_000)
    qtbot.waitUntil(lambda: view.status is not None and view.status.pending == 1, timeout=10_000)


def test_transfer_file_round_trip_from_the_area(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    qtbot: Any,
    tmp_path: Path,
) -> None:
    add_household(book, hamlet_id, "1")
    SyncService(book).enroll(live_server.url, live_server.code())
    view = make_view(book, qtbot)
    target = tmp_path / "gui-xa.sotreem"
    with qtbot.waitSignal(view.transferred, timeout=20_000) as done:
        view.export_to(target)
    assert done.args[0].items == 3 and target.exists()
    assert "Đã ghi 3 thay đổi" in view.outcome.text()
    sealed, _answer = server_transfer.import_request(live_server.sessions, target.read_bytes())
    answer = tmp_path / "gui-xa.tra-loi"
    answer.write_bytes(sealed)
    with qtbot.waitSignal(view.transferred, timeout=20_000) as done:
        view.import_from(answer)
    assert done.args[0].applied == 3
    qtbot.waitUntil(lambda: view.status is not None and view.status.pending == 0, timeout=10_000)
    bad = tmp_path / "khac.tra-loi"
    bad.write_bytes(b"khong phai tep")
    view.import_from(bad)
    qtbot.waitUntil(lambda: view.outcome.objectName() == "problemSummary", timeout=10_000)
    assert "không phải tệp chuyển dữ liệu" in view.outcome.text()


def test_enrol_from_a_file_with_no_connection_then_add_the_address(
    book: Book, hamlet_id: str, live_server: LiveServer, qtbot: Any, tmp_path: Path
) -> None:
    from sync.server.services import enrollment

    add_household(book, hamlet_id, "1")
    sealed, code, _device = enrollment.register_offline(live_server.sessions, "12345", "Máy xã")
    enrol_file = tmp_path / "may-xa.dangky"
    enrol_file.write_bytes(sealed)
    view = make_view(book, qtbot)
    assert view.enrol_box.isVisible() and not view.url_box.isVisible()

    view.enroll_from_file()  # nothing chosen: explained at the field
    assert view.file_error.text() == "Hãy chọn tệp đăng ký do cấp trên gửi."
    view.enrol_file.setText(str(enrol_file))
    view.file_code.setText("AAAA-BBBB-CCCC-DDDD-EEEE")
    view.file_code_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)
    wait_for_ops(qtbot)
    assert "Mã mở tệp không đúng" in view.file_error.text()
    assert view.file_code.text() == "AAAA-BBBB-CCCC-DDDD-EEEE"  # what was typed stays

    view.file_code.setText(code.lower())
    view.file_code_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)
    refreshed(view, qtbot)
    assert "Đã đăng ký máy này bằng tệp (máy “Máy xã”)" in view.outcome.text()
    assert not view.enrol_box.isVisible() and view.url_box.isVisible()
    assert view.enrolled_label.text() == "đã đăng ký"
    # No server address yet: files only, no online sync and no automatic one.
    assert not view.sync_button.isEnabled()
    assert view.export_button.isEnabled() and view.import_button.isEnabled()

    view.later_url.setText("không phải địa chỉ")
    view.later_url_button.click()
    qtbot.waitUntil(lambda: bool(view.later_url_error.text()), timeout=10_000)
    view.later_url.setText(live_server.url)
    view.later_url_button.click()
    qtbot.waitUntil(lambda: not view.url_box.isVisible(), timeout=10_000)
    wait_for_ops(qtbot)
    assert view.sync_button.isEnabled()
    view.sync_button.click()
    qtbot.waitUntil(lambda: not view.busy, timeout=20_000)
    wait_for_ops(qtbot)
    assert live_server.records()  # the book's rows reached the server online
