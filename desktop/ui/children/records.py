"""A small read-only table of texts (histories, guardians, episodes) for QTableView."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt

from desktop.ui.rows_model import RowsModel

KEY_ROLE = Qt.ItemDataRole.UserRole + 3  # the record's id


class RecordsModel(RowsModel[tuple[str, list[str]]]):
    """Rows of texts with a key each (e.g. an event id), under translated headers."""

    def __init__(self, headers: Sequence[str], context: str, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns = [(header,) for header in headers]
        self.context = context

    def set_rows(self, rows: Sequence[tuple[str, Sequence[str]]]) -> None:
        """Replace the rows: (key, texts) pairs."""
        super().set_rows([(key, list(texts)) for key, texts in rows])

    def key_at(self, row: int) -> str:
        """The key of ``row``."""
        return self.row_at(row)[0]

    def text_at(self, row: int, column: int) -> str:
        """The text of one cell."""
        return self.row_at(row)[1][column]

    def cell(self, item: tuple[str, list[str]], column: int, role: int) -> Any:
        key, texts = item
        if role == KEY_ROLE:
            return key
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return texts[column] if column < len(texts) else None
        return None
