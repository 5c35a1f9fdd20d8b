"""Table models of the import wizard: the file's first rows, the rows to import, the errors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor

from desktop.core.importer.headers import column_label
from desktop.core.importer.rows import RowProblem
from desktop.core.services.imports import PreviewLine
from desktop.ui.rows_model import RowsModel

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children
T = TypeVar("T")


def _tr(text: str) -> str:
    return QCoreApplication.translate("ImportModels", text)


_ERROR = QBrush(QColor("#9C0006"))
_NEW = QBrush(QColor("#1E6B2F"))


class _RowsModel(RowsModel[T]):
    """Read-only rows of plain dataclasses; ``columns`` are (header, cell text)."""

    columns: Sequence[tuple[str, Callable[[Any], str]]] = ()
    context = "ImportModels"

    def cell(self, item: T, column: int, role: int) -> Any:
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self.columns[column][1](item)
        if role == Qt.ItemDataRole.ForegroundRole:
            return self.foreground(item, column)
        return None

    def foreground(self, _item: T, _column: int) -> QBrush | None:
        """A text colour for a cell (None: the default)."""
        return None

    def row_label(self, section: int) -> Any:
        return str(section + 1)


class ProblemTableModel(_RowsModel[RowProblem]):
    """The rejected rows' problems: row, column, what is wrong, what to do."""

    columns = (
        ("Dòng", lambda p: str(p.row)),
        ("Cột", lambda p: p.column),
        ("Lỗi", lambda p: p.message[:1].upper() + p.message[1:]),
        ("Cách sửa", lambda p: p.hint),
    )

    def foreground(self, _item: RowProblem, column: int) -> QBrush | None:
        """What is wrong, in red."""
        return _ERROR if column == 2 else None


class PreviewTableModel(_RowsModel[PreviewLine]):
    """The rows that will be imported, with what happens to each."""

    columns = (
        ("Dòng", lambda r: str(r.row)),
        ("Việc", lambda r: r.action),
        ("Họ tên", lambda r: r.full_name),
        ("Ngày sinh", lambda r: r.birth_date),
        ("Thôn/Tổ", lambda r: r.hamlet),
        ("Số hộ", lambda r: r.household_number),
        ("Thay đổi, lưu ý", lambda r: r.details),
    )

    def foreground(self, item: PreviewLine, column: int) -> QBrush | None:
        """New rows in green in the “Việc” column."""
        return _NEW if column == 1 and item.action == "Thêm mới" else None


class SampleTableModel(QAbstractTableModel):
    """The file's header row and first rows, columns titled “A — header” for the mapping."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._headers: list[str] = []
        self._rows: list[tuple[str, ...]] = []

    def set_sample(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Show ``headers`` and ``rows`` (texts)."""
        self.beginResetModel()
        width = max([len(headers), *(len(r) for r in rows)], default=0)
        self._headers = [headers[i] if i < len(headers) else "" for i in range(width)]
        self._rows = [tuple(r[i] if i < len(r) else "" for i in range(width)) for r in rows]
        self.endResetModel()

    def column_title(self, column: int) -> str:
        """“A — Tên thôn” (or just “A” for a column without header)."""
        header = self._headers[column] if 0 <= column < len(self._headers) else ""
        letter = column_label(column)
        return f"{letter} — {header}" if header else letter

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._headers)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self._headers):
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return self._rows[index.row()][index.column()]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(self._headers):
            return self.column_title(section)
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rows):
            return str(section + 1)
        return None
