"""The rejected rows, given back as an .xlsx the officer can fix and import again."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from desktop.core.importer.reader import NO_CACHED_VALUE, Cell, CellError, SheetRow
from desktop.core.importer.rows import RowProblem
from desktop.core.reports.protect import ExportProtection, protected_output
from desktop.core.reports.xlsx_memory import new_workbook

ROW_HEADER = "Dòng trong tệp gốc"
ERROR_HEADER = "Lỗi cần sửa"
_FONT = "Times New Roman"
_PROGRESS_EVERY = 500  # rows between two progress reports

Progress = Callable[[int, int], None]


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
    rows: Iterable[tuple[SheetRow, Sequence[RowProblem]]],
    width: int,
    *,
    protection: ExportProtection | None = None,
    progress: Progress | None = None,
    total: int = 0,
) -> int:
    """Write ``rows`` with the file's own headers and an error column; the rows written.

    The first two columns hold the original row number and what to fix; the file's columns
    follow unchanged, so after fixing, the same file can be imported again (the two added
    columns are ignored by the importer). ``rows`` (a row and its problems, in row order)
    is consumed one at a time and streamed into the file: 99,000 rejected rows never become
    two million cell objects. ``width`` is the widest row's cell count. ``progress(done,
    total)`` is told every few hundred rows (``total``: the rows expected) and may raise to
    stop; then nothing is written at ``path``.
    """
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils.cell import get_column_letter

    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet("Dòng cần sửa")
    head_font = Font(name=_FONT, size=11, bold=True)
    head_alignment = Alignment(wrap_text=True, vertical="center")
    error_font = Font(name=_FONT, size=11, color="9C0006")
    error_alignment = Alignment(wrap_text=True, vertical="top")
    fill = PatternFill("solid", fgColor="FDE9E7")
    width = max(width, len(headers))
    titles = [
        ROW_HEADER,
        ERROR_HEADER,
        *[headers[i] if i < len(headers) else "" for i in range(width)],
    ]
    sheet.column_dimensions["A"].width = 10
    sheet.column_dimensions["B"].width = 60
    for index in range(width):
        sheet.column_dimensions[get_column_letter(index + 3)].width = 18
    sheet.freeze_panes = "C2"

    def head(title: str, column: int) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = head_font
        cell.alignment = head_alignment
        if column == 2:
            cell.fill = fill
        return cell

    sheet.append([head(title, column) for column, title in enumerate(titles, start=1)])
    written = 0
    for row, found in rows:
        error = WriteOnlyCell(sheet, value="\n".join(p.text for p in found) or "Chưa nhập.")
        error.font = error_font
        error.alignment = error_alignment
        error.fill = fill
        out: list[object] = [row.number, error]
        for index in range(width):
            value = _plain(row.cell(index))
            if isinstance(value, datetime | date):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "dd/mm/yyyy"
                out.append(cell)
            elif isinstance(value, str):
                # Text stays text: an ID number "038…" must not become a number again.
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "@"
                out.append(cell)
            else:
                out.append(value)
        sheet.append(out)
        written += 1
        if progress is not None and written % _PROGRESS_EVERY == 0:
            progress(written, max(total, written))
    workbook.properties.creator = "Sổ Trẻ Em"
    workbook.properties.title = "Các dòng chưa nhập được"
    with protected_output(path, protection, "xlsx") as target:
        workbook.save(target)
    if progress is not None:
        progress(written, written)
    return written
