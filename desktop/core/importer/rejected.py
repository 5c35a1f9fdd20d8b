"""The rejected rows, given back as an .xlsx the officer can fix and import again."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

from desktop.core.importer.reader import NO_CACHED_VALUE, Cell, CellError, SheetRow
from desktop.core.importer.rows import RowProblem
from desktop.core.reports.protect import ExportProtection, protected_output

ROW_HEADER = "Dòng trong tệp gốc"
ERROR_HEADER = "Lỗi cần sửa"
_FONT = "Times New Roman"


def _plain(value: Cell) -> str | int | float | bool | datetime | date | time | None:
    if value is NO_CACHED_VALUE:
        return None  # the error column says the formula had no stored result
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, str | int | float | bool | datetime | date | time):
        return value
    return None


def write_rejected(
    path: Path,
    headers: Sequence[str],
    rows: Sequence[SheetRow],
    problems: dict[int, list[RowProblem]],
    protection: ExportProtection | None = None,
) -> int:
    """Write ``rows`` with the file's own headers and an error column; the rows written.

    The first two columns hold the original row number and what to fix; the file's columns
    follow unchanged, so after fixing, the same file can be imported again (the two added
    columns are ignored by the importer).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "Dòng cần sửa"
    head_font = Font(name=_FONT, size=11, bold=True)
    fill = PatternFill("solid", fgColor="FDE9E7")
    width = max((len(r.cells) for r in rows), default=0)
    width = max(width, len(headers))
    titles = [
        ROW_HEADER,
        ERROR_HEADER,
        *[headers[i] if i < len(headers) else "" for i in range(width)],
    ]
    for column, title in enumerate(titles, start=1):
        cell = sheet.cell(row=1, column=column, value=title)
        cell.font = head_font
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.cell(row=1, column=2).fill = fill
    written = 0
    for out_row, row in enumerate(rows, start=2):
        found = problems.get(row.number, [])
        sheet.cell(row=out_row, column=1, value=row.number)
        error = sheet.cell(
            row=out_row, column=2, value="\n".join(p.text for p in found) or "Chưa nhập."
        )
        error.font = Font(name=_FONT, size=11, color="9C0006")
        error.alignment = Alignment(wrap_text=True, vertical="top")
        error.fill = fill
        for index in range(width):
            value = _plain(row.cell(index))
            cell = sheet.cell(row=out_row, column=index + 3, value=value)
            if isinstance(value, datetime | date):
                cell.number_format = "dd/mm/yyyy"
            elif isinstance(value, str):
                # Text stays text: an ID number "038…" must not become a number again.
                cell.number_format = "@"
        written += 1
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 60
    for index in range(width):
        letter = sheet.cell(row=1, column=index + 3).column_letter
        sheet.column_dimensions[letter].width = 18
    sheet.freeze_panes = "C2"
    workbook.properties.creator = "Sổ Trẻ Em"
    workbook.properties.title = "Các dòng chưa nhập được"
    with protected_output(path, protection, "xlsx") as target:
        workbook.save(target)
    return written
