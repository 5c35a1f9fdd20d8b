"""The periodic report's tables: one row per indicator, and the cells of one indicator."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor

from desktop.core.indicators.definitions import DIMENSIONS
from desktop.core.indicators.engine import Cell, IndicatorResult
from desktop.core.services.indicators import fmt_value
from desktop.ui.rows_model import RowsModel

CODE, NAME, VALUE, NUMERATOR, DENOMINATOR, TARGET, PREVIOUS, STATUS = range(8)
# Columns whose number opens the children behind it (part of the indicator it counts).
DRILL_PARTS = {VALUE: "numerator", NUMERATOR: "numerator", DENOMINATOR: "denominator"}
STATUS_LABELS = {
    "computed": "Tính từ sổ",
    "typed": "Đã nhập",
    "missing": "Chưa có số liệu",
}
LEVEL_LABELS = {"commune": "Xã", "provincial": "Tỉnh", "national": "Quốc gia"}
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _tr(text: str) -> str:
    return QCoreApplication.translate("IndicatorTableModel", text)


def value_text(value: float | None, unit: str, unit_label: str) -> str:
    """A value with its unit ("82,5 %", "12", "—" when there is no value or no base)."""
    text = fmt_value(value, unit)
    if value is None or unit in ("count", "yes_no"):
        return text
    return f"{text} {unit_label}"


def count_text(value: float | None) -> str:
    """A numerator or denominator ("" when the indicator has none)."""
    return "" if value is None else fmt_value(value, "count")


def target_text(result: IndicatorResult, year: int) -> str:
    """The commune's target for ``year`` (else the province's, else the nation's)."""
    for level in ("commune", "provincial", "national"):
        target = result.target(level, year)
        if target is not None:
            return f"{_tr(LEVEL_LABELS[level])}: {target.text}"
    return ""


def definition_text(result: IndicatorResult) -> str:
    """The definition in words, with why a number is missing and the notes."""
    lines = [f"{result.label_vi} ({result.code}): {result.name_vi}"]
    if result.definition_vi:
        lines.append(result.definition_vi)
    if result.missing_reason:
        lines.append(_tr("Chưa có số liệu: {r}.").format(r=result.missing_reason.rstrip(".")))
    if result.typed is not None:
        lines.append(
            _tr("Nhập bởi {u} lúc {t}.").format(
                u=result.typed.entered_by, t=result.typed.entered_at
            )
        )
    lines += list(result.notes)
    return "\n".join(lines)


class IndicatorTableModel(RowsModel[IndicatorResult]):
    """Every indicator of the period: value with unit, numerator/denominator, target,
    previous period and status; the definition as the tooltip."""

    context = "IndicatorTableModel"
    columns = (
        ("Mã",),
        ("Chỉ tiêu",),
        ("Giá trị",),
        ("Tử số",),
        ("Mẫu số",),
        ("Mục tiêu",),
        ("Kỳ trước",),
        ("Trạng thái",),
    )

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._previous: Mapping[str, float | None] = {}
        self._year = 0

    def set_report(
        self, results: tuple[IndicatorResult, ...], previous: Mapping[str, float | None], year: int
    ) -> None:
        """Show ``results``; ``previous`` are last period's values, ``year`` the target year."""
        self._previous = dict(previous)
        self._year = year
        self.set_rows(results)

    def row_of(self, code: str) -> int:
        """The row of indicator ``code`` (-1 if absent)."""
        for row in range(self.rowCount()):
            if self.row_at(row).code == code:
                return row
        return -1

    def text(self, item: IndicatorResult, column: int) -> str:
        """The text shown in ``column`` for ``item``."""
        if column == CODE:
            return item.code
        if column == NAME:
            return (
                f"{item.label_vi}: {item.name_vi}" if item.code.startswith("CT") else item.name_vi
            )
        if column == VALUE:
            return value_text(item.value, item.unit, item.unit_label)
        if column == NUMERATOR:
            return count_text(item.numerator)
        if column == DENOMINATOR:
            return count_text(item.denominator)
        if column == TARGET:
            return target_text(item, self._year)
        if column == PREVIOUS:
            if item.code not in self._previous:
                return ""
            return value_text(self._previous[item.code], item.unit, item.unit_label)
        if column == STATUS:
            return _tr(STATUS_LABELS.get(item.status, item.status))
        return ""

    def drillable(self, item: IndicatorResult, column: int) -> bool:
        """True if the number in ``column`` opens the list of children behind it."""
        if item.status != "computed" or column not in DRILL_PARTS:
            return False
        number = item.denominator if column == DENOMINATOR else item.numerator
        return number is not None

    def cell(self, item: IndicatorResult, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if column in (CODE, NAME, TARGET, STATUS) else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column == TARGET and item.targets:
            return "\n".join(
                f"{_tr(LEVEL_LABELS.get(t.level, t.level))} {t.year}: {t.text}"
                for t in item.targets
            )
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = definition_text(item)
            if self.drillable(item, column):
                tip += "\n" + _tr("Bấm đúp để xem danh sách trẻ em được đếm.")
            return tip
        if role == Qt.ItemDataRole.ForegroundRole and item.status == "missing":
            return QColor("#8a6d00")
        return None


class CellTableModel(RowsModel[Cell]):
    """The disaggregation of one indicator: one row per cell (sex, age group, hamlet …)."""

    context = "IndicatorTableModel"
    columns = (("Phân tổ",), ("Nhóm",), ("Tử số",), ("Mẫu số",), ("Giá trị",))

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.indicator: IndicatorResult | None = None

    def set_indicator(self, item: IndicatorResult | None) -> None:
        """Show the cells of ``item`` (None: empty)."""
        self.indicator = item
        self.set_rows(list(item.cells) if item is not None else [])

    def cell(self, item: Cell, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            unit = self.indicator.unit if self.indicator else "count"
            label = self.indicator.unit_label if self.indicator else ""
            texts = (
                DIMENSIONS.get(item.dimension, item.dimension),
                item.label,
                count_text(item.numerator),
                count_text(item.denominator),
                value_text(item.value, unit, label),
            )
            return texts[column]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _LEFT if column < 2 else _RIGHT
        if role == Qt.ItemDataRole.ToolTipRole and column >= 2:
            return _tr("Bấm đúp để xem danh sách trẻ em được đếm.")
        return None
