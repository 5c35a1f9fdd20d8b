"""Adding or editing one household and its members, keyboard first.

One line per person — the children, and adults such as the head or the parents if the
officer types them — with the fields of the paper book; "…" opens the person's full record.
Every field keeps what was typed whatever goes wrong: a ValidationError from the service
only adds red marks and messages (naming the row and the field) to the open form, and
possible duplicates are pointed out while typing.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QEvent, QObject, QRegularExpression, Qt, QTimer, Signal
from PySide6.QtGui import (
    QCloseEvent,
    QKeyEvent,
    QKeySequence,
    QRegularExpressionValidator,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.population import SEX_LABELS
from desktop.core.services import codes
from desktop.core.services.book import Book
from desktop.core.services.duplicates import DuplicateCandidate, DuplicateService
from desktop.core.services.households import (
    ChildForm,
    HamletItem,
    HouseholdForm,
    HouseholdService,
    NeedsConfirmation,
)
from desktop.ui import messages
from desktop.ui.children.confirm import ConfirmWarningsDialog
from desktop.ui.children.dialog import ChildDialog
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox, set_invalid
from sync import clock

# Column widths of the members grid (the name and notes columns take the rest).
W_NUMBER, W_DATE, W_SEX, W_RELATION, W_ETHNICITY, W_ID, W_REGISTERED = (
    28,
    100,
    104,
    120,
    120,
    116,
    96,
)
W_DETAILS, W_REMOVE = 34, 52
CHILD_FIELDS = ("full_name", "birth_date", "sex", "relation_code", "ethnicity_code", "id_number",
                "birth_registered", "notes")  # fmt: skip
HOUSEHOLD_FIELDS = (
    "hamlet_id",
    "number",
    "head_name",
    "address",
    "poverty_code",
    "poverty_year",
    "phone",
    "collaborator_name",
)
DUPLICATE_DELAY_MS = 350


def _is_enter(event: QEvent) -> bool:
    return (
        event.type() == QEvent.Type.KeyPress
        and isinstance(event, QKeyEvent)
        and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
    )


def _reading_order(problem: FieldProblem) -> tuple[int, int, int]:
    # Top to bottom, left to right: household fields, then each child's fields in turn.
    if problem.row is None:
        place = HOUSEHOLD_FIELDS.index(problem.field) if problem.field in HOUSEHOLD_FIELDS else 99
        return (0, 0, place)
    place = CHILD_FIELDS.index(problem.field) if problem.field in CHILD_FIELDS else 99
    return (1, problem.row, place)


class ChildRow(QWidget):
    """One member of the household: one line of fields and a line for its messages."""

    remove_requested = Signal(object)  # self
    details_requested = Signal(object)  # self
    identity_changed = Signal(object)  # self: name, birth date or ID number edited
    changed = Signal()

    def __init__(self, child: ChildForm | None, today: date, parent: QWidget | None = None):
        super().__init__(parent)
        self.original = child
        self.full_form: ChildForm | None = None  # set by the full-record dialog
        self.removed = False
        self.removal_reason = ""
        self.history = bool(child is not None and child.read_only_reason)
        self.number = QLabel()
        self.number.setObjectName("rowNumber")
        self.number.setFixedWidth(W_NUMBER)
        self.number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText(self.tr("Họ và tên trẻ"))
        self.birth_date = DateLineEdit(label=self.tr("Ngày sinh"), birth_date=True, today=today)
        self.birth_date.setFixedWidth(W_DATE)
        self.sex = FoldingComboBox()
        self.sex.set_items(
            [(self.tr("— chọn —"), 0)] + [(label, code) for code, label in SEX_LABELS.items()]
        )
        self.sex.setFixedWidth(W_SEX)
        self.relation_code = FoldingComboBox()
        self.relation_code.set_items(
            [(self.tr("— chưa ghi —"), None)]
            + [(c.name, c.code) for c in codes.household_relations()]
        )
        self.relation_code.setFixedWidth(W_RELATION)
        self.ethnicity_code = FoldingComboBox()
        self.ethnicity_code.set_items([(c.name, c.code) for c in codes.ethnic_groups()])
        self.ethnicity_code.setFixedWidth(W_ETHNICITY)
        self.birth_registered = FoldingComboBox()
        self.birth_registered.set_items(
            [(self.tr("Chưa rõ"), None), (self.tr("Đã ĐK"), True), (self.tr("Chưa ĐK"), False)]
        )
        self.birth_registered.setFixedWidth(W_REGISTERED)
        self.birth_registered.setToolTip(self.tr("Đăng ký khai sinh"))
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("12 số (nếu có)"))
        self.id_number.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9 ]{0,15}"), self.id_number)
        )
        self.id_number.setFixedWidth(W_ID)
        self.notes = QLineEdit()
        self.notes.setPlaceholderText(self.tr("Ghi chú"))
        self.details_button = QPushButton(self.tr("…"))
        self.details_button.setFixedWidth(W_DETAILS)
        self.details_button.setAutoDefault(False)
        self.details_button.setToolTip(
            self.tr("Hồ sơ đầy đủ: khai sinh, thẻ BHYT, học tập, khuyết tật, cha mẹ (F2)")
        )
        self.remove_button = QPushButton(self.tr("Xóa"))
        self.remove_button.setFixedWidth(W_REMOVE)
        self.remove_button.setAutoDefault(False)
        self.remove_button.setToolTip(self.tr("Xóa người này khỏi hộ (chỉ khi nhập nhầm, trùng)"))
        self.errors = ErrorLabel()
        self.hint = QLabel()
        self.hint.setObjectName("hintLabel")
        self.hint.setWordWrap(True)
        self.hint.hide()

        line = QHBoxLayout()
        line.setContentsMargins(0, 0, 0, 0)
        line.setSpacing(6)
        line.addWidget(self.number)
        line.addWidget(self.full_name, 3)
        for widget in (self.birth_date, self.sex, self.relation_code, self.ethnicity_code,
                       self.id_number, self.birth_registered):  # fmt: skip
            line.addWidget(widget)
        line.addWidget(self.notes, 2)
        line.addWidget(self.details_button)
        line.addWidget(self.remove_button)
        errors_line = QVBoxLayout()
        errors_line.setContentsMargins(W_NUMBER + 6, 0, 0, 0)
        errors_line.setSpacing(0)
        errors_line.addWidget(self.errors)
        errors_line.addWidget(self.hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        layout.addLayout(line)
        layout.addLayout(errors_line)

        if child is not None:
            self.full_name.setText(child.full_name)
            self.birth_date.set_value(child.birth_date)
            self.sex.set_current_data(child.sex)
            self.relation_code.set_current_data(child.relation_code)
            self.ethnicity_code.set_current_data(child.ethnicity_code)
            self.id_number.setText(child.id_number or "")
            self.birth_registered.set_current_data(child.birth_registered)
            self.notes.setText(child.notes)
            if child.read_only_reason:
                self.show_hint(child.read_only_reason)
        else:
            self.ethnicity_code.set_current_data("01")
            self.relation_code.set_current_data("QH03")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))
        self.details_button.clicked.connect(lambda: self.details_requested.emit(self))
        for edit in (self.full_name, self.birth_date, self.id_number):
            edit.editingFinished.connect(lambda: self.identity_changed.emit(self))
        self.birth_date.problem_changed.connect(self._refresh_errors)
        self._problems: dict[str, str] = {}
        for field in CHILD_FIELDS:
            field_widget = self.field_widget(field)
            if isinstance(field_widget, QLineEdit):
                field_widget.textEdited.connect(lambda _t, f=field: self._edited(f))
            elif isinstance(field_widget, QComboBox):
                field_widget.currentIndexChanged.connect(lambda _i, f=field: self._edited(f))

    # -- values ---------------------------------------------------------------------------

    @property
    def is_new(self) -> bool:
        """True for a child not yet saved in the book."""
        return self.original is None or self.original.id is None

    def is_blank(self) -> bool:
        """True if nothing was typed in this (new) row."""
        return (
            self.is_new
            and not self.full_name.text().strip()
            and not self.birth_date.text().strip()
            and not self.id_number.text().strip()
            and not self.notes.text().strip()
            and not self.sex.current_data()
        )

    def inputs(self) -> list[QWidget]:
        """The input widgets in Tab order."""
        return [
            self.full_name,
            self.birth_date,
            self.sex,
            self.relation_code,
            self.ethnicity_code,
            self.id_number,
            self.birth_registered,
            self.notes,
            self.details_button,
            self.remove_button,
        ]

    def show_hint(self, text: str) -> None:
        """A calm line under the row (possible duplicates, why the row is history)."""
        self.hint.setText(text)
        self.hint.setVisible(bool(text))

    def apply_full_form(self, form: ChildForm) -> None:
        """The full record came back from its dialog: show its line, keep the rest."""
        self.full_form = form
        self.full_name.setText(form.full_name)
        self.birth_date.set_value(form.birth_date)
        self.sex.set_current_data(form.sex)
        self.relation_code.set_current_data(form.relation_code)
        self.ethnicity_code.set_current_data(form.ethnicity_code)
        self.id_number.setText(form.id_number or "")
        self.birth_registered.set_current_data(form.birth_registered)
        self.notes.setText(form.notes)
        self.changed.emit()

    def field_widget(self, field: str) -> QWidget:
        """The widget of a ChildForm field name."""
        widget = getattr(self, field, None)
        return widget if isinstance(widget, QWidget) else self.full_name

    def to_form(self) -> ChildForm:
        """A ChildForm with what is typed (keeps fields this form does not show)."""
        sex = self.sex.current_data()
        ethnicity = self.ethnicity_code.current_data()
        relation = self.relation_code.current_data()
        values = {
            "full_name": self.full_name.text(),
            "birth_date": self.birth_date.value(),
            "sex": sex if isinstance(sex, int) else 0,
            "relation_code": relation if isinstance(relation, str) else None,
            "ethnicity_code": ethnicity if isinstance(ethnicity, str) else "",
            "id_number": self.id_number.text().replace(" ", ""),
            "birth_registered": self.birth_registered.current_data(),
            "notes": self.removal_reason if self.removed else self.notes.text(),
            "remove": self.removed,
        }
        base = self.full_form or self.original
        if base is not None:
            return dataclasses.replace(base, **values)  # type: ignore[arg-type]
        return ChildForm(**values)  # type: ignore[arg-type]

    def _edited(self, field: str) -> None:
        # A corrected field loses its old complaint at once; the others keep theirs.
        if self._problems.pop(field, None) is not None:
            self._refresh_errors()
        self.changed.emit()

    def set_read_only(self) -> None:
        """Show the person without letting anything change (the full record can be read)."""
        for edit in (self.full_name, self.birth_date, self.id_number, self.notes):
            edit.setReadOnly(True)
        for combo in (self.sex, self.relation_code, self.ethnicity_code, self.birth_registered):
            combo.setEnabled(False)
        self.remove_button.hide()

    # -- removal --------------------------------------------------------------------------

    def mark_removed(self, reason: str) -> None:
        """Grey the row out: the child is tombstoned on save, with ``reason``."""
        self.removed = True
        self.removal_reason = reason
        self.setObjectName("removedRow")
        for widget in self.inputs()[:-2]:
            widget.setEnabled(False)
        self.remove_button.setText(self.tr("Hoàn tác"))
        self.remove_button.setToolTip(self.tr("Giữ lại trẻ này"))
        self.set_problems([])
        self.errors.setObjectName("hintLabel")
        self.errors.show_message(self.tr("Sẽ xóa khi lưu. Lý do: {r}").format(r=reason))
        self.style().unpolish(self)
        self.style().polish(self)
        self.changed.emit()

    def undo_remove(self) -> None:
        """Keep the child after all."""
        self.removed = False
        self.removal_reason = ""
        self.setObjectName("")
        for widget in self.inputs():
            widget.setEnabled(True)
        self.remove_button.setText(self.tr("Xóa"))
        self.errors.setObjectName("errorLabel")
        self.errors.show_message("")
        self.style().unpolish(self)
        self.style().polish(self)
        self.changed.emit()

    # -- problems -------------------------------------------------------------------------

    def set_problems(self, problems: Sequence[FieldProblem]) -> None:
        """Mark the fields named by ``problems`` and list the messages under the row."""
        self._problems = {}
        for problem in problems:
            field = problem.field if problem.field in CHILD_FIELDS else "full_name"
            existing = self._problems.get(field)
            self._problems[field] = (
                f"{existing}\n{problem.message}" if existing else problem.message
            )
        self._refresh_errors()

    def _refresh_errors(self, *_args: object) -> None:
        if self.removed:
            return
        problems = dict(self._problems)
        if self.birth_date.problem and "birth_date" not in problems:
            where = self.tr("Trẻ thứ {n}").format(n=self.number.text())
            problems["birth_date"] = f"{where}: {self.birth_date.problem}"
        for field in CHILD_FIELDS:
            set_invalid(self.field_widget(field), problems.get(field))
        self.errors.show_message("\n".join(problems.values()))


class ChildrenHeader(QWidget):
    """Column titles aligned with ChildRow's fields."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)

        def title(text: str, width: int = 0, stretch: int = 0) -> QLabel:
            label = QLabel(text)
            label.setObjectName("columnHeader")
            if width:
                label.setFixedWidth(width)
            layout.addWidget(label, stretch)
            return label

        title(self.tr("TT"), W_NUMBER)
        title(self.tr("Họ và tên *"), stretch=3)
        title(self.tr("Ngày sinh *"), W_DATE)
        title(self.tr("Giới tính *"), W_SEX)
        title(self.tr("Quan hệ"), W_RELATION)
        title(self.tr("Dân tộc *"), W_ETHNICITY)
        self.id_title = title(self.tr("Số định danh"), W_ID)
        title(self.tr("ĐK khai sinh"), W_REGISTERED)
        title(self.tr("Ghi chú"), stretch=2)
        title("", W_DETAILS + W_REMOVE + 6)


