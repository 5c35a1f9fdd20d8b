"""The read-only table model of plain dataclass rows that the small lists of the app share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children
T = TypeVar("T")


class RowsModel(QAbstractTableModel, Generic[T]):
    """Rows of frozen dataclasses; ``columns`` entries start with the header text.

    Subclasses say what a cell shows for a role in :meth:`cell`; headers are translated in
    the subclass's ``context``.
    """

    columns: Sequence[tuple[Any, ...]] = ()
    context = "RowsModel"

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def append_rows(self, rows: Sequence[T]) -> None:
        """Add rows at the end (a long list shown page first keeps its place and selection)."""
        if not rows:
            return
        start = len(self._rows)
        self.beginInsertRows(_ROOT, start, start + len(rows) - 1)
        self._rows.extend(rows)
        self.endInsertRows()

    def row_at(self, row: int) -> T:
        """The item shown on ``row``."""
        return self._rows[row]

    def cell(self, item: T, column: int, role: int) -> Any:
        """What the cell of ``item`` in ``column`` answers for ``role`` (None: nothing)."""
        return None

    def row_label(self, section: int) -> Any:
        """The vertical header of row ``section``."""
        return section + 1

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        return self.cell(self._rows[index.row()], index.column(), role)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return QCoreApplication.translate(self.context, self.columns[section][0])
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return self.row_label(section)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
