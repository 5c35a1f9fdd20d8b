"""The table of the "Số liệu các ngành" dialog: one unit's indicators, their figures as typed,
and what the checks said about each row."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import QCoreApplication, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor

from desktop.core.domain.text import fold
from desktop.core.indicators import definitions as defs
from desktop.core.indicators.engine import rate
from desktop.core.services.indicators import FigureEntry, UnitFormRow
from desktop.ui.periodic.model import count_text, value_text
from desktop.ui.rows_model import RowsModel

Index = QModelIndex | QPersistentModelIndex

LABEL, NAME, UNIT, PREVIOUS, NUMERATOR, DENOMINATOR, VALUE, NOTE, ENTERED, CHECK = range(10)
# The typed texts of a line, in this order: numerator, denominator, value, note.
TYPED_COLUMNS = (NUMERATOR, DENOMINATOR, VALUE, NOTE)
COLUMN_NAMES = {NUMERATOR: "Tử số", DENOMINATOR: "Mẫu số", VALUE: "Giá trị", NOTE: "Ghi chú"}

PROBLEM_BRUSH = QBrush(QColor("#b71c1c"))  # the error labels' red
WARNING_BRUSH = QBrush(QColor("#8a6d00"))  # the periodic table's amber ("Chưa có số liệu")
_UNSAVED = QBrush(QColor("#1e3a8a"))
_BOOK = QBrush(QColor("#4b5563"))  # read-only numbers from the book, previews
_INPUT = QBrush(QColor("#fffbe6"))  # the cells to fill, as on the collection sheet
_PROBLEM_BACK = QBrush(QColor("#fff3f3"))
_DIGITS = re.compile(r"-?\d+(\.\d+)?")
_THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)


def _tr(text: str) -> str:
    return QCoreApplication.translate("FigureTableModel", text)


def parse_number(text: str, *, yes_no: bool = False) -> float | None:
    """A number as an officer types it: "98,5" and "98.5" → 98.5, "1.250" → 1250, "95%" → 95;
    "Có" / "Không" → 1 / 0 when ``yes_no``; None when empty; ValueError when not a number."""
    clean = "".join(text.split())
    if not clean:
        return None
    if yes_no and fold(clean) in ("co", "khong"):
        return 1.0 if fold(clean) == "co" else 0.0
    clean = clean.removesuffix("%")
    if "," in clean:  # Vietnamese decimal comma; dots are thousands
        clean = clean.replace(".", "").replace(",", ".")
    elif _THOUSANDS.fullmatch(clean):
        clean = clean.replace(".", "")
    if not _DIGITS.fullmatch(clean):
        raise ValueError(text)
    return float(clean)


def number_text(value: float | None) -> str:
    """A stored figure as it would be typed again ("98,5", "12"; "" for none)."""
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value)).replace(".", ",")


@dataclass(frozen=True)
class FigureLine:
    """One row: the indicator and its stored figure, the texts as typed now, the checks."""

    form: UnitFormRow
    unit: str  # count | percent | … | yes_no (the definition's unit)
    factor: float | None
    stored: tuple[str, str, str, str]  # numerator, denominator, value, note as saved
    typed: tuple[str, str, str, str]
    problems: tuple[str, ...] = ()  # blocking: saving is refused
    warnings: tuple[str, ...] = ()  # saved anyway, to check with the unit

    @classmethod
    def of(cls, form: UnitFormRow) -> FigureLine:
        """The line of ``form`` with its stored figure typed in."""
        d = defs.indicator(form.code)
        fig = form.figure
        stored = (
            (
                number_text(fig.numerator),
                number_text(fig.denominator),
                number_text(fig.value),
                fig.note,
            )
            if fig is not None
            else ("", "", "", "")
        )
        return cls(form, d.unit, d.factor, stored, stored)

    @property
    def code(self) -> str:
        """The indicator's code."""
        return self.form.code

    @property
    def title(self) -> str:
        """ "Chỉ tiêu 5 (a) (CT05a)", as the service names an indicator in its messages."""
        return f"{self.form.label_vi} ({self.form.code})"

    @property
    def dirty(self) -> bool:
        """True when what is typed differs from what is saved."""
        return tuple(t.strip() for t in self.typed) != self.stored

    def short(self, message: str) -> str:
        """``message`` without the indicator's name in front ("tử số 12 lớn hơn mẫu số 10.")."""
        for lead in (f"{self.title}: ", f"{self.title}, "):
            if message.startswith(lead):
                rest = message.removeprefix(lead)
                return rest[:1].upper() + rest[1:]
        return message

    def editable(self, column: int) -> bool:
        """True if the officer types ``column`` for this indicator."""
        if column == NOTE:
            return True
        if self.form.method == "mixed":  # the book gives the denominator, and so the value
            return column == NUMERATOR
        if self.unit == "yes_no":
            return column == VALUE
        if column == DENOMINATOR:
            return self.factor is not None  # a count has no denominator
        return column in (NUMERATOR, VALUE)

    def text(self, column: int) -> str:
        """What is typed in ``column`` (one of TYPED_COLUMNS)."""
        return self.typed[TYPED_COLUMNS.index(column)]

    def with_text(self, column: int, text: str) -> FigureLine:
        """This line with ``text`` typed in ``column``; the old checks no longer apply."""
        typed = list(self.typed)
        typed[TYPED_COLUMNS.index(column)] = text
        return replace(
            self, typed=(typed[0], typed[1], typed[2], typed[3]), problems=(), warnings=()
        )

    def denominator(self) -> float | None:
        """The denominator the value is computed on (the book's for a mixed indicator)."""
        if self.form.method == "mixed":
            return self.form.computed_denominator
        try:
            return parse_number(self.text(DENOMINATOR))
        except ValueError:
            return None

    def preview(self) -> float | None:
        """The value the figure gives when no value is typed (numerator ÷ denominator)."""
        try:
            numerator = parse_number(self.text(NUMERATOR))
        except ValueError:
            return None
        return rate(numerator, self.denominator(), self.factor)

    def entry(self) -> tuple[FigureEntry | None, tuple[str, ...]]:
        """What the service is given, or why a typed text is not a number."""
        numbers: list[float | None] = []
        problems: list[str] = []
        for column in (NUMERATOR, DENOMINATOR, VALUE):
            if not self.editable(column):
                numbers.append(None)
                continue
            yes_no = self.unit == "yes_no" and column == VALUE
            text = self.text(column).strip()
            try:
                numbers.append(parse_number(text, yes_no=yes_no))
            except ValueError:
                numbers.append(None)
                problems.append(
                    _tr("{t}, cột «{c}»: «{x}» không phải là {what}.").format(
                        t=self.title,
                        c=_tr(COLUMN_NAMES[column]),
                        x=text,
                        what=_tr("Có, Không hoặc một số") if yes_no else _tr("số"),
                    )
                )
        if problems:
            return None, tuple(problems)
        note = self.text(NOTE).strip()
        return FigureEntry(self.code, numbers[0], numbers[1], numbers[2], note), ()


