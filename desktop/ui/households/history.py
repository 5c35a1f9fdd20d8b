"""A household's history (change events of the household and its members), split and merge."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.children import EventView
from desktop.core.services.events import EventService
from desktop.core.services.households import (
    HouseholdForm,
    HouseholdQuery,
    HouseholdRow,
    HouseholdService,
)
from desktop.ui import messages
from desktop.ui.children.records import RecordsModel
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit
from desktop.ui.widgets import DateLineEdit, ErrorLabel, FoldingComboBox
from sync import clock


class HouseholdHistoryDialog(QDialog):
    """Everything that happened to the household and its members, oldest first."""

    changed = Signal()
    loaded = Signal()

    def __init__(
        self,
        book: Book,
        household_id: str,
        *,
        editable: bool,
        today: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._household_id = household_id
        self._today = today or clock.today()
        self._form: HouseholdForm | None = None
        self.setWindowTitle(self.tr("Lịch sử của hộ"))
        self.heading = QLabel()
        self.heading.setObjectName("sectionTitle")
        self.model = RecordsModel(
            ["Ngày", "Biến động", "Người", "Nơi, nguyên nhân", "Hộ liên quan", "Ghi chú"],
            "HouseholdHistoryDialog",
            self,
        )
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = QLabel(self.tr("Chưa có biến động nào."))
        self.empty.setObjectName("hintLabel")
        self.split_button = QPushButton(self.tr("Tách hộ…"))
        self.join_button = QPushButton(self.tr("Nhập vào hộ khác…"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for button in (self.split_button, self.join_button):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
            button.setVisible(editable)
            button.setAutoDefault(False)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(buttons)
        buttons.rejected.connect(self.reject)
        self.split_button.clicked.connect(self.open_split)
        self.join_button.clicked.connect(self.open_join)
        resize_to_fit(self, 960, 560)
        self.reload()

    def reload(self) -> None:
        """Load the household and its events (background)."""
        book, household_id = self._book, self._household_id

        def work() -> tuple[HouseholdForm, list[EventView]]:
            form = HouseholdService(book).get_household(household_id)
            return form, EventService(book).household_history(household_id)

        run_op(self, work, success=self._loaded)

    def _loaded(self, result: tuple[HouseholdForm, list[EventView]]) -> None:
        form, events = result
        self._form = form
        self.heading.setText(
            self.tr("Hộ số {n}, chủ hộ {head}").format(n=form.number, head=form.head_name)
        )
        self.model.set_rows(
            [
                (
                    e.id,
                    [
                        format_vn_date(e.event_date),
                        e.name + (self.tr(" (tự động)") if e.automatic else ""),
                        e.person_name,
                        "; ".join(x for x in (e.place, e.cause) if x),
                        e.other_household_label,
                        e.details,
                    ],
                )
                for e in events
            ]
        )
        self.empty.setVisible(not events)
        self.loaded.emit()

    def _changed(self, *_args: object) -> None:
        self.changed.emit()
        self.reload()

    def open_split(self) -> SplitHouseholdDialog | None:
        """Move some members into a new household."""
        if self._form is None:
            return None
        dialog = SplitHouseholdDialog(self._book, self._form, today=self._today, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.done_with.connect(self._changed)
        dialog.open()
        return dialog

    def open_join(self) -> JoinHouseholdDialog | None:
        """Move every member into another household of the hamlet."""
        if self._form is None:
            return None
        dialog = JoinHouseholdDialog(self._book, self._form, today=self._today, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.done_with.connect(self._changed)
        dialog.open()
        return dialog


class _EventFormDialog(QDialog):
    """Shared parts of the split and join dialogs: date, notes, error line, buttons."""

    done_with = Signal(str)

    def __init__(self, book: Book, today: date, parent: QWidget | None) -> None:
        super().__init__(parent)
        self._events = EventService(book)
        self._today = today
        self._busy = False
        self.day = DateLineEdit(label=self.tr("Ngày"))
        self.day.set_value(today)
        self.day.setFixedWidth(130)
        self.details = QLineEdit()
        self.error = ErrorLabel()
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.addButton("", QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("primary")
        self.buttons.rejected.connect(self.reject)
        self.setMinimumWidth(560)

    def finish_layout(self, top: QWidget | None = None) -> None:
        """Put the shared rows under the dialog's own ones."""
        self.form.addRow(self.tr("Ngày *:"), self.day)
        self.form.addRow(self.tr("Ghi chú:"), self.details)
        layout = QVBoxLayout(self)
        if top is not None:
            layout.addWidget(top)
        layout.addLayout(self.form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)

    def run(self, work: object) -> None:
        """Run ``work`` (a callable) in the background; errors stay in the dialog."""
        if self._busy:
            return
        self._busy = True
        self.ok_button.setEnabled(False)
        run_op(self, work, success=self._finished, failure=self._failed)  # type: ignore[arg-type]

    def _finished(self, result: object) -> None:
        self._busy = False
        self.done_with.emit(str(result))
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        self.ok_button.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.error.show_message(exc.message_vi)
        else:
            messages.show_exception(self, exc)


