"""The household list: search (accent-insensitive), hamlet filter, add and edit."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.households import (
    HamletItem,
    HouseholdForm,
    HouseholdRow,
    HouseholdService,
)
from desktop.ui import messages
from desktop.ui.households.dialog import AddHamletDialog, HouseholdDialog
from desktop.ui.households.model import (
    ADDRESS,
    CHILDREN,
    HAMLET,
    HEAD,
    NUMBER,
    POVERTY,
    HouseholdTableModel,
    VietnameseSortProxy,
)
from desktop.ui.ops import run_op

SEARCH_DELAY_MS = 200


class HouseholdsView(QWidget):
    """The "Hộ gia đình" area. Emits ``data_changed`` after a household or hamlet is saved."""

    data_changed = Signal()
    rows_loaded = Signal(int)  # number of households shown, after each search

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._service = HouseholdService(book)
        self._hamlets: list[HamletItem] = []
        self._request = 0
        self._select_after_load: str | None = None
        self.dialog: HouseholdDialog | None = None

        title = QLabel(self.tr("Hộ gia đình"))
        title.setObjectName("pageTitle")
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            self.tr("Tìm theo tên chủ hộ, tên trẻ, số hộ… (gõ không dấu cũng được)")
        )
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(360)
        self.hamlet_filter = QComboBox()
        self.hamlet_filter.setMinimumWidth(180)
        self.hamlet_filter.addItem(self.tr("Tất cả thôn/tổ"), None)
        self.add_button = QPushButton(self.tr("Thêm hộ (Ctrl+N)"))
        self.add_button.setObjectName("primary")
        self.edit_button = QPushButton(self.tr("Sửa hộ"))
        self.add_hamlet_button = QPushButton(self.tr("Thêm thôn"))

        self.model = HouseholdTableModel(self)
        self.proxy = VietnameseSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        # No sort column at first: the service's order (hamlet, then household number).
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(28)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in ((HAMLET, 150), (NUMBER, 70), (HEAD, 230), (POVERTY, 250)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(ADDRESS, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(CHILDREN, 90)
        self.status = QLabel()
        self.status.setObjectName("hintLabel")

        tools = QHBoxLayout()
        tools.addWidget(self.search, 3)
        tools.addWidget(QLabel(self.tr("Thôn/Tổ:")))
        tools.addWidget(self.hamlet_filter, 1)
        tools.addSpacing(12)
        tools.addWidget(self.add_button)
        tools.addWidget(self.edit_button)
        tools.addWidget(self.add_hamlet_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addLayout(tools)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.refresh)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)
        self.hamlet_filter.currentIndexChanged.connect(lambda _i: self.refresh())
        self.add_button.clicked.connect(self.open_new)
        self.edit_button.clicked.connect(self.open_selected)
        self.add_hamlet_button.clicked.connect(self.open_add_hamlet)
        # What the role does not allow is hidden, not just refused (permissions.py).
        self.can_edit = book.user.may(Action.EDIT_BOOK)
        self.show_personal = book.user.may(Action.VIEW_PERSONAL)
        self.add_button.setVisible(self.can_edit)
        self.add_hamlet_button.setVisible(self.can_edit)
        if not self.can_edit:
            self.edit_button.setText(self.tr("Xem hộ"))
        self.table.activated.connect(self._activated)
        QShortcut(QKeySequence("Ctrl+N"), self, self.open_new)
        QShortcut(QKeySequence("Ctrl+F"), self, self._focus_search)

    # -- loading --------------------------------------------------------------------------

    def reload(self) -> None:
        """Load the hamlets and the household list."""
        service = self._service
        run_op(self, service.hamlets, success=self._hamlets_loaded)
        self.refresh()

    def _hamlets_loaded(self, hamlets: Sequence[HamletItem]) -> None:
        self._hamlets = list(hamlets)
        current = self.hamlet_filter.currentData()
        self.hamlet_filter.blockSignals(True)
        self.hamlet_filter.clear()
        self.hamlet_filter.addItem(self.tr("Tất cả thôn/tổ"), None)
        for hamlet in self._hamlets:
            self.hamlet_filter.addItem(hamlet.name, hamlet.id)
        index = self.hamlet_filter.findData(current)
        self.hamlet_filter.setCurrentIndex(max(index, 0))
        self.hamlet_filter.blockSignals(False)

    def refresh(self) -> None:
        """Search again with the current text and hamlet (in the background)."""
        self._search_timer.stop()
        self._request += 1
        request = self._request
        query = self.search.text()
        hamlet_id = self.hamlet_filter.currentData()
        service = self._service
        run_op(
            self,
            lambda: service.list_households(query, hamlet_id),
            success=lambda rows: self._rows_loaded(request, query, rows),
        )

    def _search_now(self) -> None:
        self.refresh()

    def _focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def _rows_loaded(self, request: int, query: str, rows: Sequence[HouseholdRow]) -> None:
        if request != self._request:
            return  # an older search finished after a newer one started
        selected = self._select_after_load or self.selected_id()
        self._select_after_load = None
        self.model.set_rows(rows)
        children = sum(r.children for r in rows)
        if rows:
            self.status.setText(self.tr("{h} hộ, {c} trẻ em").format(h=len(rows), c=children))
        elif query.strip() or self.hamlet_filter.currentData():
            self.status.setText(self.tr("Không tìm thấy hộ nào khớp với điều kiện tìm."))
        else:
            self.status.setText(
                self.tr("Chưa có hộ nào. Bấm “Thêm thôn”, rồi “Thêm hộ” để bắt đầu nhập.")
            )
        if selected:
            self.select_household(selected)
        self.rows_loaded.emit(len(rows))

    # -- selection ------------------------------------------------------------------------

    def selected_id(self) -> str | None:
        """The id of the selected household, if any."""
        index = self.table.currentIndex()
        if not index.isValid():
            return None
        source = self.proxy.mapToSource(index)
        return self.model.row_at(source.row()).id

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
        self.open_household(self.model.row_at(source.row()).id)

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
        self.dialog = dialog
        dialog.finished.connect(lambda _r: self._forget_dialog(dialog))
        dialog.open()
        return dialog

    def _forget_dialog(self, dialog: HouseholdDialog) -> None:
        if self.dialog is dialog:
            self.dialog = None

    def _household_saved(self, household_id: str) -> None:
        self._select_after_load = household_id
        self.refresh()
        self.data_changed.emit()

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
        service = self._service
        run_op(self, service.hamlets, success=self._hamlets_loaded)
        self.data_changed.emit()
        self.status.setText(
            self.tr("Đã thêm “{name}”. Bấm “Thêm hộ” để nhập hộ gia đình.").format(name=hamlet.name)
        )
