"""The "Trẻ em" area: every child of the book, searched and filtered as one types.

The list holds the ids of a search and fetches the rows shown (a page at a time), so with
50,000 children typing and scrolling stay instant (the search itself runs on the book's
in-memory index: services/book_index.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QKeySequence, QShortcut, QShowEvent
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
from desktop.core.services.book_index import POPULATIONS
from desktop.core.services.children import ChildListRow, ChildService
from desktop.core.services.households import HamletItem, HouseholdService
from desktop.ui import messages
from desktop.ui.changes import Change, announce, on_change
from desktop.ui.children.events import EventDialog
from desktop.ui.children.filters import FilterBar
from desktop.ui.children.merge import DuplicatesDialog
from desktop.ui.children.model import (
    AGE,
    BIRTH,
    ETHNICITY,
    FLAGS,
    HAMLET,
    HEAD,
    ID_NUMBER,
    NAME,
    NUMBER,
    SEX,
    SORTABLE,
    ChildTableModel,
)
from desktop.ui.children.profile import ChildProfileDialog
from desktop.ui.ops import run_op
from sync import clock

SEARCH_DELAY_MS = 120
PAGE = 80  # rows fetched with each search: a screenful and a little more


class ChildrenView(QWidget):
    """The children list; it searches again whenever the book changes (desktop/ui/changes.py)."""

    rows_loaded = Signal(int)  # number of children found, after each search

    def __init__(
        self, book: Book, parent: QWidget | None = None, *, today: date | None = None
    ) -> None:
        super().__init__(parent)
        self._book = book
        self._service = ChildService(book)
        self._today = today
        self._request = 0
        self._order = "name"
        self._descending = False
        self._sort_column = NAME
        self._up = True
        self._prepared = False
        self.profile: ChildProfileDialog | None = None
        self.can_edit = book.user.may(Action.EDIT_BOOK)

        title = QLabel(self.tr("Trẻ em"))
        title.setObjectName("pageTitle")
        self.filters = FilterBar(book.user, children=True)
        self.model = ChildTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(NAME, Qt.SortOrder.AscendingOrder)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        widths = {NAME: 190, BIRTH: 90, AGE: 48, SEX: 70, ETHNICITY: 80, HAMLET: 110,
                  NUMBER: 56, HEAD: 170, ID_NUMBER: 110}  # fmt: skip
        for column, width in widths.items():
            header.resizeSection(column, width)
        header.setSectionResizeMode(FLAGS, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(ID_NUMBER, not book.user.may(Action.VIEW_PERSONAL))
        self.open_button = QPushButton(self.tr("Xem hồ sơ (Enter)"))
        self.open_button.setObjectName("primary")
        self.event_button = QPushButton(self.tr("Ghi biến động"))
        self.duplicates_button = QPushButton(self.tr("Hồ sơ có thể trùng"))
        # The list as filtered and sorted now goes to Excel (personal data: EXPORT right only).
        self.export_button = QPushButton(self.tr("Xuất Excel…"))
        self.export_button.setVisible(book.user.may(Action.EXPORT))
        self.export_button.clicked.connect(self.export_excel)
        self.status = QLabel()
        self.status.setObjectName("hintLabel")

        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.event_button)
        buttons.addWidget(self.duplicates_button)
        buttons.addWidget(self.export_button)
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
        self.filters.search.returnPressed.connect(self._focus_list)
        self.model.rows_needed.connect(self._fetch)
        header.sectionClicked.connect(self._sort_by)
        self.table.activated.connect(self._activated)
        self.open_button.clicked.connect(self.open_selected)
        self.event_button.clicked.connect(self.open_event)
        self.duplicates_button.clicked.connect(self.open_duplicates)
        self.event_button.setVisible(self.can_edit)
        self.duplicates_button.setVisible(self.can_edit)
        QShortcut(QKeySequence("Ctrl+F"), self, self._focus_search)

    # -- loading --------------------------------------------------------------------------

    def showEvent(self, event: QShowEvent) -> None:
        """Each time the area is shown the list is searched again (others may have edited)."""
        super().showEvent(event)
        self.reload()

    def reload(self) -> None:
        """Load the hamlets and search."""
        households = HouseholdService(self._book)
        run_op(self, households.hamlets, success=self._hamlets_loaded)
        self.refresh()

    def _hamlets_loaded(self, hamlets: Sequence[HamletItem]) -> None:
        self.filters.set_hamlets(hamlets)

    def today(self) -> date:
        """The day ages and alerts are computed on."""
        return self._today or clock.today()

    def refresh(self) -> None:
        """Search again with the current text, filters and order (in the background)."""
        self._search_timer.stop()
        self._request += 1
        request = self._request
        query = self.filters.child_query(self._order, self._descending)
        service, today = self._service, self.today()

        def work() -> tuple[list[str], list[ChildListRow]]:
            ids = service.search(query, today)
            return ids, service.rows(ids[:PAGE], today)

        run_op(self, work, success=lambda result: self._loaded(request, result))

    def _loaded(self, request: int, result: tuple[list[str], list[ChildListRow]]) -> None:
        if request != self._request:
            return  # an older search finished after a newer one started
        ids, rows = result
        selected = self.selected_id()
        self.model.set_ids(ids, rows)
        population = self.filters.population.current_data()
        if ids:
            self.status.setText(self.tr("{n} người").format(n=len(ids)))
            if population in (None, "children"):
                self.status.setText(self.tr("{n} trẻ em").format(n=len(ids)))
        elif self.filters.any_filter():
            self.status.setText(self.tr("Không tìm thấy ai khớp với điều kiện tìm."))
        else:
            label = POPULATIONS.get(str(population or "children"), "")
            self.status.setText(self.tr("Chưa có ai trong mục “{p}”.").format(p=self.tr(label)))
        if selected:
            self.select_child(selected)
        self.rows_loaded.emit(len(ids))
        if not self._prepared:
            # The filters' columns (sex, flags, ID numbers) load while the officer looks.
            self._prepared = True
            run_op(self, self._service.prepare, failure=lambda _exc: None)

    def export_excel(self) -> None:
        """Write the children shown now (filters and order kept) to an .xlsx file."""
        from desktop.core.services.exports import ExportService
        from desktop.ui.printing.export_list import export_table

        ids = list(self.model.ids)
        book = self._book
        export_table(
            self, book, lambda: ExportService(book).children_table(ids), "danh-sach-tre-em.xlsx"
        )

    def _fetch(self, ids: list[str]) -> None:
        service, today = self._service, self.today()
        run_op(self, lambda: service.rows(ids, today), success=self.model.add_rows)

    def _sort_by(self, column: int) -> None:
        order = SORTABLE.get(column)
        header = self.table.horizontalHeader()
        if order is None:
            # Only some columns can order 50,000 rows at once: the indicator stays where it was.
            column = self._sort_column
        elif column == self._sort_column:
            self._up = not self._up
        else:
            self._sort_column, self._up = column, True
        header.setSortIndicator(
            self._sort_column,
            Qt.SortOrder.AscendingOrder if self._up else Qt.SortOrder.DescendingOrder,
        )
        if order is None:
            return
        self._order = order
        # Ages go up as birth dates go down.
        self._descending = (not self._up) != (column == AGE)
        self.refresh()

    def _focus_search(self) -> None:
        self.filters.search.setFocus()
        self.filters.search.selectAll()

    def _focus_list(self) -> None:
        self.refresh()
        self.table.setFocus()
        if self.model.rowCount() and not self.table.currentIndex().isValid():
            self.table.setCurrentIndex(self.model.index(0, 0))

    # -- selection ------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        """The id of the selected child, if any."""
        index = self.table.currentIndex()
        if not index.isValid() or index.row() >= self.model.rowCount():
            return None
        return self.model.id_at(index.row())

    def select_child(self, person_id: str) -> bool:
        """Select and show the child's row; False if it is not in the list."""
        row = self.model.row_of(person_id)
        if row < 0:
            return False
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.selectRow(row)
        self.table.scrollTo(index)
        return True

    def _activated(self, index: QModelIndex | QPersistentModelIndex) -> None:
        self.open_profile(self.model.id_at(index.row()))

    # -- windows --------------------------------------------------------------------------

    def open_selected(self) -> ChildProfileDialog | None:
        """Open the selected child's profile."""
        person_id = self.selected_id()
        if person_id is None:
            messages.show_message(self, self.tr("Hãy chọn một trẻ trong danh sách."))
            return None
        return self.open_profile(person_id)

    def open_profile(self, person_id: str) -> ChildProfileDialog:
        """The profile of ``person_id``."""
        dialog = ChildProfileDialog(self._book, person_id, today=self._today, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda: self._changed(person_id))
        dialog.finished.connect(lambda _r: self._forget(dialog))
        self.profile = dialog
        dialog.open()
        return dialog

    def _forget(self, dialog: ChildProfileDialog) -> None:
        if self.profile is dialog:
            self.profile = None

    def open_event(self) -> EventDialog | None:
        """Record a change event for the selected child."""
        person_id = self.selected_id()
        if person_id is None:
            messages.show_message(self, self.tr("Hãy chọn một trẻ trong danh sách."))
            return None
        row = self.model.row_at(self.model.row_of(person_id))
        name = row.full_name if row is not None else ""
        dialog = EventDialog(self._book, person_id, name, today=self._today, parent=self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.recorded.connect(lambda _e: self._changed(person_id))
        dialog.open()
        return dialog

    def open_duplicates(self) -> DuplicatesDialog:
        """Every pair of records that may be one child."""
        dialog = DuplicatesDialog(self._book, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.changed.connect(lambda: self._changed(None))
        dialog.open()
        return dialog

    def _changed(self, person_id: str | None) -> None:
        if person_id is not None:
            self.model.forget([person_id])
        announce(Change.BOOK)


def children_areas(book: Book) -> list[tuple[str, QWidget]]:
    """The main window's "Trẻ em" area (every role that may read the book has it)."""
    if not book.user.may(Action.VIEW_BOOK):
        return []
    return [(QCoreApplication.translate("MainWindow", "Trẻ em"), ChildrenView(book))]
