"""Recording a change event (biến động) for one person, and cancelling one recorded in error."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.errors import ValidationError
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.events import PERSON_EVENTS, EventForm, EventService
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox, set_invalid
from sync import clock

# What the "place" field means for each event.
_PLACE_LABELS = {
    "BD02": "Chuyển đến từ:",
    "BD03": "Chuyển đến (nơi đi):",
    "BD06": "Nhận nuôi từ:",
}


class EventDialog(QDialog):
    """One event for one person. Emits ``recorded(event_id)``."""

    recorded = Signal(str)

    def __init__(
        self,
        book: Book,
        person_id: str,
        person_name: str,
        *,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._service = EventService(book)
        self._person_id = person_id
        self._today = today or clock.today()
        self._busy = False
        self.setWindowTitle(self.tr("Ghi biến động — {name}").format(name=person_name))
        names = {c.code: c.name for c in codes.change_event_types()}
        self.event_code = FoldingComboBox()
        self.event_code.set_items(
            [(self.tr("— chọn —"), "")] + [(names[c], c) for c in PERSON_EVENTS]
        )
        self.event_date = DateLineEdit(label=self.tr("Ngày biến động"))
        self.event_date.setFixedWidth(130)
        self.place = QLineEdit()
        self.cause = QLineEdit()
        self.cause.setPlaceholderText(self.tr("ví dụ: đuối nước; nếu không biết ghi “chưa rõ”"))
        self.adoptive_parents = QLineEdit()
        self.adoptive_parents.setPlaceholderText(self.tr("họ tên cha, mẹ nuôi, cách nhau dấu phẩy"))
        self.details = QLineEdit()
        self.error = ErrorLabel()
        hint = QLabel(
            self.tr(
                "Biến động được ghi lại, không sửa được; ghi nhầm thì hủy (có lý do) rồi ghi lại. "
                "“Đủ 16 tuổi” do chương trình tự ghi vào đúng ngày sinh nhật."
            )
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        self.form = QFormLayout()
        self.place_label = QLabel(self.tr("Nơi:"))
        self.form.addRow(self.tr("Loại biến động *:"), self.event_code)
        self.form.addRow(self.tr("Ngày *:"), self.event_date)
        self.form.addRow(self.place_label, self.place)
        self.form.addRow(self.tr("Nguyên nhân:"), self.cause)
        self.form.addRow(self.tr("Cha, mẹ nuôi:"), self.adoptive_parents)
        self.form.addRow(self.tr("Ghi chú:"), self.details)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            self.tr("Ghi biến động"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.event_code.currentIndexChanged.connect(self._kind_changed)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self._kind_changed()
        self.setMinimumWidth(560)

    def _kind_changed(self, *_args: object) -> None:
        code = self.event_code.current_data()
        place = code in _PLACE_LABELS
        self.place_label.setText(self.tr(_PLACE_LABELS.get(str(code), "Nơi:")))
        for widget, shown in (
            (self.place, place),
            (self.cause, code == "BD04"),
            (self.adoptive_parents, code == "BD06"),
        ):
            self.form.setRowVisible(widget, shown)

    def collect(self) -> EventForm:
        """What is typed."""
        code = self.event_code.current_data()
        return EventForm(
            event_code=code if isinstance(code, str) else "",
            event_date=self.event_date.value(),
            person_id=self._person_id,
            place=self.place.text() if self.place.isVisible() else "",
            cause=self.cause.text() if code == "BD04" else "",
            details=self.details.text(),
            adoptive_parents=[p for p in self.adoptive_parents.text().split(",") if p.strip()]
            if code == "BD06"
            else [],
        )

    def save(self) -> None:
        """Record the event in the background."""
        if self._busy:
            return
        self.event_date.check()
        if self.event_date.problem:
            self._show(self.event_date.problem, self.event_date)
            return
        form = self.collect()
        self._busy = True
        self.save_button.setEnabled(False)
        service, today = self._service, self._today
        run_op(
            self,
            lambda: service.record(form, today),
            success=self._recorded,
            failure=self._failed,
        )

    def _recorded(self, event_id: str) -> None:
        self._busy = False
        self.recorded.emit(event_id)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            widget = getattr(self, exc.problems[0].field, self.event_code)
            self._show(exc.message_vi, widget if isinstance(widget, QWidget) else None)
        else:
            messages.show_exception(self, exc)

    def _show(self, message: str, widget: QWidget | None) -> None:
        self.error.show_message(message)
        if widget is not None:
            set_invalid(widget, message)
            widget.setFocus()


class CancelEventDialog(QDialog):
    """Cancel an event recorded in error, with a reason. Emits ``cancelled``."""

    cancelled = Signal()

    def __init__(self, book: Book, event_id: str, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = EventService(book)
        self._event_id = event_id
        self._busy = False
        self.setWindowTitle(self.tr("Hủy biến động"))
        text = QLabel(
            self.tr(
                "Hủy biến động “{what}”? Biến động vẫn được giữ trong lịch sử, ghi là đã hủy "
                "cùng lý do; tình trạng của người này được tính lại."
            ).format(what=what)
        )
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("ví dụ: ghi nhầm người"))
        self.error = ErrorLabel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(
            self.tr("Hủy biến động"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        form = QFormLayout()
        form.addRow(self.tr("Lý do:"), self.reason)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def submit(self) -> None:
        """Cancel in the background."""
        if self._busy:
            return
        reason = self.reason.text()
        self._busy = True
        service, event_id = self._service, self._event_id
        run_op(
            self,
            lambda: service.cancel(event_id, reason),
            success=lambda _r: self._done(),
            failure=self._failed,
        )

    def _done(self) -> None:
        self._busy = False
        self.cancelled.emit()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        if isinstance(exc, ValidationError):
            self.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)
