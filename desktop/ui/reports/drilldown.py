"""The children behind one number of a report (drill-down)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
from desktop.core.services.book import Book
from desktop.core.services.children import ChildListRow
from desktop.core.services.reports import ReportService
from desktop.ui.households.model import SORT_ROLE, VietnameseSortProxy
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children


def load_children(
    book: Book, ids: Sequence[str], progress: Callable[[int, int], None] | None = None
) -> list[ChildListRow]:
    """The children with ``ids``, in Vietnamese name order (runs on a worker thread)."""
    rows = ReportService(book).children_by_ids(list(ids))
    if progress is not None:
        progress(len(rows), len(rows))
    return sorted(rows, key=lambda r: name_sort_key(r.full_name))


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

        if ids:
            wanted = list(ids)
            run_op(
                self,
                lambda progress: load_children(book, wanted, progress),
                success=self._loaded,
                label=self.tr("Đang tìm các trẻ em trong sổ…"),
                with_progress=True,
            )
        else:
            self.status.setText(self.tr("Không có trẻ em nào trong ô này."))

    def _loaded(self, rows: Sequence[ChildListRow]) -> None:
        self.model.set_rows(rows)
        self.status.setText(self.tr("Bấm vào tiêu đề cột để sắp xếp."))