class FigureTableModel(RowsModel[FigureLine]):
    """One unit's indicators: last period, this period's numerator / denominator / value and
    note (editable), who typed the saved figure and when, and the checks of each row."""

    context = "FigureTableModel"
    columns = (
        ("Chỉ tiêu",),
        ("Tên chỉ tiêu",),
        ("Đơn vị tính",),
        ("Kỳ trước",),
        ("Tử số",),
        ("Mẫu số",),
        ("Giá trị",),
        ("Ghi chú",),
        ("Người nhập, lúc",),
        ("Kiểm tra",),
    )

    edited = Signal(str)  # the code of the indicator whose typed text changed

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.editable = False  # a viewer, or a finalised period: nothing can be typed

    # -- rows ------------------------------------------------------------------------------

    def set_form(self, rows: Sequence[UnitFormRow], keep: Collection[str] = ()) -> None:
        """Show ``rows``; what is typed and not saved stays on the rows whose code is in
        ``keep`` (a refresh after an import must not lose the officer's typing)."""
        edits = {line.code: line for line in self._rows if line.dirty and line.code in keep}
        lines = []
        for row in rows:
            line = FigureLine.of(row)
            old = edits.get(row.code)
            if old is not None:
                line = replace(line, typed=old.typed, problems=old.problems, warnings=old.warnings)
            lines.append(line)
        self.set_rows(lines)

    def lines(self) -> list[FigureLine]:
        """Every line, in order."""
        return list(self._rows)

    def dirty_lines(self) -> list[FigureLine]:
        """The lines whose typed figure is not saved yet."""
        return [line for line in self._rows if line.dirty]

    def row_of(self, code: str) -> int:
        """The row of indicator ``code`` (-1 if absent)."""
        return next((i for i, line in enumerate(self._rows) if line.code == code), -1)

    def line(self, code: str) -> FigureLine | None:
        """The line of indicator ``code``."""
        row = self.row_of(code)
        return self._rows[row] if row >= 0 else None

    def set_checks(self, code: str, problems: Sequence[str], warnings: Sequence[str]) -> None:
        """Show the checks of indicator ``code``'s row."""
        row = self.row_of(code)
        if row < 0:
            return
        self._rows[row] = replace(
            self._rows[row], problems=tuple(problems), warnings=tuple(warnings)
        )
        # Only the check column: Qt resets an open editor to the model's text when its cell
        # is in a changed range, and the officer may be typing in another cell of the row.
        self.dataChanged.emit(self.index(row, CHECK), self.index(row, CHECK))

    # -- cells -----------------------------------------------------------------------------

    def text(self, line: FigureLine, column: int) -> str:
        """What ``column`` shows for ``line``."""
        form = line.form
        if column == LABEL:
            return form.label_vi
        if column == NAME:
            return form.name_vi
        if column == UNIT:
            return form.unit_label
        if column == PREVIOUS:
            return value_text(form.previous_value, line.unit, form.unit_label)
        if column == DENOMINATOR and form.method == "mixed":
            return count_text(form.computed_denominator) or "—"
        if column == VALUE and not line.text(VALUE).strip():
            preview = line.preview()
            return value_text(preview, line.unit, form.unit_label) if preview is not None else ""
        if column in TYPED_COLUMNS:
            return line.text(column)
        if column == ENTERED:
            fig = form.figure
            return f"{fig.entered_by}, {fig.entered_at}" if fig is not None else ""
        if column == CHECK:
            said = line.problems or line.warnings
            if said:
                # The row names the indicator already; the tooltip and the line under the
                # table give each message whole.
                return " ".join(line.short(m) for m in said)
            return _tr("Chưa lưu") if line.dirty else ""
        return ""

    def tooltip(self, line: FigureLine, column: int) -> str:
        """The longer explanation of a cell."""
        form = line.form
        if column in (LABEL, NAME):
            return f"{form.label_vi} ({form.code}): {form.name_vi}"
        if column == DENOMINATOR and form.method == "mixed":
            return _tr("Mẫu số lấy từ sổ (không nhập tay).")
        if column == VALUE and line.editable(VALUE) and line.unit == "yes_no":
            return _tr("Gõ Có hoặc Không.")
        if column == VALUE and not line.text(VALUE).strip() and line.preview() is not None:
            return _tr("Tính từ tử số và mẫu số; gõ giá trị nếu đơn vị báo sẵn giá trị.")
        if column in TYPED_COLUMNS and not line.editable(column):
            return _tr("Chỉ tiêu này không nhập ô này.")
        if column == CHECK:
            return "\n".join(line.problems + line.warnings) or self.text(line, column)
        if column == ENTERED and line.dirty and form.figure is not None:
            return _tr("Số đã lưu trước đó: {t}.").format(t=self.text(line, ENTERED))
        return self.text(line, column)

    def cell(self, item: FigureLine, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self.text(item, column)
        if role == Qt.ItemDataRole.EditRole:
            return item.text(column) if column in TYPED_COLUMNS else self.text(item, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self.tooltip(item, column)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column in (PREVIOUS, NUMERATOR, DENOMINATOR, VALUE) else _LEFT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == CHECK:
                if item.problems:
                    return PROBLEM_BRUSH
                return WARNING_BRUSH if item.warnings else _UNSAVED
            if column == PREVIOUS or (column in TYPED_COLUMNS and not item.editable(column)):
                return _BOOK
            if column == VALUE and not item.text(VALUE).strip():
                return _BOOK  # the preview, not a typed value
            return None
        if role == Qt.ItemDataRole.BackgroundRole:
            if column == CHECK and item.problems:
                return _PROBLEM_BACK
            if self.editable and column in TYPED_COLUMNS and item.editable(column):
                return _INPUT
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        if (
            self.editable
            and index.isValid()
            and index.column() in TYPED_COLUMNS
            and self._rows[index.row()].editable(index.column())
        ):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not self.flags(index) & Qt.ItemFlag.ItemIsEditable:
            return False
        line = self._rows[index.row()]
        text = "" if value is None else str(value)
        if text == line.text(index.column()):
            return True
        self._rows[index.row()] = line.with_text(index.column(), text)
        # The row: the value's preview and the check column follow what was typed (the
        # editor that sent this is closing, no other is open).
        row = index.row()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(self.columns) - 1))
        self.edited.emit(line.code)
        return True
