"""The household list as a table model, sorted in Vietnamese alphabetical order."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)

from desktop.core.domain.collation import name_sort_key, vn_sort_key
from desktop.core.services.households import HouseholdRow

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a Vietnamese collation key for the cell
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the household id

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children


def _tr(text: str) -> str:
    return QCoreApplication.translate("HouseholdTableModel", text)


def _number_key(number: str) -> tuple[int, tuple[Any, ...]]:
    # "2" < "10" < "10A": the digits first as a number, then the whole text.
    digits = "".join(ch for ch in number if ch.isdigit())
    return (int(digits) if digits else 10**9, vn_sort_key(number))


# (header, cell text, sort key); the order is the order of the columns.
_COLUMNS: tuple[tuple[str, Callable[[HouseholdRow], str], Callable[[HouseholdRow], Any]], ...] = (
    ("Thôn/Tổ", lambda r: r.hamlet_name, lambda r: vn_sort_key(r.hamlet_name)),
    ("Số hộ", lambda r: r.number, lambda r: _number_key(r.number)),
    ("Chủ hộ", lambda r: r.head_name, lambda r: name_sort_key(r.head_name)),
    ("Địa chỉ", lambda r: r.address, lambda r: vn_sort_key(r.address)),
    ("Hoàn cảnh", lambda r: r.poverty, lambda r: vn_sort_key(r.poverty)),
    ("Số trẻ em", lambda r: str(r.children), lambda r: r.children),
)
HAMLET, NUMBER, HEAD, ADDRESS, POVERTY, CHILDREN = range(len(_COLUMNS))


class HouseholdTableModel(QAbstractTableModel):
    """Rows of ``HouseholdRow`` (plain dataclasses from HouseholdService.list_households)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[HouseholdRow] = []

    def set_rows(self, rows: Sequence[HouseholdRow]) -> None:
        """Replace every row (a new search result)."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> HouseholdRow:
        """The household shown on ``row``."""
        return self._rows[row]

    def row_of(self, household_id: str) -> int:
        """The row of ``household_id``, or -1."""
        for i, item in enumerate(self._rows):
            if item.id == household_id:
                return i
        return -1

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(_COLUMNS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        if not 0 <= column < len(_COLUMNS):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return _COLUMNS[column][1](row)
        if role == SORT_ROLE:
            return _COLUMNS[column][2](row)
        if role == ID_ROLE:
            return row.id
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (NUMBER, CHILDREN):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        horizontal = orientation == Qt.Orientation.Horizontal
        if horizontal and 0 <= section < len(_COLUMNS) and role == Qt.ItemDataRole.DisplayRole:
            return _tr(_COLUMNS[section][0])
        if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class VietnameseSortProxy(QSortFilterProxyModel):
    """Sorts by SORT_ROLE keys (Vietnamese order: a < ă < â … d < đ, given name first)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setSortRole(SORT_ROLE)

    def lessThan(self, source_left: Index, source_right: Index) -> bool:
        left = source_left.data(self.sortRole())
        right = source_right.data(self.sortRole())
        if left is None or right is None:
            return right is not None
        try:
            return bool(left < right)
        except TypeError:
            return str(left) < str(right)
