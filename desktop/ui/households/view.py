"""The household list: search (accent-insensitive), filters, add and edit, history.

Like the children list it holds ids and fetches the rows shown. It also makes the automatic
change events due (16th birthdays, R02) when the book is opened and every day after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.events import AutoEventsResult, apply_automatic_events
from desktop.core.services.households import (
    HamletItem,
    HouseholdForm,
    HouseholdRow,
    HouseholdSearch,
    HouseholdService,
)
from desktop.ui import messages
from desktop.ui.changes import Change, announce, on_change
from desktop.ui.children.filters import FilterBar
from desktop.ui.households.dialog import AddHamletDialog, HouseholdDialog
from desktop.ui.households.model import (
    ADDRESS,
    CHILDREN,
    COLLABORATOR,
    HAMLET,
    HEAD,
    NUMBER,
    POVERTY,
    HouseholdTableModel,
    VietnameseSortProxy,
)
from desktop.ui.ops import run_op
from sync import clock

SEARCH_DELAY_MS = 150
PAGE = 80
AUTO_EVENTS_EVERY_MS = 60 * 60 * 1000  # the date is looked at every hour


class HouseholdsView(QWidget):
    """The "Hộ gia đình" area; it reloads whenever the book changes (desktop/ui/changes.py)."""

    rows_loaded = Signal(int)  # number of households shown, after each search
    auto_events_done = Signal(object)  # AutoEventsResult

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = HouseholdService(book)
        self._hamlets: list[HamletItem] = []
        self._request = 0
        self._select_after_load: str | None = None
        self._auto_events_on: date | None = None
        self._notice = ""
        self.dialog: HouseholdDialog | None = None

        title = QLabel(self.tr("Hộ gia đình"))
        title.setObjectName("pageTitle")
        self.filters = FilterBar(book.user, children=False)
        self.search = self.filters.search
        self.hamlet_filter = self.filters.hamlet
        self.add_button = QPushButton(self.tr("Thêm hộ (Ctrl+N)"))
        self.add_button.setObjectName("primary")
        self.edit_button = QPushButton(self.tr("Sửa hộ"))
        self.add_hamlet_button = QPushButton(self.tr("Thêm thôn"))

        self.model = HouseholdTableModel(self)
        self.proxy = VietnameseSortProxy(self)  # a pass-through: the service orders the list
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {HAMLET: 140, NUMBER: 60, HEAD: 210, POVERTY: 180, CHILDREN: 80,
                  COLLABORATOR: 170}  # fmt: skip
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(ADDRESS, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setObjectName("hintLabel")

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.edit_button)
        buttons.addWidget(self.add_hamlet_button)
        buttons.addStretch(1)
        buttons.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(self.filters)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)

        on_change(self, (Change.BOOK, Change.SYNC), self.reload)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.filters.text_changed.connect(self._search_timer.start)
        self.filters.changed.connect(self.refresh)
        self.search.returnPressed.connect(self._search_now)
        self.model.rows_needed.connect(self._fetch)
        self.add_button.clicked.connect(self.open_new)
        self.edit_button.clicked.connect(self.open_selected)
        self.add_hamlet_button.clicked.connect(self.open_add_hamlet)
        # What the role does not allow is hidden, not just refused (permissions.py).
        self.can_edit = book.user.may(Action.EDIT_BOOK)
        self.show_personal = book.user.may(Action.VIEW_PERSONAL)
        self.add_button.setVisible(self.can_edit)
        self.add_hamlet_button.setVisible(self.can_edit)
        self.table.setColumnHidden(ADDRESS, not self.show_personal)
        if not self.can_edit:
            self.edit_button.setText(self.tr("Xem hộ"))
        self.table.activated.connect(self._activated)
        QShortcut(QKeySequence("Ctrl+N"), self, self.open_new)
        QShortcut(QKeySequence("Ctrl+F"), self, self._focus_search)
        self._daily = QTimer(self)
        self._daily.setInterval(AUTO_EVENTS_EVERY_MS)
        self._daily.timeout.connect(self.run_automatic_events)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the hamlets and the household list; make the automatic events due today."""
        service = self._service
        run_op(self, service.hamlets, success=self._hamlets_loaded)
        self.refresh()
        self.run_automatic_events()
        if self.can_edit and not self._daily.isActive():
            self._daily.start()

    def run_automatic_events(self) -> None:
        """The 16th-birthday exits due today (once a day; nothing happens twice)."""
        today = clock.today()
        if not self.can_edit or self._auto_events_on == today:
            return
        self._auto_events_on = today
        book = self._book
        run_op(
            self,
            lambda: apply_automatic_events(book, today),
            success=self._auto_events_done,
            failure=lambda _exc: None,  # tried again tomorrow; nothing depends on it now
        )

    def _auto_events_done(self, result: AutoEventsResult) -> None:
        if result.created:
            self._notice = result.message_vi  # shown after the list's own count
            announce(Change.BOOK)
        self.auto_events_done.emit(result)

    def _hamlets_loaded(self, hamlets: Sequence[HamletItem]) -> None:
        self._hamlets = list(hamlets)
        self.filters.set_hamlets(self._hamlets)

    def refresh(self) -> None:
        """Search again with the current text and filters (in the background)."""
        self._search_timer.stop()
        self._request += 1
        request = self._request
        query = self.filters.household_query()
        service = self._service

        def work() -> tuple[HouseholdSearch, list[HouseholdRow]]:
            found = service.find(query)
            return found, service.household_rows(found.ids[:PAGE])

        run_op(self, work, success=lambda result: self._rows_loaded(request, result))

    def _search_now(self) -> None:
        self.refresh()

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _fetch(self, ids: list[str]) -> None:
        service = self._service
        run_op(self, lambda: service.household_rows(ids), success=self.model.add_rows)

    def _rows_loaded(
        self, request: int, result: tuple[HouseholdSearch, list[HouseholdRow]]
    ) -> None:
        if request != self._request:
            return  # an older search finished after a newer one started
        found, rows = result
        selected = self._select_after_load or self.selected_id()
        self._select_after_load = None
        self.model.set_ids(found.ids, rows)
        if found.ids:
            self.status.setText(
                self.tr("{h} hộ, {c} trẻ em").format(h=len(found.ids), c=found.children)
            )
        elif self.filters.any_filter():
            self.status.setText(self.tr("Không tìm thấy hộ nào khớp với điều kiện tìm."))
        else:
            self.status.setText(
                self.tr("Chưa có hộ nào. Bấm “Thêm thôn”, rồi “Thêm hộ” để bắt đầu nhập.")
            )
        if self._notice:
            self.status.setText(f"{self.status.text()} — {self._notice}")
            self._notice = ""
        if selected:
            self.select_household(selected)
        self.rows_loaded.emit(len(found.ids))

    # -- selection ------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        """The id of the selected household, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        if not 0 <= source.row() < self.model.rowCount():
            return None
        return self.model.id_at(source.row())

    def select_household(self, household_id: str) -> bool:
        """Select and show the household's row; False if it is not in the list."""
        row = self.model.row_of(household_id)
        if row < 0:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        self.table.setCurrentIndex(index)
        self.table.selectRow(index.row())
        self.table.scrollTo(index)
        return True

    def _activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        source = self.proxy.mapToSource(self.proxy.index(index.row(), 0))
        self.open_household(self.model.id_at(source.row()))

    # -- dialogs --------------------------------------------------------------------------

    def open_new(self) -> HouseholdDialog | None:
        """Open an empty household form (or ask for a hamlet first)."""
        if not self.can_edit:
            return None
        if not self._hamlets:
            messages.ask(
                self,
                self.tr("Sổ chưa có thôn/tổ dân phố nào. Thêm thôn/tổ trước khi nhập hộ?"),
                on_yes=self.open_add_hamlet,
                yes_text=self.tr("Thêm thôn"),
                no_text=self.tr("Để sau"),
            )
            return None
        hamlet = self.hamlet_filter.currentData()
        return self._open_dialog(None, hamlet if isinstance(hamlet, str) else None)

    def open_selected(self) -> None:
        """Edit the selected household."""
        household_id = self.selected_id()
        if household_id is None:
            messages.show_message(self, self.tr("Hãy chọn một hộ trong danh sách để sửa."))
            return
        self.open_household(household_id)

    def open_household(self, household_id: str) -> None:
        """Load the household in the background, then open its form."""
        service = self._service
        run_op(
            self,
            lambda: service.get_household(household_id),
            success=lambda form: self._open_dialog(form, None),
        )

    def _open_dialog(
        self, form: HouseholdForm | None, default_hamlet_id: str | None
    ) -> HouseholdDialog:
        dialog = HouseholdDialog(
            self._book,
            self._hamlets,
            form,
            default_hamlet_id=default_hamlet_id,
            editable=self.can_edit,
            show_personal=self.show_personal,
            parent=self,
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self._household_saved)
        dialog.history_changed.connect(self._history_changed)
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: HouseholdDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _household_saved(self, household_id: str) -> None:
        self._select_after_load = household_id
        self.model.forget([household_id])
        announce(Change.BOOK)

    def _history_changed(self) -> None:
        announce(Change.BOOK)

    def open_add_hamlet(self) -> AddHamletDialog | None:
        """Open the "Thêm thôn" dialog."""
        if not self.can_edit:
            return None
        dialog = AddHamletDialog(self._book, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(self._hamlet_added)
        dialog.open()
        return dialog

    def _hamlet_added(self, hamlet: HamletItem) -> None:
        announce(Change.BOOK)  # reloads the hamlets here, and every other screen
        self.status.setText(
            self.tr("Đã thêm “{name}”. Bấm “Thêm hộ” để nhập hộ gia đình.").format(name=hamlet.name)
        )
