"""The "Đồng bộ" area: enrol this PC, sync (push then pull), conflicts, refusals, transfer files.

Being offline is normal at a commune: it is reported calmly, never as an error, and nothing
waiting to be sent is lost. Sync runs on the network thread and never blocks work; it can
also run by itself every N minutes (a QTimer here, through the same ops helper).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import format_size
from desktop.core.services.book import Book
from desktop.core.sync_service import (
    AUTO_SYNC_CHOICES,
    ConflictDetail,
    SyncOutcome,
    SyncProgress,
    SyncService,
    SyncStatus,
)
from desktop.core.sync_service.transfer import ExportOutcome, ImportOutcome, TransferService
from desktop.ui import messages
from desktop.ui.changes import Change, announce
from desktop.ui.ops import Pool, run_op
from desktop.ui.sync.conflict_dialog import ConflictDialog
from desktop.ui.sync.models import (
    ConflictModel,
    SyncErrorModel,
    TableStatusModel,
    format_datetime,
)
from desktop.ui.widgets import ErrorLabel, set_invalid

log = logging.getLogger(__name__)

OFFLINE_MESSAGE = "Chưa kết nối được máy chủ. Dữ liệu vẫn được giữ để gửi lần sau."
TRANSFER_FILTER = "Tệp chuyển dữ liệu Sổ Trẻ Em (*.sotreem *.tra-loi);;Mọi tệp (*)"
CA_FILTER = "Chứng chỉ CA (*.pem *.crt *.cer);;Mọi tệp (*)"
ENROLL_FILTER = "Tệp đăng ký máy (*.dangky);;Mọi tệp (*)"

SyncServiceFactory = Callable[[Book], "SyncService | None"]

__all__ = [
    "OFFLINE_MESSAGE",
    "SyncServiceFactory",
    "SyncView",
    "default_sync_service",
    "format_datetime",
]


def default_sync_service(book: Book) -> SyncService | None:
    """The core SyncService for ``book``."""
    return SyncService(book)


class _ProgressBridge(QObject):
    """Carries progress from the network thread to the GUI thread (queued signal)."""

    moved = Signal(object)


def _table(model: Any) -> QTableView:
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    return view


class SyncView(QWidget):
    """Status, the big "Đồng bộ" button, conflicts, refusals, and the transfer file."""

    pending_changed = Signal(int)
    synced = Signal(object)  # the SyncOutcome
    transferred = Signal(object)  # an ExportOutcome or ImportOutcome

    def __init__(
        self,
        book: Book,
        parent: QWidget | None = None,
        *,
        service_factory: SyncServiceFactory = default_sync_service,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._service = service_factory(book)
        self._busy = False
        self.status: SyncStatus | None = None
        self.last_progress: SyncProgress | None = None
        self._bridge = _ProgressBridge()
        self._bridge.moved.connect(self._show_progress)

        title = QLabel(self.tr("Đồng bộ với cấp trên"))
        title.setObjectName("pageTitle")
        intro = QLabel(
            self.tr(
                "Mọi thay đổi được lưu ngay trên máy này. Khi có mạng, bấm “Đồng bộ” để gửi lên "
                "máy chủ cấp trên rồi nhận thay đổi về. Mất mạng giữa chừng cũng không mất dữ "
                "liệu; vẫn làm việc bình thường trong lúc đồng bộ."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("hintLabel")

        # -- the button, progress and outcome --
        self.sync_button = QPushButton(self.tr("Đồng bộ"))
        self.sync_button.setObjectName("bigButton")
        self.sync_button.setEnabled(False)
        self.sync_hint = QLabel(self.tr("Đăng ký máy này với cấp trên trước khi đồng bộ."))
        self.sync_hint.setObjectName("hintLabel")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.setFormat("%v / %m")
        self.progress.hide()
        self.progress_label = QLabel()
        self.progress_label.setObjectName("hintLabel")
        self.progress_label.hide()
        self.outcome = QLabel()
        self.outcome.setObjectName("calmLabel")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self.outcome_details = QLabel()
        self.outcome_details.setObjectName("hintLabel")
        self.outcome_details.setWordWrap(True)
        self.outcome_details.hide()
        push_line = QHBoxLayout()
        push_line.addWidget(self.sync_button)
        push_line.addSpacing(12)
        progress_box = QVBoxLayout()
        progress_box.addWidget(self.sync_hint)
        progress_box.addWidget(self.progress)
        progress_box.addWidget(self.progress_label)
        push_line.addLayout(progress_box, 1)

        self.unavailable = QLabel(
            self.tr(
                "Bản cài đặt này chưa có phần đồng bộ. Dữ liệu vẫn được lưu đầy đủ trên máy; "
                "hãy cập nhật Sổ Trẻ Em để gửi lên cấp trên."
            )
        )
        self.unavailable.setObjectName("calmLabel")
        self.unavailable.setWordWrap(True)
        self.unavailable.setVisible(self._service is None)

        # -- enrolment --
        self.enrol_box = QGroupBox(self.tr("Đăng ký máy này với cấp trên"))
        self.server_url = QLineEdit()
        self.server_url.setPlaceholderText(self.tr("ví dụ: https://treem.thanhhoa.gov.vn"))
        self.enrol_code = QLineEdit()
        self.enrol_code.setPlaceholderText(self.tr("mã dùng một lần do cấp trên cấp"))
        self.server_error = ErrorLabel()
        self.code_error = ErrorLabel()
        self.enrol_button = QPushButton(self.tr("Đăng ký máy này"))
        self.enrol_button.setObjectName("primary")
        enrol_hint = QLabel(
            self.tr("Hỏi cán bộ cấp trên địa chỉ máy chủ và mã đăng ký (mỗi mã dùng một lần).")
        )
        enrol_hint.setObjectName("hintLabel")
        enrol_hint.setWordWrap(True)
        enrol_form = QFormLayout(self.enrol_box)
        enrol_form.addRow(enrol_hint)
        enrol_form.addRow(self.tr("Địa chỉ máy chủ:"), self.server_url)
        enrol_form.addRow("", self.server_error)
        enrol_form.addRow(self.tr("Mã đăng ký:"), self.enrol_code)
        enrol_form.addRow("", self.code_error)
        enrol_buttons = QHBoxLayout()
        enrol_buttons.addWidget(self.enrol_button)
        enrol_buttons.addStretch(1)
        enrol_form.addRow("", enrol_buttons)
        # A commune with no connection at all: upstream sends a file, and reads its code aloud.
        file_hint = QLabel(
            self.tr(
                "Xã không có mạng: cấp trên gửi một tệp đăng ký (USB, Zalo) và đọc mã mở tệp "
                "qua điện thoại."
            )
        )
        file_hint.setObjectName("hintLabel")
        file_hint.setWordWrap(True)
        enrol_form.addRow(file_hint)
        self.enrol_file = QLineEdit()
        self.enrol_file.setReadOnly(True)
        self.enrol_file.setPlaceholderText(self.tr("chưa chọn tệp"))
        self.enrol_file_button = QPushButton(self.tr("Chọn tệp…"))
        file_line = QHBoxLayout()
        file_line.addWidget(self.enrol_file, 1)
        file_line.addWidget(self.enrol_file_button)
        enrol_form.addRow(self.tr("Tệp đăng ký:"), file_line)
        self.file_code = QLineEdit()
        self.file_code.setPlaceholderText(self.tr("20 ký tự, ví dụ K7QM-2XBD-9PRT-4WHA-MN3C"))
        self.file_code_button = QPushButton(self.tr("Đăng ký bằng tệp"))
        code_line = QHBoxLayout()
        code_line.addWidget(self.file_code, 1)
        code_line.addWidget(self.file_code_button)
        enrol_form.addRow(self.tr("Mã mở tệp:"), code_line)
        self.file_error = ErrorLabel()
        enrol_form.addRow("", self.file_error)
        self.enrol_box.hide()

        # -- enrolled from a file, no server address yet --
        self.url_box = QGroupBox(self.tr("Địa chỉ máy chủ (khi xã có mạng)"))
        self.later_url = QLineEdit()
        self.later_url.setPlaceholderText(self.tr("ví dụ: https://treem.thanhhoa.gov.vn"))
        self.later_url_button = QPushButton(self.tr("Lưu địa chỉ"))
        self.later_url_error = ErrorLabel()
        url_hint = QLabel(
            self.tr(
                "Máy này đã đăng ký bằng tệp: gửi dữ liệu bằng “Xuất tệp gửi cấp trên…” ở thẻ "
                "“Không có mạng”. Khi có mạng, nhập địa chỉ máy chủ để đồng bộ trực tiếp."
            )
        )
        url_hint.setObjectName("hintLabel")
        url_hint.setWordWrap(True)
        url_form = QFormLayout(self.url_box)
        url_form.addRow(url_hint)
        url_line = QHBoxLayout()
        url_line.addWidget(self.later_url, 1)
        url_line.addWidget(self.later_url_button)
        url_form.addRow(self.tr("Địa chỉ máy chủ:"), url_line)
        url_form.addRow("", self.later_url_error)
        self.url_box.hide()

        # -- tab: status --
        self.server_label = QLabel()
        self.enrolled_label = QLabel()
        self.pending_label = QLabel()
        self.errors_label = QLabel()
        self.last_sync_label = QLabel()
        self.last_error_label = QLabel()
        self.last_error_label.setWordWrap(True)
        for label in (self.server_label, self.pending_label, self.last_sync_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.auto_combo = QComboBox()
        for minutes in AUTO_SYNC_CHOICES:
            text = (
                self.tr("Tắt (chỉ khi bấm nút)")
                if minutes == 0
                else self.tr("Mỗi {m} phút khi có mạng").format(m=minutes)
            )
            self.auto_combo.addItem(text, minutes)
        status_tab = QWidget()
        status_form = QFormLayout()
        status_form.addRow(self.tr("Máy chủ cấp trên:"), self.server_label)
        status_form.addRow(self.tr("Máy này:"), self.enrolled_label)
        status_form.addRow(self.tr("Đang chờ gửi:"), self.pending_label)
        status_form.addRow(self.tr("Xung đột, bị từ chối:"), self.errors_label)
        status_form.addRow(self.tr("Lần đồng bộ thành công gần nhất:"), self.last_sync_label)
        status_form.addRow(self.tr("Lần thử gần nhất:"), self.last_error_label)
        status_form.addRow(self.tr("Tự đồng bộ:"), self.auto_combo)
        self.tables_model = TableStatusModel(self)
        self.tables_view = _table(self.tables_model)
        status_layout = QHBoxLayout(status_tab)
        status_layout.addLayout(status_form, 3)
        status_layout.addWidget(self.tables_view, 4)

        # -- tab: conflicts --
        self.conflicts_model = ConflictModel(self)
        self.conflicts_view = _table(self.conflicts_model)
        self.resolve_button = QPushButton(self.tr("So sánh và chọn…"))
        self.resolve_button.setObjectName("primary")
        self.resolve_button.setEnabled(False)
        conflicts_hint = QLabel(
            self.tr(
                "Bản ghi được sửa cả ở máy này và ở nơi khác. Không bên nào bị ghi đè: hãy so "
                "sánh và chọn giá trị đúng cho từng trường."
            )
        )
        conflicts_hint.setObjectName("hintLabel")
        conflicts_hint.setWordWrap(True)
        conflicts_tab = QWidget()
        conflicts_layout = QVBoxLayout(conflicts_tab)
        conflicts_layout.addWidget(conflicts_hint)
        conflicts_layout.addWidget(self.conflicts_view, 1)
        conflicts_layout.addLayout(_buttons(self.resolve_button))

        # -- tab: refusals --
        self.errors_model = SyncErrorModel(self)
        self.errors_view = _table(self.errors_model)
        self.retry_button = QPushButton(self.tr("Gửi lại bản ghi này"))
        self.retry_button.setEnabled(False)
        errors_hint = QLabel(
            self.tr(
                "Máy chủ không nhận các bản ghi này, vì lý do ghi ở cột bên phải. Chúng không "
                "được gửi lại cho tới khi được sửa; sửa xong, lần đồng bộ sau sẽ gửi."
            )
        )
        errors_hint.setObjectName("hintLabel")
        errors_hint.setWordWrap(True)
        errors_tab = QWidget()
        errors_layout = QVBoxLayout(errors_tab)
        errors_layout.addWidget(errors_hint)
        errors_layout.addWidget(self.errors_view, 1)
        errors_layout.addLayout(_buttons(self.retry_button))

        # -- tab: no connection --
        self.export_button = QPushButton(self.tr("Xuất tệp gửi cấp trên…"))
        self.import_button = QPushButton(self.tr("Nhập tệp trả lời…"))
        self.ca_button = QPushButton(self.tr("Chứng chỉ của máy chủ…"))
        self.ca_label = QLabel()
        self.ca_label.setObjectName("hintLabel")
        offline_hint = QLabel(
            self.tr(
                "Xã không có mạng: xuất các thay đổi ra một tệp đã mã hóa, chép vào USB hoặc gửi "
                "qua Zalo cho cấp trên. Cấp trên nhập tệp và gửi lại tệp trả lời; nhập tệp trả "
                "lời ở đây để hoàn tất. Nhập một tệp hai lần cũng không sao."
            )
        )
        offline_hint.setObjectName("hintLabel")
        offline_hint.setWordWrap(True)
        offline_tab = QWidget()
        offline_layout = QVBoxLayout(offline_tab)
        offline_layout.addWidget(offline_hint)
        offline_layout.addLayout(_buttons(self.export_button, self.import_button))
        offline_layout.addSpacing(12)
        ca_hint = QLabel(
            self.tr(
                "Nếu máy chủ cấp trên dùng chứng chỉ bảo mật riêng (không phải của tổ chức cấp "
                "chứng chỉ công cộng), hãy chọn tệp chứng chỉ CA do cấp trên gửi."
            )
        )
        ca_hint.setObjectName("hintLabel")
        ca_hint.setWordWrap(True)
        offline_layout.addWidget(ca_hint)
        offline_layout.addLayout(_buttons(self.ca_button, self.ca_label))
        offline_layout.addStretch(1)

        self.tabs = QTabWidget()
        self.tabs.addTab(status_tab, self.tr("Tình trạng"))
        self.tabs.addTab(conflicts_tab, self.tr("Xung đột"))
        self.tabs.addTab(errors_tab, self.tr("Lỗi đồng bộ"))
        self.tabs.addTab(offline_tab, self.tr("Không có mạng"))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.unavailable)
        layout.addWidget(self.enrol_box)
        layout.addWidget(self.url_box)
        layout.addLayout(push_line)
        layout.addWidget(self.outcome)
        layout.addWidget(self.outcome_details)
        layout.addWidget(self.tabs, 1)

        self.auto_timer = QTimer(self)
        self.auto_timer.setSingleShot(False)
        self.auto_timer.timeout.connect(self.auto_sync)

        self.enrol_button.clicked.connect(self.enroll)
        self.enrol_code.returnPressed.connect(self.enroll)
        self.sync_button.clicked.connect(self.push)
        self.server_url.textEdited.connect(lambda _t: self._show_enrol_problem("", ""))
        self.enrol_code.textEdited.connect(lambda _t: self._show_enrol_problem("", ""))
        self.enrol_file_button.clicked.connect(self._choose_enroll_file)
        self.file_code_button.clicked.connect(self.enroll_from_file)
        self.file_code.returnPressed.connect(self.enroll_from_file)
        self.file_code.textEdited.connect(lambda _t: self._show_file_problem(""))
        self.later_url_button.clicked.connect(self.save_server_url)
        self.later_url.returnPressed.connect(self.save_server_url)
        self.later_url.textEdited.connect(lambda _t: self.later_url_error.show_message(""))
        self.auto_combo.activated.connect(self._auto_chosen)
        self.resolve_button.clicked.connect(self.resolve_selected)
        self.conflicts_view.doubleClicked.connect(lambda _i: self.resolve_selected())
        self.retry_button.clicked.connect(self.retry_selected)
        self.conflicts_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.errors_view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.export_button.clicked.connect(self._choose_export)
        self.import_button.clicked.connect(self._choose_import)
        self.ca_button.clicked.connect(self._choose_ca)
        self._show_status(None)

    @property
    def service(self) -> SyncService | None:
        """The sync service (None when this build has none)."""
        return self._service

    @property
    def available(self) -> bool:
        """False when this build has no sync service."""
        return self._service is not None

    @property
    def busy(self) -> bool:
        """True while a sync, enrolment or transfer runs."""
        return self._busy

    # -- status ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the sync status, conflicts and refusals in the background."""
        service = self._service
        if service is None:
            return

        def read() -> tuple[SyncStatus, list[Any], list[Any]]:
            status = service.status()
            allowed = self._book.user.may(Action.SYNC)
            return (
                status,
                service.conflicts() if allowed else [],
                service.sync_errors() if allowed else [],
            )

        run_op(self, read, success=self._show_everything)

    def _show_everything(self, found: tuple[SyncStatus, list[Any], list[Any]]) -> None:
        status, conflicts, errors = found
        self.conflicts_model.set_rows(conflicts)
        self.errors_model.set_rows(errors)
        self.tabs.setTabText(1, self.tr("Xung đột ({n})").format(n=len(conflicts)))
        self.tabs.setTabText(2, self.tr("Lỗi đồng bộ ({n})").format(n=len(errors)))
        self._selection_changed()
        self._show_status(status)

    def _show_status(self, status: SyncStatus | None) -> None:
        self.status = status
        if status is None:
            for label in (
                self.server_label,
                self.enrolled_label,
                self.pending_label,
                self.errors_label,
                self.last_sync_label,
                self.last_error_label,
            ):
                label.setText("—")
            self.sync_button.setEnabled(False)
            self.sync_hint.hide()
            self._enable_transfer(False)
            return
        self.server_label.setText(status.server_url or self.tr("chưa đặt"))
        self.enrolled_label.setText(
            self.tr("đã đăng ký") if status.enrolled else self.tr("chưa đăng ký")
        )
        waiting = self.tr("{n} thay đổi").format(n=status.pending)
        if status.in_flight:
            waiting += self.tr(" (trong đó {n} đang gửi dở, sẽ gửi tiếp)").format(
                n=status.in_flight
            )
        self.pending_label.setText(waiting)
        self.errors_label.setText(
            self.tr("{c} xung đột, {e} bị từ chối").format(c=status.conflicts, e=status.errors)
        )
        self.last_sync_label.setText(
            format_datetime(status.last_sync_at) or self.tr("chưa đồng bộ lần nào")
        )
        self.last_error_label.setText(status.last_error or self.tr("không có lỗi"))
        self.tables_model.set_rows(status.tables)
        index = self.auto_combo.findData(status.auto_sync_minutes)
        if index >= 0:
            self.auto_combo.setCurrentIndex(index)
        self.ca_label.setText(
            self.tr("Đang dùng chứng chỉ CA riêng của cấp trên.")
            if status.has_ca_bundle
            else self.tr("Đang dùng chứng chỉ của hệ thống.")
        )
        online = status.enrolled and bool(status.server_url)
        self.enrol_box.setVisible(not status.enrolled)
        self.url_box.setVisible(status.enrolled and not status.server_url)
        if not status.enrolled and not self.server_url.text() and status.server_url:
            self.server_url.setText(status.server_url)
        self.sync_button.setEnabled(online and not self._busy)
        self.sync_hint.setVisible(not status.enrolled)
        self._enable_transfer(status.enrolled and not self._busy)
        self._arm_timer(status)
        self.pending_changed.emit(status.pending)

    def _enable_transfer(self, enabled: bool) -> None:
        self.export_button.setEnabled(enabled)
        self.import_button.setEnabled(enabled)

    def _selection_changed(self, *_args: object) -> None:
        self.resolve_button.setEnabled(
            not self._busy and bool(self.conflicts_view.selectionModel().selectedRows())
        )
        self.retry_button.setEnabled(
            not self._busy and bool(self.errors_view.selectionModel().selectedRows())
        )

    # -- automatic sync --------------------------------------------------------------------

    def _arm_timer(self, status: SyncStatus) -> None:
        # A book enrolled from a file with no server address has nowhere to sync to.
        minutes = status.auto_sync_minutes if status.enrolled and status.server_url else 0
        if minutes <= 0:
            self.auto_timer.stop()
            return
        interval = minutes * 60_000
        if not self.auto_timer.isActive() or self.auto_timer.interval() != interval:
            self.auto_timer.start(interval)

    def auto_sync(self) -> None:
        """The timer's tick: sync quietly in the background unless something else runs."""
        if self._busy or self.status is None or not self.status.enrolled:
            return
        if not self.status.server_url:
            return
        log.info("Automatic sync")
        self._start_sync(quiet=True)

    def _auto_chosen(self, _index: int) -> None:
        service = self._service
        minutes = self.auto_combo.currentData()
        if service is None or not isinstance(minutes, int):
            return
        run_op(
            self,
            lambda: service.set_auto_sync(minutes),
            success=lambda _none: self.refresh(),
        )

    # -- enrolment ------------------------------------------------------------------------

    def _show_enrol_problem(self, server: str, code: str) -> None:
        self.server_error.show_message(server)
        set_invalid(self.server_url, server or None)
        self.code_error.show_message(code)
        set_invalid(self.enrol_code, code or None)

    def enroll(self) -> None:
        """Enrol this PC with the typed server address and one-time code."""
        service = self._service
        if service is None or self._busy:
            return
        url, code = self.server_url.text().strip(), self.enrol_code.text().strip()
        missing_url = self.tr("Hãy nhập địa chỉ máy chủ.") if not url else ""
        missing_code = self.tr("Hãy nhập mã đăng ký.") if not code else ""
        if missing_url or missing_code:
            self._show_enrol_problem(missing_url, missing_code)
            return
        self._busy = True
        self.enrol_button.setEnabled(False)
        run_op(
            self,
            lambda: service.enroll(url, code),
            success=self._enrolled,
            failure=self._enrol_failed,
            pool=Pool.NETWORK,
            label=self.tr("Đang đăng ký với máy chủ…"),
        )

    def _choose_enroll_file(self) -> None:
        dialog = self._file_dialog(self.tr("Chọn tệp đăng ký máy"), False, self.tr(ENROLL_FILTER))
        dialog.fileSelected.connect(self.enrol_file.setText)
        dialog.open()

    def _show_file_problem(self, message: str) -> None:
        self.file_error.show_message(message)
        set_invalid(self.file_code, message or None)

    def enroll_from_file(self) -> None:
        """Enrol this PC from the chosen enrolment file and its opening code (no network)."""
        service = self._service
        if service is None or self._busy:
            return
        name, code = self.enrol_file.text().strip(), self.file_code.text().strip()
        if not name:
            self._show_file_problem(self.tr("Hãy chọn tệp đăng ký do cấp trên gửi."))
            return
        if not code:
            self._show_file_problem(self.tr("Hãy nhập mã mở tệp do cấp trên đọc cho."))
            return
        self._busy = True
        self.file_code_button.setEnabled(False)
        run_op(
            self,
            lambda: service.enroll_from_file(Path(name), code),
            success=self._enrolled_from_file,
            failure=self._enrol_file_failed,
            label=self.tr("Đang mở tệp đăng ký…"),
        )

    def _enrolled_from_file(self, device_name: object) -> None:
        self._busy = False
        self.file_code_button.setEnabled(True)
        self.file_code.clear()
        self.enrol_file.clear()
        self._show_outcome(
            self.tr("Đã đăng ký máy này bằng tệp (máy “{name}”). Gửi dữ liệu cho cấp trên bằng "
                    "“Xuất tệp gửi cấp trên…” ở thẻ “Không có mạng”.").format(name=device_name),
            "",
        )  # fmt: skip
        self.refresh()

    def _enrol_file_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.file_code_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self._show_file_problem("\n".join(p.message for p in exc.problems))
            return
        messages.show_exception(self, exc)

    def save_server_url(self) -> None:
        """Give a book enrolled from a file the server's address."""
        service = self._service
        url = self.later_url.text().strip()
        if service is None or self._busy:
            return
        if not url:
            self.later_url_error.show_message(self.tr("Hãy nhập địa chỉ máy chủ."))
            return

        def saved(_url: object) -> None:
            self.later_url.clear()
            self._show_outcome(self.tr("Đã lưu địa chỉ máy chủ. Có thể đồng bộ khi có mạng."), "")
            self.refresh()

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                self.later_url_error.show_message("\n".join(p.message for p in exc.problems))
                return
            messages.show_exception(self, exc)

        run_op(self, lambda: service.set_server_url(url), success=saved, failure=failed)

    def _enrolled(self, _none: object) -> None:
        self._busy = False
        self.enrol_button.setEnabled(True)
        self.enrol_code.clear()
        self._show_outcome(self.tr("Đã đăng ký máy này với cấp trên. Có thể đồng bộ."), "")
        self.refresh()

    def _enrol_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.enrol_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            server = [p.message for p in exc.problems if "url" in p.field or "server" in p.field]
            other = [p.message for p in exc.problems if p.message not in server]
            self._show_enrol_problem("\n".join(server), "\n".join(other))
            return
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str) and message:
            self._show_enrol_problem("", message)
            return
        messages.show_exception(self, exc)

    # -- sync -----------------------------------------------------------------------------

    def push(self) -> None:
        """Send the waiting changes, then receive upstream's (network thread, never blocks)."""
        self._start_sync(quiet=False)

    def _start_sync(self, *, quiet: bool) -> None:
        service = self._service
        if service is None or self._busy:
            return
        self._busy = True
        self.sync_button.setEnabled(False)
        self._enable_transfer(False)
        self._selection_changed()
        if not quiet:
            self.outcome.hide()
            self.outcome_details.hide()
        self.progress.setRange(0, 0)
        self.progress.show()
        self.progress_label.setText(self.tr("Đang kết nối máy chủ…"))
        self.progress_label.show()
        bridge = self._bridge
        run_op(
            self,
            lambda: service.sync(progress=bridge.moved.emit),
            success=self._pushed,
            failure=self._push_failed,
            pool=Pool.NETWORK,
        )

    def _show_progress(self, progress: object) -> None:
        if not isinstance(progress, SyncProgress) or not self._busy:
            return
        self.last_progress = progress
        self.progress.setRange(0, max(progress.items_total, 1))
        self.progress.setValue(min(progress.items_done, max(progress.items_total, 1)))
        what = self.tr("Đang gửi") if progress.phase == "push" else self.tr("Đang nhận")
        self.progress_label.setText(
            self.tr("{what}: {done}/{total} bản ghi · đã gửi {up}, đã nhận {down}").format(
                what=what,
                done=progress.items_done,
                total=progress.items_total,
                up=format_size(progress.bytes_sent),
                down=format_size(progress.bytes_received),
            )
        )

    def _finish_busy(self) -> None:
        self._busy = False
        self.progress.hide()
        self.progress_label.hide()

    def _pushed(self, outcome: SyncOutcome) -> None:
        self._finish_busy()
        if outcome.offline:
            self._show_outcome(self.tr(OFFLINE_MESSAGE), "")
        elif outcome.failed:
            self._show_outcome(outcome.message_vi, "", problem=True)
        else:
            details = self.tr(
                "Đã gửi {sent}: máy chủ nhận {applied}, trùng {dup}, xung đột {conf}, "
                "từ chối {rej}. Đã nhận về {recv}. Còn chờ gửi: {rem}. "
                "Dung lượng: gửi {up}, nhận {down}."
            ).format(
                sent=outcome.sent,
                applied=outcome.applied,
                dup=outcome.duplicates,
                conf=outcome.conflicts,
                rej=outcome.rejected,
                recv=outcome.received,
                rem=outcome.remaining,
                up=format_size(outcome.bytes_sent),
                down=format_size(outcome.bytes_received),
            )
            self._show_outcome(outcome.message_vi, details)
            if outcome.conflicts:
                self.tabs.setCurrentIndex(1)
            elif outcome.rejected:
                self.tabs.setCurrentIndex(2)
        self.synced.emit(outcome)
        announce(Change.SYNC, Change.BOOK)  # rows received from upstream show everywhere
        self.refresh()

    def _push_failed(self, exc: BaseException) -> None:
        self._finish_busy()
        self.refresh()
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str) and message:
            self._show_outcome(message, "", problem=True)
        else:
            messages.show_exception(self, exc)

    def _show_outcome(self, message: str, details: str, *, problem: bool = False) -> None:
        # Offline and success are calm (blue); a refusal by the server is a problem (red).
        self.outcome.setObjectName("problemSummary" if problem else "calmLabel")
        self.outcome.style().unpolish(self.outcome)
        self.outcome.style().polish(self.outcome)
        self.outcome.setText(message)
        self.outcome.setVisible(bool(message))
        self.outcome_details.setText(details)
        self.outcome_details.setVisible(bool(details))

    # -- conflicts and refusals ------------------------------------------------------------

    def _selected(self, view: QTableView) -> int | None:
        rows = view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def resolve_selected(self) -> None:
        """Open the field-by-field dialog for the selected conflict."""
        service = self._service
        row = self._selected(self.conflicts_view)
        if service is None or row is None:
            return
        conflict_id = self.conflicts_model.row_at(row).id
        run_op(self, lambda: service.conflict(conflict_id), success=self.open_conflict)

    def open_conflict(self, detail: ConflictDetail) -> ConflictDialog | None:
        """Show the resolution dialog (non-blocking) for ``detail``."""
        service = self._service
        if service is None:
            return None
        dialog = ConflictDialog(service, detail, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.resolved.connect(lambda _id: self._resolved())
        dialog.open()
        return dialog

    def _resolved(self) -> None:
        self._show_outcome(
            self.tr("Đã lưu lựa chọn. Lần đồng bộ sau sẽ gửi bản đã chọn lên máy chủ."), ""
        )
        self.refresh()

    def retry_selected(self) -> None:
        """Queue the selected refused row again, as it is."""
        service = self._service
        row = self._selected(self.errors_view)
        if service is None or row is None:
            return
        refused = self.errors_model.row_at(row)
        run_op(
            self,
            lambda: service.retry_refused(refused.table, refused.row_id),
            success=lambda _none: self.refresh(),
        )

    # -- transfer file and certificates ---------------------------------------------------------

    def _file_dialog(self, title: str, accept_save: bool, filters: str) -> QFileDialog:
        dialog = QFileDialog(self, title)
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.setNameFilter(filters)
        if accept_save:
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
            dialog.setDefaultSuffix("sotreem")
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        return dialog

    def _choose_export(self) -> None:
        dialog = self._file_dialog(self.tr("Xuất tệp gửi cấp trên"), True, self.tr(TRANSFER_FILTER))
        dialog.fileSelected.connect(lambda name: self.export_to(Path(name)))
        dialog.open()

    def _choose_import(self) -> None:
        dialog = self._file_dialog(self.tr("Nhập tệp trả lời"), False, self.tr(TRANSFER_FILTER))
        dialog.fileSelected.connect(lambda name: self.import_from(Path(name)))
        dialog.open()

    def _choose_ca(self) -> None:
        dialog = self._file_dialog(self.tr("Chọn tệp chứng chỉ CA"), False, self.tr(CA_FILTER))
        dialog.fileSelected.connect(lambda name: self.use_ca_bundle(Path(name)))
        dialog.open()

    def export_to(self, path: Path) -> None:
        """Write the pending changes to ``path`` (background)."""
        self._run_transfer(
            lambda transfers: transfers.export(path), self._exported, self.tr("Đang ghi tệp…")
        )

    def _run_transfer(
        self, work: Callable[[TransferService], Any], success: Callable[[Any], None], label: str
    ) -> None:
        """Run one transfer-file step in the background, one at a time."""
        service = self._service
        if service is None or self._busy:
            return
        self._busy = True
        self._enable_transfer(False)
        transfers = TransferService(self._book, service)
        run_op(
            self,
            lambda: work(transfers),
            success=success,
            failure=self._transfer_failed,
            label=label,
        )

    def _exported(self, outcome: ExportOutcome) -> None:
        self._busy = False
        self._show_outcome(
            self.tr(
                "Đã ghi {n} thay đổi vào tệp {name}. Hãy chuyển tệp này cho cấp trên; khi nhận "
                "được tệp trả lời, bấm “Nhập tệp trả lời…”."
            ).format(n=outcome.items, name=outcome.path.name),
            str(outcome.path),
        )
        self.transferred.emit(outcome)
        announce(Change.SYNC, Change.BOOK)
        self.refresh()

    def import_from(self, path: Path) -> None:
        """Apply an answer file from upstream (background)."""
        self._run_transfer(
            lambda transfers: transfers.import_answer(path),
            self._imported,
            self.tr("Đang nhập tệp trả lời…"),
        )

    def _imported(self, outcome: ImportOutcome) -> None:
        self._busy = False
        self._show_outcome(outcome.message_vi, "")
        self.transferred.emit(outcome)
        announce(Change.SYNC, Change.BOOK)
        if outcome.conflicts:
            self.tabs.setCurrentIndex(1)
        self.refresh()

    def _transfer_failed(self, exc: BaseException) -> None:
        self._busy = False
        self.refresh()
        message = getattr(exc, "message_vi", None)
        if isinstance(message, str) and message:
            self._show_outcome(message, "", problem=True)
        else:
            messages.show_exception(self, exc)

    def use_ca_bundle(self, path: Path) -> None:
        """Trust the upstream's own CA certificates read from ``path``."""
        service = self._service
        if service is None:
            return

        def store() -> None:
            try:
                text = path.read_text(encoding="ascii")
            except (OSError, UnicodeDecodeError) as exc:
                raise ValidationError(
                    FieldProblem(
                        "ca_bundle",
                        f"Không đọc được tệp {path.name}: đây không phải tệp chứng chỉ PEM.",
                    )
                ) from exc
            service.set_ca_bundle(text)

        run_op(
            self,
            store,
            success=lambda _none: self._ca_stored(),
            failure=self._transfer_failed,
        )

    def _ca_stored(self) -> None:
        self._show_outcome(self.tr("Đã lưu chứng chỉ CA của máy chủ cấp trên."), "")
        self.refresh()


def _buttons(*widgets: QWidget) -> QHBoxLayout:
    line = QHBoxLayout()
    for widget in widgets:
        line.addWidget(widget)
    line.addStretch(1)
    return line
