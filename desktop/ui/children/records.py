"""A small read-only table of texts (histories, guardians, episodes) for QTableView."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # the record's id


class RecordsModel(QAbstractTableModel):
    """Rows of texts with a key each (e.g. an event id), under translated headers."""

    def __init__(self, headers: Sequence[str], context: str, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers = list(headers)
        self._context = context
        self._rows: list[tuple[str, list[str]]] = []

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Replace the rows: (key, texts) pairs."""
        self.beginResetModel()
        self._rows = [(key, list(texts)) for key, texts in rows]
        self.endResetModel()

    def key_at(self, row: int) -> str:
        """The key of ``row``."""
        return self._rows[row][0]

    def text_at(self, row: int, column: int) -> str:
        """The text of one cell."""
        return self._rows[row][1][column]

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        key, texts = self._rows[index.row()]
        if role == KEY_ROLE:
            return key
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[index.column()] if 0 <= index.column() < len(texts) else None
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return QCoreApplication.translate(self._context, self._headers[section])
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
