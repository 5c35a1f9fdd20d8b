"""Consent on the screens (Luật 91/2025, Điều 24): a case's consents with recording and
withdrawing, and the question an export of children's case data asks before it writes."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CONSENT_PURPOSES,
    EXPORT_NOT_NEEDED_REASONS,
    ConsentForm,
    ConsentService,
    ConsentView,
    ExportBasis,
)
from desktop.ui.ops import run_op
from desktop.ui.protection.common import (
    ListModel,
    date_text,
    gate,
    make_table,
    selected_row,
    tr,
)
from desktop.ui.protection.form import FormDialog, text_edit
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox
from sync import clock


def _who(consent: ConsentView) -> str:
    if consent.not_needed_reason:
        return tr("Không cần đồng ý: {r}").format(r=consent.not_needed_reason)
    parts = []
    if consent.representative_consented:
        parts.append(tr("{n} đồng ý").format(n=consent.representative_name))
    if consent.child_consented:
        parts.append(tr("trẻ đồng ý"))
    return "; ".join(parts)


def _state(consent: ConsentView) -> str:
    if consent.withdrawn_on is not None:
        return tr("Đã rút lại ngày {d}").format(d=date_text(consent.withdrawn_on))
    if consent.not_needed_reason:
        return tr("Chỉ cho lần đó")
    return tr("Còn hiệu lực")


class ConsentsPanel(QWidget):
    """A case's consents, newest first, with "Ghi sự đồng ý…" and "Rút lại…"."""

    changed = Signal()

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self.case_id: str | None = None
        self.model = ListModel(
            [
                (tr("Ngày"), lambda c: date_text(c.given_on)),
                (tr("Mục đích"), lambda c: tr(c.purpose_label)),
                (tr("Người đồng ý / lý do"), _who),
                (tr("Phạm vi"), lambda c: c.scope),
                (tr("Tình trạng"), _state),
            ],
            self,
        )
        self.table = make_table(self.model, (90, 190, 260, 200))
        self.table.setMinimumHeight(110)
        self.record_button = QPushButton(self.tr("Ghi sự đồng ý…"))
        self.withdraw_button = QPushButton(self.tr("Rút lại sự đồng ý…"))
        self._allowed = gate(self.record_button, book.user, Action.EDIT_SENSITIVE)
        gate(self.withdraw_button, book.user, Action.EDIT_SENSITIVE)
        self.record_button.clicked.connect(self.open_record)
        self.withdraw_button.clicked.connect(self.open_withdraw)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        buttons = QHBoxLayout()
        buttons.addWidget(self.record_button)
        buttons.addWidget(self.withdraw_button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._update_buttons()

    def set_case(self, case_id: str | None, consents: Sequence[ConsentView]) -> None:
        """Show ``consents`` of ``case_id`` (None: the case is not saved yet)."""
        self.case_id = case_id
        self.model.set_rows(list(consents))
        self._update_buttons()

    def _update_buttons(self, *_args: object) -> None:
        if not self._allowed:
            return
        saved = self.case_id is not None
        self.record_button.setEnabled(saved)
        self.record_button.setToolTip("" if saved else self.tr("Lưu vụ việc trước."))
        chosen = selected_row(self.table)
        if chosen is None:
            reason = self.tr("Chọn một sự đồng ý trong bảng.")
        elif chosen.withdrawn_on is not None:
            reason = self.tr("Sự đồng ý này đã được rút lại.")
        elif chosen.not_needed_reason:
            reason = self.tr("Đây là lý do không cần đồng ý, không phải một sự đồng ý.")
        else:
            reason = ""
        self.withdraw_button.setEnabled(not reason)
        self.withdraw_button.setToolTip(reason)

    def open_record(self) -> ConsentDialog | None:
        """The form for a new consent of the case."""
        if self.case_id is None:
            return None
        dialog = ConsentDialog(self._book, self.case_id, self)
        dialog.saved.connect(lambda _id: self.changed.emit())
        dialog.open()
        return dialog

    def open_withdraw(self) -> WithdrawDialog | None:
        """The form that records the withdrawal of the selected consent."""
        chosen = selected_row(self.table)
        if chosen is None or chosen.withdrawn_on is not None or chosen.not_needed_reason:
            return None
        dialog = WithdrawDialog(self._book, chosen, self)
        dialog.saved.connect(lambda _id: self.changed.emit())
        dialog.open()
        return dialog


class ConsentDialog(FormDialog):
    """Who consented to what, on which day — or why no consent was needed."""

    def __init__(self, book: Book, case_id: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Ghi sự đồng ý"), parent, size=(600, 520))
        self._book = book
        self._case_id = case_id
        self.purpose = FoldingComboBox()
        self.purpose.set_items([(self.tr(label), key) for key, label in CONSENT_PURPOSES.items()])
        self.purpose.set_current_data("export")
        self.given_on = DateLineEdit(label=self.tr("Ngày đồng ý"))
        self.given_on.set_value(clock.today())
        self.given_on.setMaximumWidth(140)
        self.scope = QLineEdit()
        self.scope.setPlaceholderText(
            self.tr("được cung cấp những gì, cho ai (ví dụ: danh sách gửi Phòng Văn hóa - Xã hội)")
        )
        self.representative_name = QLineEdit()
        self.representative_name.setPlaceholderText(self.tr("cha, mẹ hoặc người chăm sóc"))
        self.representative_consented = QCheckBox(self.tr("Cha, mẹ hoặc người chăm sóc đồng ý"))
        self.child_consented = QCheckBox(self.tr("Trẻ (từ 7 tuổi) đồng ý"))
        self.not_needed_reason = QLineEdit()
        self.not_needed_reason.setPlaceholderText(
            self.tr("chỉ ghi khi luật cho phép không cần sự đồng ý")
        )
        self.note = text_edit(60)
        self.add_row(self.tr("Mục đích *:"), "purpose", self.purpose)
        self.add_row(self.tr("Ngày *:"), "given_on", self.given_on)
        self.add_row(self.tr("Phạm vi:"), "scope", self.scope)
        self.add_row(self.tr("Người đại diện:"), "representative_name", self.representative_name)
        self.add_row("", "representative_consented", self.representative_consented)
        self.add_row("", "child_consented", self.child_consented)
        self.add_row(self.tr("Không cần đồng ý vì:"), "not_needed_reason", self.not_needed_reason)
        self.add_row(self.tr("Ghi chú:"), "note", self.note)
        self.add_note(
            self.tr(
                "Sự đồng ý để xuất dữ liệu còn hiệu lực cho mọi lần xuất sau, đến khi được rút "
                "lại. Trẻ từ 7 tuổi trở lên cũng phải đồng ý."
            )
        )
        self._dirty = False

    def collect(self) -> ConsentForm:
        """The consent as typed."""
        return ConsentForm(
            purpose=str(self.purpose.current_data() or ""),
            given_on=self.given_on.value(),
            case_id=self._case_id,
            scope=self.scope.text(),
            child_consented=self.child_consented.isChecked(),
            representative_name=self.representative_name.text(),
            representative_consented=self.representative_consented.isChecked(),
            not_needed_reason=self.not_needed_reason.text(),
            note=self.note.toPlainText(),
        )

    def work(self, form: ConsentForm, confirm: bool) -> Callable[[], object]:
        service = ConsentService(self._book)
        return lambda: service.record(form)


class WithdrawDialog(FormDialog):
    """The day a consent was withdrawn, and a note."""

    def __init__(self, book: Book, consent: ConsentView, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Rút lại sự đồng ý"), parent, size=(520, 320))
        self._book = book
        self._consent = consent
        self.add_note(
            self.tr("{p}, ngày {d}: {w}").format(
                p=self.tr(consent.purpose_label), d=date_text(consent.given_on), w=_who(consent)
            )
        )
        self.withdrawn_on = DateLineEdit(label=self.tr("Ngày rút lại"))
        self.withdrawn_on.set_value(clock.today())
        self.withdrawn_on.setMaximumWidth(140)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("ai rút lại, vì sao"))
        self.add_row(self.tr("Ngày rút lại *:"), "withdrawn_on", self.withdrawn_on)
        self.add_row(self.tr("Ghi chú:"), "note", self.reason)
        self._dirty = False

    def collect(self) -> tuple[object, str]:
        """The day and the note."""
        return self.withdrawn_on.value(), self.reason.text()

    def work(self, form: tuple[object, str], confirm: bool) -> Callable[[], object]:
        service, consent_id = ConsentService(self._book), self._consent.id
        on, note = form

        def run() -> str:
            from datetime import date

            from desktop.core.domain.errors import FieldProblem, ValidationError

            if not isinstance(on, date):
                raise ValidationError(
                    FieldProblem("withdrawn_on", "Chưa nhập ngày rút lại (dd/mm/yyyy).")
                )
            service.withdraw(consent_id, on, note)
            return consent_id

        return run


class ExportBasisDialog(QDialog):
    """Before a list with children's case data is written: each case's own consent, or the
    reason none is needed (written on every case the list carries)."""

    def __init__(self, missing: Sequence[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Sự đồng ý khi xuất dữ liệu vụ việc"))
        self.missing = tuple(missing)
        intro = QLabel(
            self.tr(
                "Danh sách này có tên trẻ và thông tin vụ việc. Theo Luật Bảo vệ dữ liệu cá "
                "nhân, chỉ được xuất khi cha, mẹ hoặc người chăm sóc (và trẻ từ 7 tuổi) đã đồng "
                "ý, hoặc khi có lý do không cần sự đồng ý."
            )
        )
        intro.setWordWrap(True)
        self.consented = QRadioButton(self.tr("Mọi vụ việc trong danh sách đã có sự đồng ý"))
        self.not_needed = QRadioButton(self.tr("Không cần sự đồng ý vì:"))
        group = QButtonGroup(self)
        group.addButton(self.consented)
        group.addButton(self.not_needed)
        self.missing_label = QLabel()
        self.missing_label.setObjectName("hintLabel")
        self.missing_label.setWordWrap(True)
        if self.missing:
            text = self.tr(
                "Chưa có sự đồng ý để xuất dữ liệu: vụ việc {cases}. Ghi sự đồng ý ở từng vụ "
                "việc (thẻ Thời hạn, diễn biến), hoặc chọn lý do bên dưới."
            ).format(cases=", ".join(self.missing))
            self.consented.setEnabled(False)
            self.consented.setToolTip(text)
            self.missing_label.setText(text)
            self.not_needed.setChecked(True)
        else:
            self.missing_label.setText(self.tr("Mọi vụ việc đã có sự đồng ý còn hiệu lực."))
            self.consented.setChecked(True)
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.addItems([self.tr(r) for r in EXPORT_NOT_NEEDED_REASONS])
        self.reason.setCurrentIndex(-1)
        line = self.reason.lineEdit()
        if line is not None:
            line.setPlaceholderText(self.tr("chọn hoặc ghi lý do"))
        self.reason_error = ErrorLabel()
        self.recipient = QLineEdit()
        self.recipient.setPlaceholderText(self.tr("ví dụ: Công an huyện, Phòng Văn hóa - Xã hội"))
        form = QFormLayout()
        form.addRow(self.tr("Lý do:"), self.reason)
        form.addRow("", self.reason_error)
        form.addRow(self.tr("Nơi nhận:"), self.recipient)
        note = QLabel(
            self.tr("Lý do được ghi vào từng vụ việc trong danh sách, cùng tên tệp và nơi nhận.")
        )
        note.setObjectName("hintLabel")
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Tiếp tục"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("Hủy"))
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        self.not_needed.toggled.connect(self._toggled)
        self.reason.currentTextChanged.connect(lambda _t: self.reason_error.show_message(""))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.consented)
        layout.addWidget(self.missing_label)
        layout.addWidget(self.not_needed)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self._toggled(self.not_needed.isChecked())
        resize_to_fit(self, 600, 380)

    def _toggled(self, on: bool) -> None:
        self.reason.setEnabled(on)
        self.recipient.setEnabled(on)

    def basis(self) -> ExportBasis:
        """What was chosen (a blank reason when the cases' own consents are relied on)."""
        if self.not_needed.isChecked():
            return ExportBasis(self.reason.currentText().strip(), self.recipient.text().strip())
        return ExportBasis()

    def _accept(self) -> None:
        if self.not_needed.isChecked() and not self.reason.currentText().strip():
            self.reason_error.show_message(self.tr("Hãy chọn hoặc ghi lý do không cần đồng ý."))
            self.reason.setFocus()
            return
        self.accept()


def ask_export_basis(
    parent: QWidget,
    load_gaps: Callable[[], tuple[str, ...]],
    on_chosen: Callable[[ExportBasis], object],
) -> None:
    """Find (in the background) the cases without a consent, ask, then call ``on_chosen``."""

    def show(missing: tuple[str, ...]) -> None:
        dialog = ExportBasisDialog(missing, parent)
        dialog.accepted.connect(lambda: on_chosen(dialog.basis()))
        dialog.open()

    run_op(parent, load_gaps, success=show, label=tr("Đang kiểm tra sự đồng ý…"))
