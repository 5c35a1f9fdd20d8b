"""Table models of the sync screen: waiting rows per table, conflicts, refused rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from PySide6.QtCore import (
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)

from desktop.core.sync_service import ConflictSummary, SyncErrorRow, TableStatus
from desktop.ui.rows_model import RowsModel
from sync import clock

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()
T = TypeVar("T")

ID_ROLE = Qt.ItemDataRole.UserRole + 1  # the row's identity (conflict id, or (table, id))


def _tr(text: str) -> str:
    return QCoreApplication.translate("SyncModels", text)


def format_datetime(value: datetime | None) -> str:
    """dd/mm/yyyy HH:MM on Vietnam's clock ("" for None)."""
    return clock.format_datetime(value)


Column = tuple[str, Callable[[Any], str], bool]  # header, cell text, right-aligned


class _RowsModel(RowsModel[T]):
    """Read-only rows of frozen dataclasses, one column per (header, text, right) triple."""

    columns: tuple[Column, ...] = ()
    context = "SyncModels"

    def identity(self, item: T) -> object:
        """What ID_ROLE answers for ``item``."""
        return None

    def cell(self, item: T, column: int, role: int) -> Any:
        _header, text, right = self.columns[column]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return text(item)
        if role == ID_ROLE:
            return self.identity(item)
        if role == Qt.ItemDataRole.TextAlignmentRole and right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None


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
