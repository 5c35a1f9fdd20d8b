"""Table models of the sync screen: waiting rows per table, conflicts, refused rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.core.sync_service import ConflictSummary, SyncErrorRow, TableStatus

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
T = TypeVar("T")

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's identity (conflict id, or (table, id))


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncModels", text)


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM in local time ("" for None)."""
    if value is None:
        return ""
    if value.tzinfo is not None:
        value = value.astimezone()
    return value.strftime("%d/%m/%Y %H:%M")


Column = tuple[str, Callable[[Any], str], bool]  # header, cell text, right-aligned


class _RowsModel(QAbstractTableModel, Generic[T]):
    """Read-only rows of frozen dataclasses, one column per (header, text) pair."""

    columns: tuple[Column, ...] = ()

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[T] = []

    def set_rows(self, rows: Sequence[T]) -> None:
        """Replace every row."""
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> T:
        """The item shown on ``row``."""
        return self._rows[row]

    def identity(self, item: T) -> object:
        """What ID_ROLE answers for ``item``."""
        return None

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        item = self._rows[index.row()]
        _header, text, right = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text(item)
        if role == ID_ROLE:
            return self.identity(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self.columns):
            return _tr(self.columns[section][0])
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return section + 1
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


class TableStatusModel(_RowsModel[TableStatus]):
    """What waits to be sent, table by table."""

    columns = (
        ("Loại dữ liệu", lambda t: t.label, False),
        ("Chờ gửi", lambda t: str(t.waiting), True),
        ("Bị từ chối / xung đột", lambda t: str(t.errors), True),
        ("Tổng số trong sổ", lambda t: str(t.total), True),
    )

    def identity(self, item: TableStatus) -> object:
        """The table's protocol name."""
        return item.table


class ConflictModel(_RowsModel[ConflictSummary]):
    """Rows changed both here and upstream, waiting for a person's choice."""

    columns = (
        ("Bản ghi", lambda c: c.title, False),
        ("Loại dữ liệu", lambda c: c.table_label, False),
        (
            "Sửa ở nơi khác",
            lambda c: _tr("Cấp trên") if c.upstream else _tr("Máy khác của xã"),
            False,
        ),
        ("Số trường khác nhau", lambda c: str(c.fields), True),
        ("Phát hiện lúc", lambda c: format_datetime(c.detected_at), False),
    )

    def identity(self, item: ConflictSummary) -> object:
        """The conflict id."""
        return item.id


class SyncErrorModel(_RowsModel[SyncErrorRow]):
    """Rows the server refused, with its reason (Lỗi đồng bộ)."""

    columns = (
        ("Bản ghi", lambda e: e.title, False),
        ("Loại dữ liệu", lambda e: e.table_label, False),
        ("Lý do máy chủ từ chối", lambda e: e.reason, False),
        ("Sửa lần cuối", lambda e: format_datetime(e.updated_at), False),
    )

    def identity(self, item: SyncErrorRow) -> object:
        """(table, row id)."""
        return (item.table, item.row_id)
