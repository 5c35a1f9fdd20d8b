"""Editing a child's parents, guardians and carers: names, role, status, phone."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.child_rules import GUARDIAN_ROLES, PARENT_STATUSES
from desktop.core.services.children import GuardianForm
from desktop.ui.widgets import FoldingComboBox


class GuardianRow(QWidget):
    """One parent, guardian or carer."""

    remove_requested = Signal(object)

    def __init__(self, form: GuardianForm | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = form
        self.removed = False
        self.role = FoldingComboBox()
        self.role.set_items([(self.tr(label), key) for key, label in GUARDIAN_ROLES.items()])
        self.role.setFixedWidth(150)
        self.full_name = QLineEdit()
        self.full_name.setPlaceholderText(self.tr("Họ và tên"))
        self.status = FoldingComboBox()
        self.status.set_items([(self.tr(label), key) for key, label in PARENT_STATUSES.items()])
        self.status.setFixedWidth(230)
        self.phone = QLineEdit()
        self.phone.setPlaceholderText(self.tr("Điện thoại"))
        self.phone.setFixedWidth(120)
        self.remove_button = QPushButton(self.tr("Bỏ"))
        self.remove_button.setAutoDefault(False)
        self.remove_button.setFixedWidth(56)
        line = QHBoxLayout(self)
        line.setContentsMargins(0, 0, 0, 0)
        for widget in (self.role, self.full_name, self.status, self.phone, self.remove_button):
            line.addWidget(widget, 1 if widget is self.full_name else 0)
        if form is not None:
            self.role.set_current_data(form.role)
            self.full_name.setText(form.full_name)
            self.status.set_current_data(form.parent_status)
            self.phone.setText(form.phone)
        else:
            self.status.set_current_data("alive")
        self.remove_button.clicked.connect(lambda: self.remove_requested.emit(self))

    def to_form(self) -> GuardianForm:
        """What is typed."""
        role = self.role.current_data()
        status = self.status.current_data()
        base = self.original
        return GuardianForm(
            role=role if isinstance(role, str) else "",
            full_name=self.full_name.text(),
            person_id=base.person_id if base is not None else None,
            parent_status=status if isinstance(status, str) else "unknown",
            phone=self.phone.text(),
            id=base.id if base is not None else None,
            remove=self.removed,
        )

    def is_blank(self) -> bool:
        """True for a new row with nothing typed."""
        return self.original is None and not self.full_name.text().strip()

    def set_read_only(self) -> None:
        """Show without letting anything change."""
        for edit in (self.full_name, self.phone):
            edit.setReadOnly(True)
        for combo in (self.role, self.status):
            combo.setEnabled(False)
        self.remove_button.hide()


class GuardiansEditor(QWidget):
    """The list of a child's parents and guardians, with "add" and "remove"."""

    changed = Signal()

    def __init__(
        self,
        guardians: Sequence[GuardianForm],
        *,
        editable: bool,
        show_phone: bool,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.editable = editable
        self.show_phone = show_phone
        self.rows: list[GuardianRow] = []
        self._removed: list[GuardianForm] = []
        hint = QLabel(
            self.tr(
                "Ghi cha, mẹ và người đang chăm sóc trẻ. Tình trạng của cha mẹ (đã mất, mất tích, "
                "đang chấp hành án) cần cho việc xác định trẻ có hoàn cảnh đặc biệt."
            )
        )
        hint.setObjectName("hintLabel")
        hint.setWordWrap(True)
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setContentsMargins(0, 0, 0, 0)
        self.add_button = QPushButton(self.tr("+ Thêm cha, mẹ, người giám hộ"))
        self.add_button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(hint)
        layout.addLayout(self.rows_layout)
        add_line = QHBoxLayout()
        add_line.addWidget(self.add_button)
        add_line.addStretch(1)
        layout.addLayout(add_line)
        layout.addStretch(1)
        for guardian in guardians:
            self.add_row(guardian)
        if editable and not guardians:
            self.add_row(GuardianForm("father", parent_status="alive"), new=True)
            self.add_row(GuardianForm("mother", parent_status="alive"), new=True)
        self.add_button.setVisible(editable)
        self.add_button.clicked.connect(self._add_blank)

    def _add_blank(self) -> None:
        self.add_row(None).full_name.setFocus()

    def add_row(self, form: GuardianForm | None, *, new: bool = False) -> GuardianRow:
        """Add a row (an existing link, a prefilled new one, or an empty one)."""
        row = GuardianRow(None if new else form, self)
        if new and form is not None:
            row.role.set_current_data(form.role)
            row.status.set_current_data(form.parent_status)
        if not self.show_phone:
            row.phone.hide()
        if not self.editable:
            row.set_read_only()
        row.remove_requested.connect(self._remove)
        row.full_name.textEdited.connect(lambda _t: self.changed.emit())
        self.rows.append(row)
        self.rows_layout.addWidget(row)
        return row

    def _remove(self, row: GuardianRow) -> None:
        if row not in self.rows:
            return
        if row.original is not None and row.original.id is not None:
            row.removed = True
            self._removed.append(row.to_form())
        self.rows.remove(row)
        self.rows_layout.removeWidget(row)
        row.hide()
        row.deleteLater()
        self.changed.emit()

    def forms(self) -> list[GuardianForm]:
        """The links as typed, with removed ones marked (blank new rows are left out)."""
        return [row.to_form() for row in self.rows if not row.is_blank()] + self._removed
