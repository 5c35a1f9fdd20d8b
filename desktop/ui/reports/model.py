"""The population report as a table model, and the lists behind its cells."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QCoreApplication,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QFont

from desktop.core.domain.population import SEX_FEMALE, SEX_LABELS, SEX_MALE, SEX_UNKNOWN
from desktop.core.reports.formatting import vn_int
from desktop.core.reports.population import COLUMNS, TOTAL_LABEL, PopulationRow
from desktop.core.services.reports import PopulationReport

Index = QModelIndex | QPersistentModelIndex
_ROOT = QModelIndex()  # the invisible root: tables have no children
LABEL, MALE, FEMALE, UNKNOWN, TOTAL = range(5)
_SEX_OF_COLUMN = {MALE: SEX_MALE, FEMALE: SEX_FEMALE, UNKNOWN: SEX_UNKNOWN}


@dataclass(frozen=True)
class Cell:
    """What a cell counts: an age group (None = all) and a sex (None = all)."""

    age_group: str | None
    sex: int | None

    def describe(self) -> str:
        """E.g. "Nhóm 0–2 tuổi, Nam" or "Tất cả trẻ em"."""
        parts = []
        if self.age_group is not None:
            parts.append(
                QCoreApplication.translate("PopulationTableModel", "Nhóm {g}").format(
                    g=self.age_group
                )
            )
        if self.sex is not None:
            parts.append(SEX_LABELS[self.sex])
        if not parts:
            return QCoreApplication.translate("PopulationTableModel", "Tất cả trẻ em")
        return ", ".join(parts)


class PopulationTableModel(QAbstractTableModel):
    """Age groups × sex, with the "Tổng cộng" row last (read-only)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._report: PopulationReport | None = None
        self._rows: list[PopulationRow] = []

    def set_report(self, report: PopulationReport | None) -> None:
        """Show ``report`` (None clears the table)."""
        self.beginResetModel()
        self._report = report
        self._rows = [] if report is None else [*report.table.rows, report.table.totals_row]
        self.endResetModel()

    @property
    def report(self) -> PopulationReport | None:
        """The report shown."""
        return self._report

    def rowCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = _ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def _is_total_row(self, row: int) -> bool:
        return row == len(self._rows) - 1

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = index.column()
        values = (row.label, row.male, row.female, row.unknown, row.total)
        if not 0 <= column < len(values):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            value = values[column]
            return value if isinstance(value, str) else vn_int(value)
        if role == Qt.ItemDataRole.UserRole:
            return values[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column == LABEL:
                return int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.FontRole and (
            self._is_total_row(index.row()) or column == TOTAL
        ):
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole and column != LABEL:
            return QCoreApplication.translate(
                "PopulationTableModel", "Bấm đúp để xem danh sách trẻ em của ô này"
            )
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(COLUMNS)
        ):
            return QCoreApplication.translate("PopulationTableModel", COLUMNS[section])
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    # -- drill-down -----------------------------------------------------------------------

    def cell(self, index: Index) -> Cell | None:
        """What the cell at ``index`` counts (None for the label column)."""
        if not index.isValid() or index.column() == LABEL or self._report is None:
            return None
        row = self._rows[index.row()]
        group = None if row.label == TOTAL_LABEL else row.label
        return Cell(group, _SEX_OF_COLUMN.get(index.column()))

    def members(self, cell: Cell) -> list[str]:
        """Ids of the children counted in ``cell`` (from ``PopulationReport.members``)."""
        if self._report is None:
            return []
        ids: list[str] = []
        for (group, sex), members in self._report.members.items():
            if cell.age_group is not None and group != cell.age_group:
                continue
            if cell.sex is not None and sex != cell.sex:
                continue
            ids.extend(members)
        return ids
