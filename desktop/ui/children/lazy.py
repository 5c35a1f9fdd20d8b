"""A table model that holds ids and builds rows on demand (large lists: 50,000 children).

The model knows the ids of a search result, in order. Rows are fetched by id in chunks when
the view first asks for them (``rows_needed``); the owner runs the fetch in the background
and hands the rows back with ``add_rows``. Until then a row shows "…".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children
ID_ROLE = Qt.ItemDataRole.UserRole + 2  # the row's id (same role as the household model)
LOADING = "…"


@dataclass(frozen=True)
class Column:
    """One column: its header (translated in ``context``) and how a row shows in it."""

    header: str
    text: Callable[[Any], str]
    right: bool = False  # numbers are right-aligned


class LazyRowsModel(QAbstractTableModel):
    """Rows by id, fetched ``chunk`` at a time around what the view shows."""

    rows_needed = Signal(list)  # list[str]: ids to fetch

    def __init__(
        self, columns: Sequence[Column], context: str, parent: Any = None, chunk: int = 120
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._context = context
        self._chunk = chunk
        self._ids: list[str] = []
        self._rows: dict[str, Any] = {}
        self._pending: set[str] = set()
        self._place: dict[str, int] | None = None

    # -- content --------------------------------------------------------------------------

    def set_ids(self, ids: Sequence[str], rows: Sequence[Any] = ()) -> None:
        """A new result: ``ids`` in order, with the rows already fetched (the first page)."""
        self.beginResetModel()
        self._ids = list(ids)
        self._rows = {row.id: row for row in rows}
        self._pending = set()
        self._place = None
        self.endResetModel()

    def add_rows(self, rows: Sequence[Any]) -> None:
        """Rows fetched in the background: shown where their ids are."""
        place = self._places()
        changed = []
        for row in rows:
            self._pending.discard(row.id)
            if row.id in place:
                self._rows[row.id] = row
                changed.append(place[row.id])
        if changed:
            last = self.columnCount() - 1
            self.dataChanged.emit(self.index(min(changed), 0), self.index(max(changed), last))

    def forget(self, ids: Sequence[str]) -> None:
        """Drop cached rows (after an edit) so they are fetched again when shown."""
        for row_id in ids:
            self._rows.pop(row_id, None)
            self._pending.discard(row_id)
        if ids and self._ids:
            self.dataChanged.emit(
                self.index(0, 0), self.index(len(self._ids) - 1, self.columnCount() - 1)
            )

    def _places(self) -> dict[str, int]:
        if self._place is None:
            self._place = {row_id: i for i, row_id in enumerate(self._ids)}
        return self._place

    @property
    def ids(self) -> list[str]:
        """The ids of the rows, in order."""
        return self._ids

    def id_at(self, row: int) -> str:
        """The id shown on ``row``."""
        return self._ids[row]

    def row_at(self, row: int) -> Any:
        """The fetched row object shown on ``row`` (None until fetched)."""
        return self._rows.get(self._ids[row])

    def row_of(self, row_id: str) -> int:
        """The row of ``row_id``, or -1."""
        return self._places().get(row_id, -1)

    def loaded(self, row: int) -> bool:
        """True if the row's data is here."""
        return self._ids[row] in self._rows

    def _request(self, row: int) -> None:
        start = max(0, row - self._chunk // 4)
        wanted = [
            row_id
            for row_id in self._ids[start : start + self._chunk]
            if row_id not in self._rows and row_id not in self._pending
        ]
        if wanted:
            self._pending.update(wanted)
            self.rows_needed.emit(wanted)

    # -- Qt model -------------------------------------------------------------------------

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._ids):
            return None
        column = index.column()
        if not 0 <= column < len(self._columns):
            return None
        row_id = self._ids[index.row()]
        if role == ID_ROLE:
            return row_id
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            row = self._rows.get(row_id)
            if row is None:
                if role == Qt.ItemDataRole.DisplayRole:
                    self._request(index.row())
                return LOADING if column == 0 and role == Qt.ItemDataRole.DisplayRole else None
            return self._columns[column].text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and self._columns[column].right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._columns):
            return QCoreApplication.translate(self._context, self._columns[section].header)
        if orientation == Qt.Orientation.Vertical:
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
