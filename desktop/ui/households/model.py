"""The household list as a table model (ids, rows on demand) and the Vietnamese sort proxy."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSortFilterProxyModel, Qt

from desktop.core.services.households import HouseholdRow
from desktop.ui.children.lazy import ID_ROLE, Column, LazyRowsModel

SORT_ROLE = Qt.ItemDataRole.UserRole + 1  # a Vietnamese collation key for the cell

Index = QModelIndex | QPersistentModelIndex


def _poverty(row: HouseholdRow) -> str:
    # The code list's "Không thuộc hộ nghèo, cận nghèo" is too long for a column.
    text = "Không nghèo" if row.poverty.startswith("Không") else row.poverty
    return f"{text} ({row.poverty_year})" if row.poverty_year else text


_COLUMNS = (
    Column("Thôn/Tổ", lambda r: r.hamlet_name),
    Column("Số hộ", lambda r: r.number, right=True),
    Column("Chủ hộ", lambda r: r.head_name),
    Column("Địa chỉ", lambda r: r.address),
    Column("Hoàn cảnh", _poverty),
    Column("Số trẻ em", lambda r: str(r.children), right=True),
    Column("Cộng tác viên", lambda r: r.collaborator_name),
)
HAMLET, NUMBER, HEAD, ADDRESS, POVERTY, CHILDREN, COLLABORATOR = range(len(_COLUMNS))

__all__ = [
    "ADDRESS",
    "CHILDREN",
    "COLLABORATOR",
    "HAMLET",
    "HEAD",
    "ID_ROLE",
    "NUMBER",
    "POVERTY",
    "SORT_ROLE",
    "HouseholdTableModel",
    "VietnameseSortProxy",
]


class HouseholdTableModel(LazyRowsModel):
    """Rows of ``HouseholdRow`` by id, in the order the service found them."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(_COLUMNS, "HouseholdTableModel", parent)

    def row_at(self, row: int) -> HouseholdRow:
        """The household shown on ``row`` (fetched: the first page always is)."""
        found = super().row_at(row)
        assert isinstance(found, HouseholdRow), "row not fetched yet"
        return found


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
