"""The two tables of the merge wizard: the hamlet mapping (editable) and the possible pairs."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from desktop.core.domain.dates import format_vn_date
from desktop.core.services.merge_book import CrossDuplicate, HamletChoice

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()


class HamletMapModel(QAbstractTableModel):
    """One row per former hamlet; the "Thôn mới" column is typed by the officer."""

    TARGET = 2
    HEADERS = ("Thôn cũ", "Số hộ", "Thôn mới (gộp vào hoặc thêm)", "Sẽ làm")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[HamletChoice] = []
        self._targets: list[str] = []

    def set_choices(self, choices: list[HamletChoice], keep_typed: bool = False) -> None:
        """Show ``choices``; ``keep_typed`` keeps what the officer typed for the same hamlets."""
        typed = self.targets() if keep_typed else {}
        self.beginResetModel()
        self._rows = list(choices)
        self._targets = [typed.get(c.former_id, c.target_name) for c in choices]
        self.endResetModel()

    def targets(self) -> dict[str, str]:
        """Former hamlet id → the name typed in "Thôn mới"."""
        return {c.former_id: t for c, t in zip(self._rows, self._targets, strict=True)}

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.EditRole,
            Qt.ItemDataRole.ToolTipRole,
        ):
            return None
        choice = self._rows[index.row()]
        column = index.column()
        if column == 0:
            return choice.former_name
        if column == 1:
            return str(choice.households)
        if column == self.TARGET:
            return self._targets[index.row()]
        if column == 3:
            typed = self._targets[index.row()]
            # Shown for the name as last previewed; a new name is judged at "Xem lại".
            return choice.action_text if typed == choice.target_name else "(bấm “Xem lại”)"
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != self.TARGET:
            return False
        if role != Qt.ItemDataRole.EditRole:
            return False
        self._targets[index.row()] = str(value)
        row = index.row()
        self.dataChanged.emit(self.index(row, self.TARGET), self.index(row, 3))
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == self.TARGET:
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None


class DuplicatePairsModel(QAbstractTableModel):
    """The children who may be in both books; the officer ticks the pairs that are one child."""

    HEADERS = ("Gộp", "Trong sổ này", "Trong sổ xã cũ", "Lý do")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[CrossDuplicate] = []
        self._ticked: list[bool] = []

    def set_pairs(self, pairs: list[CrossDuplicate]) -> None:
        """Show ``pairs``, none ticked (a merge is never chosen for the officer)."""
        self.beginResetModel()
        self._rows = list(pairs)
        self._ticked = [False] * len(pairs)
        self.endResetModel()

    def confirmed(self) -> list[tuple[str, str]]:
        """(id in this book, id in the former book) of the ticked pairs."""
        return [
            (d.existing_id, d.incoming_id)
            for d, ticked in zip(self._rows, self._ticked, strict=True)
            if ticked
        ]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        pair = self._rows[index.row()]
        column = index.column()
        if column == 0 and role == Qt.ItemDataRole.CheckStateRole:
            checked = self._ticked[index.row()]
            return Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        if column == 1:
            return (
                f"{pair.existing_name}, {format_vn_date(pair.existing_birth)} — "
                f"{pair.existing_place}"
            )
        if column == 2:
            return (
                f"{pair.incoming_name}, {format_vn_date(pair.incoming_birth)} — "
                f"{pair.incoming_place}"
            )
        if column == 3:
            return pair.reason_text
        return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if not index.isValid() or index.column() != 0:
            return False
        if role != Qt.ItemDataRole.CheckStateRole:
            return False
        checked = value in (Qt.CheckState.Checked, Qt.CheckState.Checked.value, 2, True)
        self._ticked[index.row()] = bool(checked)
        self.dataChanged.emit(index, index, [Qt.ItemDataRole.CheckStateRole])
        return True

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() == 0:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        return flags

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.HEADERS):
            return self.HEADERS[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None
