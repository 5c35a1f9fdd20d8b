"""Phiếu thu thập số liệu: the .xlsx a unit fills in (health station, schools …) and its reading.

The sheet names its unit and period in fixed cells, lists the unit's indicators with last
period's value (and the book's denominator where the book gives it), and leaves the numerator,
denominator, value and note columns to fill. Reading it back gives the typed entries and a
Vietnamese problem per wrong cell, naming its row and column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from desktop.core.domain.errors import FieldProblem
from desktop.core.reports.protect import protected_output
from desktop.core.reports.xlsx_memory import new_workbook

__all__ = ["COLUMNS", "SheetLine", "SheetRead", "read_collection_sheet", "write_collection_sheet"]

TITLE = "PHIẾU THU THẬP SỐ LIỆU"
COLUMNS = (
    "Mã",
    "Chỉ tiêu",
    "Đơn vị tính",
    "Kỳ trước",
    "Mẫu số từ sổ",
    "Tử số",
    "Mẫu số",
    "Giá trị",
    "Ghi chú",
)
_HEAD_ROW = 7
_UNIT_CELL, _PERIOD_CELL = "B3", "B4"
_FONT = "Times New Roman"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True)
class SheetLine:
    """One pre-filled line of the sheet."""

    code: str
    name: str
    unit_label: str
    previous: float | None
    book_denominator: int | None


@dataclass(frozen=True)
class SheetRead:
    """What a filled sheet says: its unit and period, the rows typed, the problems found."""

    unit_code: str
    period_code: str
    rows: tuple[tuple[int, str, float | None, float | None, float | None, str], ...]
    problems: tuple[FieldProblem, ...]


def write_collection_sheet(
    path: Path,
    *,
    unit_code: str,
    unit_name: str,
    period_code: str,
    period_label: str,
    commune_name: str,
    lines: Sequence[SheetLine],
) -> None:
    """Write the pre-filled sheet for one unit and period at ``path`` (atomically)."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phiếu thu thập"
    ws["A1"] = commune_name
    ws["A1"].font = Font(name=_FONT, bold=True)
    ws["A2"] = TITLE
    ws["A2"].font = Font(name=_FONT, bold=True, size=14)
    ws["A3"], ws[_UNIT_CELL] = "Đơn vị:", unit_code
    ws["C3"] = unit_name
    ws["A4"], ws[_PERIOD_CELL] = "Kỳ báo cáo:", period_code
    ws["C4"] = period_label
    ws["A5"] = (
        "Đơn vị điền các cột tô màu (Tử số, Mẫu số, Giá trị, Ghi chú); không sửa cột Mã và "
        "các ô B3, B4. Số thập phân viết dấu phẩy (98,5)."
    )
    ws["A5"].font = Font(name=_FONT, italic=True)
    for col, title in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=_HEAD_ROW, column=col, value=title)
        cell.font = Font(name=_FONT, bold=True)
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for i, line in enumerate(lines, start=_HEAD_ROW + 1):
        values = (
            line.code,
            line.name,
            line.unit_label,
            line.previous,
            line.book_denominator,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=i, column=col, value=value)
            cell.font = Font(name=_FONT)
            cell.border = _BORDER
            cell.alignment = Alignment(wrap_text=col == 2, vertical="top")
        for col in range(6, len(COLUMNS) + 1):
            cell = ws.cell(row=i, column=col)
            cell.fill = _FILL
            cell.border = _BORDER
    for col, width in enumerate((10, 60, 14, 12, 14, 12, 12, 12, 30), start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = ws.cell(row=_HEAD_ROW + 1, column=3)
    wb.properties.creator = "Sổ Trẻ Em"
    with protected_output(path, None, "xlsx") as target:
        wb.save(target)


def _number(raw: object, row: int, column: str) -> tuple[float | None, FieldProblem | None]:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, None
    if isinstance(raw, bool):
        return None, FieldProblem(
            column, f"Dòng {row}, cột «{column}»: «{raw}» không phải số.", row
        )
    if isinstance(raw, int | float):
        return float(raw), None
    text = str(raw).strip().replace(" ", "").rstrip("%")
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return float(text), None
    except ValueError:
        return None, FieldProblem(
            column, f"Dòng {row}, cột «{column}»: «{raw}» không phải là số.", row
        )


def read_collection_sheet(path: Path) -> SheetRead:
    """Read a filled sheet; a wrong file or cell becomes a problem, never an exception."""
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged or foreign file
        return SheetRead(
            "", "", (), (FieldProblem("file", f"Không mở được tệp {path.name}: {exc}"),)
        )
    ws = wb.worksheets[0]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()

    def at(row: int, col: int) -> object:
        if row - 1 < len(grid) and col - 1 < len(grid[row - 1]):
            return grid[row - 1][col - 1]
        return None

    problems: list[FieldProblem] = []
    unit = str(at(3, 2) or "").strip()
    period = str(at(4, 2) or "").strip()
    if not unit or not period:
        problems.append(
            FieldProblem(
                "file", "Tệp không phải phiếu thu thập số liệu của chương trình (thiếu ô B3, B4)."
            )
        )
    head = [str(at(_HEAD_ROW, c) or "").strip() for c in range(1, len(COLUMNS) + 1)]
    if head != list(COLUMNS):
        problems.append(
            FieldProblem("file", f"Dòng {_HEAD_ROW}: tiêu đề cột đã bị sửa; hãy dùng phiếu gốc.")
        )
    rows = []
    if not problems:
        for n in range(_HEAD_ROW + 1, len(grid) + 1):
            code = str(at(n, 1) or "").strip()
            if not code:
                continue
            parsed = []
            for col, name in ((6, "Tử số"), (7, "Mẫu số"), (8, "Giá trị")):
                value, problem = _number(at(n, col), n, name)
                if problem is not None:
                    problems.append(problem)
                parsed.append(value)
            if all(v is None for v in parsed):
                continue  # not filled: nothing to import on this line
            note = str(at(n, 9) or "").strip()
            rows.append((n, code, parsed[0], parsed[1], parsed[2], note))
    return SheetRead(unit, period, tuple(rows), tuple(problems))