class RemoveChildDialog(QDialog):
    """Ask why a saved child is removed (an entry error or a duplicate)."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Xóa trẻ khỏi hộ"))
        text = QLabel(
            self.tr(
                "Xóa “{name}” khỏi hộ này?\nChỉ xóa khi trẻ được nhập nhầm hoặc nhập trùng. "
                "Việc xóa được ghi lại cùng lý do."
            ).format(name=name or self.tr("trẻ chưa có tên"))
        )
        text.setWordWrap(True)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("ví dụ: nhập trùng với trẻ thứ 2"))
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Lý do xóa:"), self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(
            self.tr("Xóa khi lưu"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(480)

    def accept(self) -> None:
        """A reason is required."""
        if not self.reason.text().strip():
            self.error.show_message(self.tr("Hãy ghi lý do xóa."))
            set_invalid(self.reason, self.error.text())
            self.reason.setFocus()
            return
        super().accept()


class HouseholdDialog(QDialog):
    """The household form. Emits ``saved(household_id)`` after a successful save."""

    saved = Signal(str)
    history_changed = Signal()  # a split or merge was made from the history window
    duplicates_checked = Signal(object)  # the ChildRow whose possible duplicates were shown

    def __init__(
        self,
        book: Book,
        hamlets: Sequence[HamletItem],
        form: HouseholdForm | None = None,
        *,
        default_hamlet_id: str | None = None,
        today: date | None = None,
        editable: bool = True,
        show_personal: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._service = HouseholdService(book)
        self._duplicates = DuplicateService(book)
        self.editable = editable
        self.show_personal = show_personal
        self._form = form
        self._today = today or clock.today()
        self._busy = False
        self._dirty = False
        self.rows: list[ChildRow] = []
        self.setWindowTitle(
            self.tr("Sửa hộ gia đình") if form is not None else self.tr("Thêm hộ gia đình")
        )

        # -- household fields --
        self.hamlet_id = FoldingComboBox()
        self.hamlet_id.set_items([(h.name, h.id) for h in hamlets])
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("ví dụ: 12"))
        self.number.setMaxLength(20)
        self.head_name = QLineEdit()
        self.head_name.setPlaceholderText(self.tr("Họ và tên chủ hộ"))
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("Xóm, đường, số nhà…"))
        self.poverty_code = FoldingComboBox()
        self.poverty_code.set_items([(c.name, c.code) for c in codes.poverty_statuses()])
        self.poverty_year = QLineEdit()
        self.poverty_year.setPlaceholderText(self.tr("năm, ví dụ 2025"))
        self.poverty_year.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"\d{0,4}"), self.poverty_year)
        )
        self.poverty_year.setMaximumWidth(150)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("nếu có"))
        self.phone.setValidator(
            QRegularExpressionValidator(QRegularExpression(r"[0-9 +.]{0,15}"), self.phone)
        )
        self.collaborator_name = QLineEdit()
        self.collaborator_name.setPlaceholderText(self.tr("cộng tác viên phụ trách hộ"))
        self.field_errors: dict[str, ErrorLabel] = {f: ErrorLabel() for f in HOUSEHOLD_FIELDS}

        grid = QGridLayout()
        grid.setHorizontalSpacing(10)
        grid.setVerticalSpacing(2)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self._captions: dict[str, QLabel] = {}

        def place(row: int, col: int, label: str, field: str, span: int = 1) -> None:
            widget = getattr(self, field)
            caption = QLabel(label)
            caption.setBuddy(widget)
            grid.addWidget(caption, row * 2, col * 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(widget, row * 2, col * 2 + 1, 1, span)
            grid.addWidget(self.field_errors[field], row * 2 + 1, col * 2 + 1, 1, span)
            self._captions[field] = caption

        place(0, 0, self.tr("Thôn/Tổ *:"), "hamlet_id")
        place(0, 1, self.tr("Số hộ *:"), "number")
        place(1, 0, self.tr("Chủ hộ *:"), "head_name")
        place(1, 1, self.tr("Điện thoại:"), "phone")
        place(2, 0, self.tr("Địa chỉ:"), "address", span=3)
        place(3, 0, self.tr("Hoàn cảnh:"), "poverty_code")
        place(3, 1, self.tr("Năm xét:"), "poverty_year")
        place(4, 0, self.tr("Cộng tác viên:"), "collaborator_name")
        self._phone_caption = self._captions["phone"]

        # -- children --
        children_title = QLabel(self.tr("Trẻ em và thành viên của hộ"))
        children_title.setObjectName("sectionTitle")
        children_hint = QLabel(
            self.tr(
                "Ngày sinh gõ dd/mm/yyyy hoặc liền 8 số (05092019). Enter ở ô Ghi chú của dòng "
                "cuối để thêm người. Nút “…” (F2) mở hồ sơ đầy đủ: thẻ BHYT, học tập, cha mẹ."
            )
        )
        children_hint.setObjectName("hintLabel")
        children_hint.setWordWrap(True)
        self.rows_box = QWidget()
        self.rows_layout = QVBoxLayout(self.rows_box)
        self.rows_layout.setContentsMargins(0, 0, 4, 0)
        self.rows_layout.setSpacing(0)
        self.add_child_button = QPushButton(self.tr("+ Thêm trẻ (Ctrl+N)"))
        self.add_child_button.setAutoDefault(False)
        add_line = QHBoxLayout()
        add_line.setContentsMargins(W_NUMBER + 6, 6, 0, 0)
        add_line.addWidget(self.add_child_button)
        add_line.addStretch(1)
        self.rows_layout.addLayout(add_line)
        self.rows_layout.addStretch(1)
        self.children_scroll = QScrollArea()
        self.children_scroll.setWidgetResizable(True)
        self.children_scroll.setWidget(self.rows_box)
        self.children_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.children_scroll.setSizePolicy(
            QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding
        )
        self.summary = QLabel()
        self.summary.setObjectName("problemSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = self.buttons.addButton(
            self.tr("Lưu (Ctrl+S)"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.save_button.setObjectName("primary")
        self.history_button = self.buttons.addButton(
            self.tr("Lịch sử, tách/nhập hộ…"), QDialogButtonBox.ButtonRole.ActionRole
        )
        self.history_button.setVisible(form is not None and form.id is not None)
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
                button.setDefault(False)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addSpacing(6)
        layout.addWidget(children_title)
        layout.addWidget(children_hint)
        header = ChildrenHeader()
        self._id_header = header.id_title
        layout.addWidget(header)
        layout.addWidget(self.children_scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self.add_child_button.clicked.connect(self._add_child_by_hand)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        QShortcut(QKeySequence.StandardKey.Save, self, self.save)
        QShortcut(QKeySequence("Ctrl+Return"), self, self.save)
        QShortcut(QKeySequence("Ctrl+Enter"), self, self.save)
        QShortcut(QKeySequence("Ctrl+N"), self, self._add_child_by_hand)
        QShortcut(QKeySequence("F2"), self, self._details_of_focused)
        self.history_button.clicked.connect(self.open_history)
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(DUPLICATE_DELAY_MS)
        self._duplicate_timer.timeout.connect(self._check_duplicates)
        self._duplicate_rows: list[ChildRow] = []
        self.child_dialog: ChildDialog | None = None

        for field in HOUSEHOLD_FIELDS:
            widget = getattr(self, field)
            widget.installEventFilter(self)
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda _t, f=field: self._household_edited(f))
            elif isinstance(widget, QComboBox):
                widget.currentIndexChanged.connect(lambda _i, f=field: self._household_edited(f))

        self._load(form, default_hamlet_id)
        if not show_personal:
            # Roles without VIEW_PERSONAL never see phone or ID numbers; the values are kept.
            for widget in (self.phone, self._phone_caption):
                widget.hide()
            self._id_header.hide()
        if not editable:
            self._make_read_only()
        resize_to_fit(self, 1240, 700)
        self.setMinimumSize(900, 520)
        (self.head_name if form is not None else self.number).setFocus()

    # -- loading --------------------------------------------------------------------------

    def _load(self, form: HouseholdForm | None, default_hamlet_id: str | None) -> None:
        if form is None:
            if default_hamlet_id:
                self.hamlet_id.set_current_data(default_hamlet_id)
            self.poverty_code.set_current_data("HN03")
            self.add_child()
        else:
            self.hamlet_id.set_current_data(form.hamlet_id)
            self.number.setText(form.number)
            self.head_name.setText(form.head_name)
            self.address.setText(form.address)
            self.poverty_code.set_current_data(form.poverty_code)
            self.poverty_year.setText(str(form.poverty_year) if form.poverty_year else "")
            self.phone.setText(form.phone)
            self.collaborator_name.setText(form.collaborator_name)
            for child in form.children:
                self.add_child(child)
            if not form.children:
                self.add_child()
        self._dirty = False

    def _make_read_only(self) -> None:
        self.setWindowTitle(self.tr("Xem hộ gia đình"))
        for field in HOUSEHOLD_FIELDS:
            widget = getattr(self, field)
            if isinstance(widget, QLineEdit):
                widget.setReadOnly(True)
            else:
                widget.setEnabled(False)
        self.add_child_button.hide()
        self.save_button.hide()
        for button in self.buttons.buttons():
            if button is not self.save_button:
                button.setText(self.tr("Đóng"))

    # -- children rows --------------------------------------------------------------------

    def add_child(self, child: ChildForm | None = None, *, focus: bool = False) -> ChildRow:
        """Append a child row (empty, or showing ``child``)."""
        row = ChildRow(child, self._today, self.rows_box)
        if not self.show_personal:
            row.id_number.hide()
        if not self.editable or row.history:
            row.set_read_only()
        self.rows.append(row)
        # Rows go above the "Thêm trẻ" line and the stretch.
        self.rows_layout.insertWidget(self.rows_layout.count() - 2, row)
        row.remove_requested.connect(self._remove_requested)
        row.details_requested.connect(self.open_details)
        row.identity_changed.connect(self._identity_changed)
        row.changed.connect(self._mark_dirty)
        for widget in row.inputs():
            widget.installEventFilter(self)
        self._renumber()
        self._update_tab_order()
        if focus:
            row.full_name.setFocus()
            self.children_scroll.ensureWidgetVisible(row)
        if child is None:
            self._dirty = True
        return row

    def _add_child_by_hand(self) -> None:
        if self.editable:
            self.add_child(focus=True)

    def _renumber(self) -> None:
        for i, row in enumerate(self.rows, start=1):
            row.number.setText(str(i))

    def _update_tab_order(self) -> None:
        chain: list[QWidget] = [getattr(self, f) for f in (
            "hamlet_id", "number", "head_name", "phone", "address", "poverty_code",
            "poverty_year", "collaborator_name",
        )]  # fmt: skip
        for row in self.rows:
            chain.extend(row.inputs())
        chain.extend([self.add_child_button, self.save_button])
        chain.extend(b for b in self.buttons.buttons() if b is not self.save_button)
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _remove_requested(self, row: ChildRow) -> None:
        if row.removed:
            row.undo_remove()
            return
        if row.is_new:
            if row.is_blank():
                self._drop_row(row)
            else:
                messages.ask(
                    self,
                    self.tr("Bỏ dòng trẻ thứ {n} vừa nhập?").format(n=row.number.text()),
                    on_yes=lambda: self._drop_row(row),
                    yes_text=self.tr("Bỏ dòng này"),
                    no_text=self.tr("Giữ lại"),
                )
            return
        dialog = RemoveChildDialog(row.full_name.text(), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: row.mark_removed(dialog.reason.text().strip()))
        dialog.open()

    def _drop_row(self, row: ChildRow) -> None:
        if row not in self.rows:
            return
        self.rows.remove(row)
        self.rows_layout.removeWidget(row)
        row.hide()
        row.deleteLater()
        self._renumber()
        self._update_tab_order()
        self._dirty = True

    # -- keyboard -------------------------------------------------------------------------

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Enter moves to the next field; on the last child's notes it adds a child."""
        if _is_enter(event) and isinstance(watched, QWidget):
            assert isinstance(event, QKeyEvent)
            if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                return False  # Ctrl+Enter saves (shortcut)
            if isinstance(watched, QComboBox) and watched.view().isVisible():
                return False
            if isinstance(watched, QPushButton):
                return False  # Enter on a button presses it
            live = [r for r in self.rows if not r.removed]
            notes_of = [r for r in live if watched is r.notes]
            if notes_of:
                # Enter on a child's last field goes to the next child, or adds one.
                index = live.index(notes_of[0])
                if index == len(live) - 1:
                    self._add_child_by_hand()
                else:
                    live[index + 1].full_name.setFocus()
                    self.children_scroll.ensureWidgetVisible(live[index + 1])
                return True
            if isinstance(watched, DateLineEdit) and self.editable:
                watched.check()
            self.focusNextChild()
            return True
        return super().eventFilter(watched, event)

    # -- dirty tracking and closing -------------------------------------------------------

    def _mark_dirty(self) -> None:
        self._dirty = True

    def _household_edited(self, field: str) -> None:
        self._dirty = True
        label = self.field_errors.get(field)
        if label is not None and label.text():
            label.show_message("")
            set_invalid(getattr(self, field), None)

    def has_unsaved_changes(self) -> bool:
        """True if something was typed since the form was opened or saved."""
        return self._dirty

    def reject(self) -> None:
        """Ask before throwing away what was typed."""
        if self._busy:
            return
        if self._dirty:
            messages.ask(
                self,
                self.tr("Những gì vừa nhập cho hộ này chưa được lưu. Đóng và bỏ các thay đổi?"),
                on_yes=self._discard,
                yes_text=self.tr("Bỏ thay đổi"),
                no_text=self.tr("Tiếp tục nhập"),
                icon=QMessageBox.Icon.Warning,
            )
            return
        super().reject()

    def _discard(self) -> None:
        self._dirty = False
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """The X button behaves like Hủy."""
        event.ignore()
        self.reject()

    # -- saving ---------------------------------------------------------------------------

    def collect(self) -> HouseholdForm:
        """The HouseholdForm with everything typed (blank new child rows are left out)."""
        year_text = self.poverty_year.text().strip()
        hamlet = self.hamlet_id.current_data()
        poverty = self.poverty_code.current_data()
        children = [row.to_form() for row in self.rows if not row.is_blank()]
        base = self._form
        return HouseholdForm(
            id=base.id if base is not None else None,
            hamlet_id=hamlet if isinstance(hamlet, str) else "",
            number=self.number.text(),
            head_name=self.head_name.text(),
            address=self.address.text(),
            poverty_code=poverty if isinstance(poverty, str) else "",
            poverty_year=int(year_text) if year_text else None,
            phone=self.phone.text(),
            children=children,
            collaborator_name=self.collaborator_name.text(),
        )

    def _rows_in_form(self) -> list[ChildRow]:
        """Rows in the order of HouseholdForm.children (the service's row numbers)."""
        return [row for row in self.rows if not row.is_blank()]

    def _local_problems(self, rows: list[ChildRow]) -> list[FieldProblem]:
        """Dates that could not be read: the service only sees them as missing."""
        problems = []
        for index, row in enumerate(rows, start=1):
            if row.removed:
                continue
            row.birth_date.check()
            if row.birth_date.problem:
                problems.append(
                    FieldProblem(
                        "birth_date",
                        self.tr("Trẻ thứ {n}: {m}").format(n=index, m=row.birth_date.problem),
                        index,
                    )
                )
        return problems

    def save(self) -> None:
        """Save in the background; on problems, mark them and keep everything typed."""
        if self._busy or not self.editable:
            return
        # Blank rows are dropped from the form: renumber so messages match what is shown.
        for row in [r for r in self.rows if r.is_blank()]:
            if len(self.rows) > 1:
                self._drop_row(row)
        rows = self._rows_in_form()
        local = self._local_problems(rows)
        self._save(self.collect(), local, rows, accept_warnings=False)

    def _save(
        self,
        form: HouseholdForm,
        local: list[FieldProblem],
        rows: list[ChildRow],
        *,
        accept_warnings: bool,
    ) -> None:
        self._busy = True
        self.save_button.setEnabled(False)
        service, today = self._service, self._today
        run_op(
            self,
            lambda: service.save_household(form, today, accept_warnings=accept_warnings),
            success=self._saved,
            failure=lambda exc: self._save_failed(exc, local, rows, form),
            label=self.tr("Đang lưu hộ gia đình…"),
        )

    def _saved(self, household_id: str) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        self._dirty = False
        self.saved.emit(household_id)
        self.accept()

    def _save_failed(
        self,
        exc: BaseException,
        local: list[FieldProblem],
        rows: list[ChildRow],
        form: HouseholdForm,
    ) -> None:
        self._busy = False
        self.save_button.setEnabled(True)
        if isinstance(exc, NeedsConfirmation) and not local:
            self._confirm(exc, rows, form)
            return
        if not isinstance(exc, ValidationError):
            messages.show_exception(self, exc)
            return
        unreadable = {(p.row, p.field) for p in local}
        problems = local + [p for p in exc.problems if (p.row, p.field) not in unreadable]
        self.show_problems(sorted(problems, key=_reading_order), rows)

    def _confirm(self, exc: NeedsConfirmation, rows: list[ChildRow], form: HouseholdForm) -> None:
        """Warnings (ID that disagrees, possible duplicates, adults): save after a yes."""
        dialog = ConfirmWarningsDialog(exc.problems, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.confirm_dialog = dialog

        def accepted() -> None:
            reason = dialog.override_reason()
            if reason:
                # The reason is kept on each person whose ID number raised a warning.
                flagged = {p.row for p in dialog.id_warnings if p.row is not None}
                for index in flagged:
                    if 1 <= index <= len(form.children):
                        child = form.children[index - 1]
                        form.children[index - 1] = dataclasses.replace(
                            child, id_check_override=reason
                        )
                        row = rows[index - 1]
                        row.full_form = form.children[index - 1]
            self._save(form, [], rows, accept_warnings=True)

        dialog.accepted.connect(accepted)
        dialog.open()

    # -- the full record and possible duplicates ------------------------------------------

    def _details_of_focused(self) -> None:
        focused = self.focusWidget()
        for row in self.rows:
            if focused is not None and (focused is row or row.isAncestorOf(focused)):
                self.open_details(row)
                return

    def open_details(self, row: ChildRow) -> ChildDialog | None:
        """The row's full record; what is done there comes back to the row."""
        if row not in self.rows:
            return None
        form = row.to_form()
        dialog = ChildDialog(
            self._book,
            form,
            household_id=self._form.id if self._form is not None else None,
            embed=True,
            today=self._today,
            parent=self,
        )
        if not self.editable:
            dialog._make_read_only()
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.form_ready.connect(row.apply_full_form)
        self.child_dialog = dialog
        dialog.open()
        return dialog

    def _identity_changed(self, row: ChildRow) -> None:
        if not self.editable or row.history or row.removed:
            return
        if row not in self._duplicate_rows:
            self._duplicate_rows.append(row)
        self._duplicate_timer.start()

    def _check_duplicates(self) -> None:
        """Look for persons of the book the rows just typed may duplicate (background)."""
        rows, self._duplicate_rows = self._duplicate_rows, []
        household = self._form.id if self._form is not None else None
        mine = tuple(r.original.id for r in self.rows if r.original is not None and r.original.id)
        service = self._duplicates
        for row in rows:
            if row not in self.rows:
                continue
            name, born = row.full_name.text(), row.birth_date.value()
            number = row.id_number.text().replace(" ", "") or None
            if not name.strip() and not number:
                row.show_hint("")
                continue
            run_op(
                self,
                functools.partial(
                    service.candidates, name, born, number, household, exclude_ids=mine
                ),
                success=functools.partial(self._show_duplicates, row),
                failure=lambda _exc: None,
            )

    def _show_duplicates(self, row: ChildRow, found: Sequence[DuplicateCandidate]) -> None:
        if row not in self.rows:
            return
        if found:
            lines = [
                self.tr("Có thể trùng: {name}, sinh {born}{where} — {why}.").format(
                    name=c.full_name,
                    born=format_vn_date(c.birth_date),
                    where=f", {c.household_label}" if c.household_label else "",
                    why=c.reason_text,
                )
                for c in found[:3]
            ]
            row.show_hint("\n".join(lines))
        else:
            row.show_hint("")
        self.duplicates_checked.emit(row)

    def open_history(self) -> QDialog | None:
        """The household's change events; split and merge households from there."""
        if self._form is None or self._form.id is None:
            return None
        from desktop.ui.households.history import HouseholdHistoryDialog

        dialog = HouseholdHistoryDialog(
            self._book, self._form.id, editable=self.editable, today=self._today, parent=self
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(self.history_changed.emit)
        dialog.open()
        return dialog

    def show_problems(self, problems: list[FieldProblem], rows: list[ChildRow]) -> None:
        """Mark every problem at its field and list them all above the buttons."""
        for field in HOUSEHOLD_FIELDS:
            self.field_errors[field].show_message("")
            set_invalid(getattr(self, field), None)
        by_row: dict[int, list[FieldProblem]] = {}
        first: QWidget | None = None
        for problem in problems:
            if problem.row is not None and 1 <= problem.row <= len(rows):
                by_row.setdefault(problem.row, []).append(problem)
                widget = rows[problem.row - 1].field_widget(problem.field)
            elif problem.field in HOUSEHOLD_FIELDS:
                label = self.field_errors[problem.field]
                text = f"{label.text()}\n{problem.message}" if label.text() else problem.message
                label.show_message(text)
                widget = getattr(self, problem.field)
                set_invalid(widget, text)
            else:
                continue
            first = first or widget
        for index, row in enumerate(rows, start=1):
            row.set_problems(by_row.get(index, []))
        if problems:
            header = self.tr("Chưa lưu được. Hãy sửa {n} chỗ sau (mọi thứ đã nhập vẫn còn):")
            lines = [header.format(n=len(problems))] + [f"• {p.message}" for p in problems]
            self.summary.setText("\n".join(lines))
            self.summary.show()
        else:
            self.summary.hide()
        if first is not None:
            first.setFocus()
            parent = first.parentWidget()
            if isinstance(parent, ChildRow):
                self.children_scroll.ensureWidgetVisible(parent)


class AddHamletDialog(QDialog):
    """Add a hamlet (thôn, tổ dân phố). Emits ``added(HamletItem)``."""

    added = Signal(object)

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = HouseholdService(book)
        self._busy = False
        self.setWindowTitle(self.tr("Thêm thôn/tổ dân phố"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("ví dụ: Thôn Đông"))
        self.collaborator = QLineEdit()
        self.collaborator.setPlaceholderText(self.tr("không bắt buộc"))
        self.error = ErrorLabel()
        form = QFormLayout()
        form.addRow(self.tr("Tên thôn/tổ:"), self.name)
        form.addRow("", self.error)
        form.addRow(self.tr("Cộng tác viên phụ trách:"), self.collaborator)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton(
            self.tr("Thêm"), QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.ok_button.setObjectName("primary")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.name.textEdited.connect(lambda _t: self._show(""))
        self.setMinimumWidth(460)

    def _show(self, message: str) -> None:
        self.error.show_message(message)
        set_invalid(self.name, message or None)

    def submit(self) -> None:
        """Add the hamlet in the background."""
        if self._busy:
            return
        name, collaborator = self.name.text(), self.collaborator.text()
        self._busy = True
        self.ok_button.setEnabled(False)
        service = self._service
        run_op(
            self,
            lambda: service.add_hamlet(name, collaborator),
            success=self._added,
            failure=self._failed,
        )

    def _added(self, item: HamletItem) -> None:
        self._busy = False
        self.added.emit(item)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self._show(exc.message_vi)
            self.name.setFocus()
        else:
            messages.show_exception(self, exc)