class SplitHouseholdDialog(_EventFormDialog):
    """Tách hộ: the chosen members form a new household of the same hamlet."""

    def __init__(
        self, book: Book, household: HouseholdForm, *, today: date, parent: QWidget | None
    ) -> None:
        super().__init__(book, today, parent)
        self._household = household
        self.setWindowTitle(self.tr("Tách hộ"))
        self.ok_button.setText(self.tr("Tách hộ"))
        hint = QLabel(self.tr("Chọn những người chuyển sang hộ mới (cùng thôn):"))
        self.members = QListWidget()
        for child in household.children:
            if child.read_only_reason or child.id is None:
                continue
            item = QListWidgetItem(f"{child.full_name} ({format_vn_date(child.birth_date)})")
            item.setData(Qt.ItemDataRole.UserRole, child.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.members.addItem(item)
        self.number = QLineEdit()
        self.number.setPlaceholderText(self.tr("số hộ mới trong thôn"))
        self.head_name = QLineEdit()
        self.address = QLineEdit()
        self.address.setPlaceholderText(self.tr("để trống: như hộ cũ"))
        self.form.addRow(hint)
        self.form.addRow(self.members)
        self.form.addRow(self.tr("Số hộ mới *:"), self.number)
        self.form.addRow(self.tr("Chủ hộ mới *:"), self.head_name)
        self.form.addRow(self.tr("Địa chỉ:"), self.address)
        self.finish_layout()
        self.buttons.accepted.connect(self.submit)

    def chosen(self) -> list[str]:
        """Ids of the members ticked."""
        return [
            str(self.members.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.members.count())
            if self.members.item(i).checkState() == Qt.CheckState.Checked
        ]

    def submit(self) -> None:
        """Split in the background."""
        self.day.check()
        day = self.day.value()
        if day is None:
            self.error.show_message(self.day.problem or self.tr("Ngày tách hộ: chưa nhập."))
            return
        service, source = self._events, self._household.id or ""
        members, number, head = self.chosen(), self.number.text(), self.head_name.text()
        address, details, today = self.address.text(), self.details.text(), self._today
        self.run(
            lambda: service.split_household(
                source, members, number=number, head_name=head, day=day, address=address,
                details=details, today=today,
            )
        )  # fmt: skip


class JoinHouseholdDialog(_EventFormDialog):
    """Nhập hộ: every member moves into another household; this one is closed."""

    def __init__(
        self, book: Book, household: HouseholdForm, *, today: date, parent: QWidget | None
    ) -> None:
        super().__init__(book, today, parent)
        self._household = household
        self.setWindowTitle(self.tr("Nhập vào hộ khác"))
        self.ok_button.setText(self.tr("Nhập hộ"))
        hint = QLabel(
            self.tr(
                "Mọi người của hộ số {n} chuyển sang hộ được chọn; hộ số {n} được đóng lại, lịch "
                "sử vẫn giữ."
            ).format(n=household.number)
        )
        hint.setWordWrap(True)
        self.target = FoldingComboBox()
        self.target.set_items([(self.tr("Đang tải…"), None)])
        self.form.addRow(hint)
        self.form.addRow(self.tr("Nhập vào hộ *:"), self.target)
        self.finish_layout()
        self.buttons.accepted.connect(self.submit)
        households = HouseholdService(book)
        hamlet = household.hamlet_id

        def work() -> list[HouseholdRow]:
            return households.household_rows(households.search(HouseholdQuery(hamlet_id=hamlet)))

        run_op(self, work, success=self._targets)

    def _targets(self, rows: Sequence[HouseholdRow]) -> None:
        self.target.set_items(
            [(self.tr("— chọn hộ —"), None)]
            + [
                (self.tr("Hộ số {n} — {head}").format(n=r.number, head=r.head_name), r.id)
                for r in rows
                if r.id != self._household.id
            ]
        )

    def submit(self) -> None:
        """Merge in the background."""
        self.day.check()
        day = self.day.value()
        target = self.target.current_data()
        if day is None or not isinstance(target, str):
            self.error.show_message(self.tr("Hãy chọn hộ nhập vào và nhập ngày."))
            return
        service, source = self._events, self._household.id or ""
        details, today = self.details.text(), self._today
        self.run(lambda: service.merge_households(source, target, day, details, today))
