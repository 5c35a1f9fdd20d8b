"""The children behind one number of a report (drill-down)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.collation import name_sort_key, vn_sort_key
from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.population import SEX_LABELS
from desktop.core.reports.formatting import vn_int
from desktop.core.services.book import Book
from desktop.core.services.children import ChildListRow, ChildService
from desktop.core.services.reports import ReportService
from desktop.ui.households.model import SORT_ROLE, VietnameseSortProxy
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children


FIRST_PAGE = 200  # rows shown at once; the rest of a long list follows while it is read


def load_first_page(book: Book, ids: Sequence[str]) -> tuple[list[str], list[ChildListRow]]:
    """The ids in Vietnamese name order, and the rows of the first page (worker thread).

    The order comes from the book's index, which keeps the persons in name order: a cell of
    47,000 children is ordered without sorting a name, and its first page shows at once.
    """
    ordered = ChildService(book).in_name_order(list(ids))
    return ordered, ReportService(book).children_by_ids(ordered[:FIRST_PAGE])


def load_children(book: Book, ids: Sequence[str]) -> list[ChildListRow]:
    """The rows of ``ids``, in the order given (worker thread)."""
    return ReportService(book).children_by_ids(list(ids))


from desktop.ui.rows_model import RowsModel  # noqa: E402

_COLUMNS = ("Họ và tên", "Ngày sinh", "Giới tính", "Thôn/Tổ", "Số hộ", "Chủ hộ")


class ChildListModel(RowsModel[ChildListRow]):
    """A read-only list of ChildListRow."""

    columns = tuple((header,) for header in _COLUMNS)
    context = "ChildListModel"

    def cell(self, row: ChildListRow, column: int, role: int) -> Any:
        texts = (
            row.full_name,
            format_vn_date(row.birth_date),
            SEX_LABELS.get(row.sex, ""),
            row.hamlet_name,
            row.household_number,
            row.head_name,
        )
        if role == Qt.ItemDataRole.DisplayRole:
            return texts[column]
        if role == SORT_ROLE:
            if column == 0:
                return name_sort_key(row.full_name)
            if column == 1:
                return row.birth_date or date.min
            if column == 5:
                return name_sort_key(row.head_name)
            return vn_sort_key(texts[column])
        return None


class DrilldownDialog(QDialog):
    """Lists the children counted in one cell of a report."""

    def __init__(
        self,
        book: Book,
        title: str,
        ids: Sequence[str],
        parent: QWidget | None = None,
        *,
        note: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Danh sách trẻ em — {t}").format(t=title))
        self.heading = QLabel(self.tr("{t}: {n} trẻ em").format(t=title, n=len(ids)))
        self.heading.setObjectName("sectionTitle")
        # Where the list comes from, when it is not the book now (a finalised report's).
        self.note = QLabel(note)
        self.note.setObjectName("hintLabel")
        self.note.setWordWrap(True)
        self.note.setVisible(bool(note))
        self.status = QLabel(self.tr("Đang tải danh sách…"))
        self.status.setObjectName("hintLabel")
        self.model = ChildListModel(self)
        self.proxy = VietnameseSortProxy(self)
        self.proxy.setSourceModel(self.model)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.verticalHeader().setDefaultSectionSize(26)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        for column, width in ((1, 110), (2, 110), (3, 140), (4, 70)):
            header.resizeSection(column, width)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        resize_to_fit(self, 980, 600)

        self._book = book
        self._rest: list[str] = []
        if ids:
            wanted = list(ids)
            # Sorting by a column waits until every row is read.
            self.table.setSortingEnabled(False)
            run_op(
                self,
                lambda: load_first_page(book, wanted),
                success=self._first_page,
                label=self.tr("Đang tìm các trẻ em trong sổ…"),
            )
        else:
            self.status.setText(self.tr("Không có trẻ em nào trong ô này."))

    def _first_page(self, found: tuple[list[str], list[ChildListRow]]) -> None:
        ordered, rows = found
        self.model.set_rows(rows)
        self._rest = ordered[len(rows) :] if len(rows) >= FIRST_PAGE else []
        if not self._rest:
            self._loaded([])
            return
        total = len(ordered)
        self.status.setText(
            self.tr("Đang tải tiếp danh sách: {n}/{t} trẻ em…").format(
                n=vn_int(len(rows)), t=vn_int(total)
            )
        )
        rest, book = self._rest, self._book
        run_op(self, lambda: load_children(book, rest), success=self._loaded)

    def _loaded(self, rows: Sequence[ChildListRow]) -> None:
        """Every row is read: the rest is added below the first page, sorting is on."""
        self.model.append_rows(rows)
        self._rest = []
        self.table.setSortingEnabled(True)
        self.status.setText(self.tr("Bấm vào tiêu đề cột để sắp xếp."))

    @property
    def loading(self) -> bool:
        """True while the rest of a long list is being read."""
        return bool(self._rest)
