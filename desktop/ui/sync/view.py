"""The "Đồng bộ" area: enrol this PC with the upstream server and send the changes.

Being offline is normal at a commune: it is reported calmly, never as an error, and nothing
waiting to be sent is lost.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.sync_service import SyncOutcome, SyncService, SyncStatus
from desktop.ui import messages
from desktop.ui.ops import Pool, run_op
from desktop.ui.widgets import ErrorLabel, set_invalid

log = logging.getLogger(__name__)

OFFLINE_MESSAGE = "Chưa kết nối được máy chủ. Dữ liệu vẫn được giữ để gửi lần sau."


SyncServiceFactory = Callable[[Book], "SyncService | None"]


def default_sync_service(book: Book) -> SyncService | None:
    """The core SyncService for ``book``."""
    return SyncService(book)


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in local time ("" for None)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%d/%m/%Y %H:%M")


class SyncView(QWidget):
    """Server address, enrolment, waiting changes, last sync, and the big "Đồng bộ" button."""

    pending_changed = Signal(int)
    synced = Signal(object)  # the SyncOutcome

    def __init__(
        self,
        book: Book,
        parent: QWidget | None = None,
        *,
        service_factory: SyncServiceFactory = default_sync_service,
    ) -> None:
        super().__init__(parent)
        self._service = service_factory(book)
        self._busy = False
        self.status: SyncStatus | None = None

        title = QLabel(self.tr("Đồng bộ với cấp trên"))
        title.setObjectName("pageTitle")
        intro = QLabel(
            self.tr(
                "Mọi thay đổi được lưu ngay trên máy này. Khi có mạng, bấm “Đồng bộ” để gửi "
                "lên máy chủ cấp trên. Mất mạng giữa chừng cũng không mất dữ liệu."
            )
        )
        intro.setWordWrap(True)
        intro.setObjectName("hintLabel")

        # -- status --
        self.server_label = QLabel()
        self.enrolled_label = QLabel()
        self.pending_label = QLabel()
        self.errors_label = QLabel()
        self.last_sync_label = QLabel()
        for label in (self.server_label, self.pending_label, self.last_sync_label):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        status_box = QGroupBox(self.tr("Tình trạng"))
        status_form = QFormLayout(status_box)
        status_form.addRow(self.tr("Máy chủ cấp trên:"), self.server_label)
        status_form.addRow(self.tr("Máy này:"), self.enrolled_label)
        status_form.addRow(self.tr("Đang chờ gửi:"), self.pending_label)
        status_form.addRow(self.tr("Bị máy chủ từ chối:"), self.errors_label)
        status_form.addRow(self.tr("Lần đồng bộ gần nhất:"), self.last_sync_label)

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
        self.enrol_box.hide()

        # -- push --
        self.sync_button = QPushButton(self.tr("Đồng bộ"))
        self.sync_button.setObjectName("bigButton")
        self.sync_button.setEnabled(False)
        self.outcome = QLabel()
        self.outcome.setObjectName("calmLabel")
        self.outcome.setWordWrap(True)
        self.outcome.hide()
        self.outcome_details = QLabel()
        self.outcome_details.setObjectName("hintLabel")
        self.outcome_details.setWordWrap(True)
        self.outcome_details.hide()
        self.sync_hint = QLabel(self.tr("Đăng ký máy này với cấp trên trước khi đồng bộ."))
        self.sync_hint.setObjectName("hintLabel")
        push_line = QHBoxLayout()
        push_line.addWidget(self.sync_button)
        push_line.addSpacing(12)
        push_line.addWidget(self.sync_hint)
        push_line.addStretch(1)

        self.unavailable = QLabel(
            self.tr(
                "Bản cài đặt này chưa có phần đồng bộ. Dữ liệu vẫn được lưu đầy đủ trên máy; "
                "hãy cập nhật Sổ Trẻ Em để gửi lên cấp trên."
            )
        )
        self.unavailable.setObjectName("calmLabel")
        self.unavailable.setWordWrap(True)
        self.unavailable.setVisible(self._service is None)

        # A readable column, not a 1,100-pixel-wide form.
        content = QWidget()
        content.setMaximumWidth(860)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 8)
        outer.addWidget(content, 3)
        outer.addStretch(1)
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.unavailable)
        layout.addWidget(status_box)
        layout.addWidget(self.enrol_box)
        layout.addSpacing(8)
        layout.addLayout(push_line)
        layout.addWidget(self.outcome)
        layout.addWidget(self.outcome_details)
        layout.addStretch(1)

        self.enrol_button.clicked.connect(self.enroll)
        self.enrol_code.returnPressed.connect(self.enroll)
        self.sync_button.clicked.connect(self.push)
        self.server_url.textEdited.connect(lambda _t: self._show_enrol_problem("", ""))
        self.enrol_code.textEdited.connect(lambda _t: self._show_enrol_problem("", ""))
        self._show_status(None)

    @property
    def service(self) -> SyncService | None:
        """The sync service (None when this build has none)."""
        return self._service

    @property
    def available(self) -> bool:
        """False when this build has no sync service."""
        return self._service is not None

    # -- status ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the sync status in the background."""
        service = self._service
        if service is None:
            return
        run_op(self, service.status, success=self._show_status)

    def _show_status(self, status: SyncStatus | None) -> None:
        self.status = status
        if status is None:
            for label in (
                self.server_label,
                self.enrolled_label,
                self.pending_label,
                self.errors_label,
                self.last_sync_label,
            ):
                label.setText("—")
            self.sync_button.setEnabled(False)
            self.sync_hint.hide()
            return
        self.server_label.setText(status.server_url or self.tr("chưa đặt"))
        self.enrolled_label.setText(
            self.tr("đã đăng ký") if status.enrolled else self.tr("chưa đăng ký")
        )
        self.pending_label.setText(self.tr("{n} thay đổi").format(n=status.pending))
        self.errors_label.setText(str(status.errors))
        self.last_sync_label.setText(
            format_datetime(status.last_sync_at) or self.tr("chưa đồng bộ lần nào")
        )
        self.enrol_box.setVisible(not status.enrolled)
        if not status.enrolled and not self.server_url.text() and status.server_url:
            self.server_url.setText(status.server_url)
        self.sync_button.setEnabled(status.enrolled and not self._busy)
        self.sync_hint.setVisible(not status.enrolled)
        self.pending_changed.emit(status.pending)

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

    # -- push -----------------------------------------------------------------------------

    def push(self) -> None:
        """Send the waiting changes (network pool), with progress."""
        service = self._service
        if service is None or self._busy:
            return
        self._busy = True
        self.sync_button.setEnabled(False)
        self.outcome.hide()
        self.outcome_details.hide()
        run_op(
            self,
            service.push,
            success=self._pushed,
            failure=self._push_failed,
            pool=Pool.NETWORK,
            label=self.tr("Đang gửi dữ liệu lên cấp trên…"),
            with_progress=True,
        )

    def _pushed(self, outcome: SyncOutcome) -> None:
        self._busy = False
        if outcome.offline:
            self._show_outcome(self.tr(OFFLINE_MESSAGE), "")
        elif outcome.failed:
            self._show_outcome(outcome.message_vi, "", problem=True)
        else:
            details = self.tr(
                "Đã gửi {sent}; máy chủ nhận {applied}, trùng {dup}, xung đột {conf}, "
                "từ chối {rej}. Còn chờ gửi: {rem}."
            ).format(
                sent=outcome.sent,
                applied=outcome.applied,
                dup=outcome.duplicates,
                conf=outcome.conflicts,
                rej=outcome.rejected,
                rem=outcome.remaining,
            )
            self._show_outcome(outcome.message_vi, details)
        self.synced.emit(outcome)
        self.refresh()

    def _push_failed(self, exc: BaseException) -> None:
        self._busy = False
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
