"""Any list (households, children, drill-downs …) as an .xlsx sheet, streamed row by row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.text import nfc
from desktop.core.reports.formatting import MOTTO, NATIONAL_TITLE
from desktop.core.reports.protect import ExportProtection, protected_output
from desktop.core.reports.xlsx_memory import new_workbook

_FONT = "Times New Roman"
MAX_SHEET_TITLE = 31  # Excel's limit on a sheet name
_FORBIDDEN_IN_TITLE = str.maketrans({c: " " for c in "[]:*?/\\"})

Value = str | int | float | bool | date | datetime | None


@dataclass(frozen=True)
class ListColumn:
    """A column: its header, width (in characters) and kind (text, number or date)."""

    header: str
    width: float = 16
    kind: str = "text"  # "text" | "number" | "date"


@dataclass(frozen=True)
class ListTable:
    """A titled list of rows, each a sequence of plain values (one per column)."""

    title: str
    columns: Sequence[ListColumn]
    rows: Iterable[Sequence[Value]]
    issuer: str = ""  # e.g. "UBND XÃ HOÀNG KIM"
    subtitle: str = ""  # e.g. "Lập ngày 30/06/2026"
    notes: Sequence[str] = field(default_factory=tuple)
    sheet_name: str = ""


def sheet_title(text: str) -> str:
    """A valid Excel sheet name made from ``text``."""
    cleaned = nfc(text).translate(_FORBIDDEN_IN_TITLE).strip() or "Danh sách"
    return cleaned[:MAX_SHEET_TITLE]


def _cell_value(value: Any) -> Value:
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, str | int | float | bool | date | datetime) or value is None:
        return value
    return nfc(str(value))


def national_header_rows(issuer: str, columns: int) -> list[list[str | None]]:
    """The two top rows of every exported list: the unit (e.g. "UBND XÃ HOÀNG KIM") on the
    left, the national title and motto on the right half (stacked in A on a 1-column list)."""
    if columns < 2:
        rows: list[list[str | None]] = [[issuer]] if issuer else []
        return [*rows, [NATIONAL_TITLE], [MOTTO]]
    right = columns // 2  # 0-based column of the national title
    first: list[str | None] = [issuer or None] + [None] * (right - 1) + [NATIONAL_TITLE]
    second: list[str | None] = [None] * right + [MOTTO]
    return [first, second]


def render_list_xlsx(
    table: ListTable, path: Path, protection: ExportProtection | None = None
) -> int:
    """Write ``table`` to ``path`` (atomically, optionally with a password); the rows written."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    workbook = new_workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title(table.sheet_name or table.title))
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_font = Font(name=_FONT, size=11, bold=True)
    body_font = Font(name=_FONT, size=11)
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    header_rows = national_header_rows(table.issuer, len(table.columns))
    top = len(header_rows)
    top += 1  # the title
    if table.subtitle:
        top += 1
    head_row = top + 2
    sheet.freeze_panes = f"A{head_row + 1}"
    sheet.print_title_rows = f"{head_row}:{head_row}"
    sheet.page_setup.orientation = "landscape" if len(table.columns) > 6 else "portrait"
    sheet.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    def text_cell(value: str, font: Font) -> WriteOnlyCell:
        cell = WriteOnlyCell(sheet, value=nfc(value))
        cell.font = font
        return cell

    motto_font = Font(name=_FONT, size=12, bold=True, underline="single")
    for row in header_rows:
        sheet.append(
            [
                None
                if value is None
                else text_cell(value, motto_font if value == MOTTO else head_font)
                for value in row
            ]
        )
    sheet.append([text_cell(table.title, Font(name=_FONT, size=14, bold=True))])
    if table.subtitle:
        sheet.append([text_cell(table.subtitle, Font(name=_FONT, size=11, italic=True))])
    sheet.append([])
    heads = []
    for column in table.columns:
        cell = text_cell(column.header, head_font)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        cell.fill = head_fill
        heads.append(cell)
    sheet.append(heads)
    written = 0
    for values in table.rows:
        cells = []
        for column, raw in zip(table.columns, values, strict=False):
            value = _cell_value(raw)
            cell = WriteOnlyCell(sheet, value=value)
            cell.font = body_font
            cell.border = border
            if isinstance(value, datetime | date):
                cell.number_format = "dd/mm/yyyy"
                cell.alignment = Alignment(horizontal="center")
            elif column.kind == "number" and isinstance(value, int | float):
                cell.number_format = "#,##0"
            elif isinstance(value, str):
                # Text stays text (an ID number keeps its leading zero, "12A" stays a string).
                cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
        written += 1
    if table.notes:
        sheet.append([])
        for note in table.notes:
            sheet.append([text_cell(note, Font(name=_FONT, size=10, italic=True))])
    workbook.properties.creator = "Sổ Trẻ Em"
    workbook.properties.title = nfc(table.title)
    with protected_output(path, protection, "xlsx") as target:
        workbook.save(target)
    return written


# -- the personal-ID verification list for the commune police (Đề án 06) ----------------------

POLICE_KEY = "Mã đối chiếu (không sửa)"
POLICE_ID = "Số định danh (Công an xã ghi)"
POLICE_RESULT = "Kết quả xác minh"
POLICE_NOTE = "Ghi chú của Công an xã"
POLICE_RESULTS = ("Khớp", "Đã bổ sung/sửa số", "Không tìm thấy")
POLICE_SHEET = "Danh sách xác minh"
INFO_SHEET = "Thông tin"


@dataclass(frozen=True)
class PoliceListRow:
    """One child of the verification list."""

    key: str  # the person's id: stable, whatever the order of the returned sheet
    hamlet: str
    household_number: str
    head_name: str
    full_name: str
    birth_date: date
    sex: str
    ethnicity: str
    father: str
    mother: str
    carer: str
    id_number: str
    reasons: tuple[str, ...]


_POLICE_COLUMNS: tuple[tuple[str, float], ...] = (
    ("TT", 5),
    (POLICE_KEY, 14),
    ("Thôn/Tổ dân phố", 15),
    ("Số hộ", 7),
    ("Họ tên chủ hộ", 20),
    ("Họ tên trẻ", 22),
    ("Ngày sinh", 11),
    ("Giới tính", 8),
    ("Dân tộc", 9),
    ("Họ tên cha", 20),
    ("Họ tên mẹ", 20),
    ("Người giám hộ / chăm sóc", 18),
    ("Số định danh trong sổ", 15),
    ("Lý do cần xác minh", 34),
    (POLICE_ID, 16),
    (POLICE_RESULT, 15),
    (POLICE_NOTE, 24),
)


def render_police_list(
    rows: Sequence[PoliceListRow],
    path: Path,
    *,
    commune_name: str,
    province: str,
    commune_code: str,
    made_on: date,
    protection: ExportProtection | None = None,
) -> int:
    """Write the verification list the police fill in and return; the rows written."""
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = new_workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = POLICE_SHEET
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    last = get_column_letter(len(_POLICE_COLUMNS))
    police_fill = PatternFill("solid", fgColor="FFF2CC")
    key_fill = PatternFill("solid", fgColor="EDEDED")

    def line(
        row: int, text: str, *, bold: bool = False, italic: bool = False, size: int = 12
    ) -> None:
        sheet.merge_cells(f"A{row}:{last}{row}")
        cell = sheet.cell(row=row, column=1, value=nfc(text))
        cell.font = Font(name=_FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)

    line(1, f"ỦY BAN NHÂN DÂN {nfc(commune_name).upper()} — {nfc(province)}", bold=True)
    line(2, "DANH SÁCH TRẺ EM CẦN XÁC MINH SỐ ĐỊNH DANH CÁ NHÂN", bold=True, size=14)
    line(
        3,
        "(Đề án 06: đề nghị Công an xã đối chiếu với Cơ sở dữ liệu quốc gia về dân cư, ghi số "
        "định danh vào cột tô vàng và gửi lại danh sách)",
        italic=True,
        size=11,
    )
    line(4, f"Lập ngày {format_vn_date(made_on)} — {len(rows)} trẻ", italic=True, size=11)
    head = 6
    for column, (title, width) in enumerate(_POLICE_COLUMNS, start=1):
        cell = sheet.cell(row=head, column=column, value=title)
        cell.font = Font(name=_FONT, size=11, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        if title in (POLICE_ID, POLICE_RESULT, POLICE_NOTE):
            cell.fill = police_fill
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.row_dimensions[head].height = 45
    body = Font(name=_FONT, size=11)
    for offset, row in enumerate(rows, start=1):
        values: list[Value] = [
            offset,
            row.key,
            row.hamlet,
            row.household_number,
            row.head_name,
            row.full_name,
            row.birth_date,
            row.sex,
            row.ethnicity,
            row.father,
            row.mother,
            row.carer,
            row.id_number,
            "; ".join(row.reasons),
            None,
            None,
            None,
        ]
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=head + offset, column=column, value=_cell_value(value))
            cell.font = body
            cell.border = border
            cell.alignment = Alignment(vertical="top", wrap_text=column in (14, 17))
            title = _POLICE_COLUMNS[column - 1][0]
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
            elif title in (POLICE_KEY, POLICE_ID, "Số định danh trong sổ", "Số hộ"):
                cell.number_format = "@"  # text: the police's 0… must not become a number
            if title == POLICE_KEY:
                cell.fill = key_fill
                cell.font = Font(name=_FONT, size=8, color="595959")
            elif title in (POLICE_ID, POLICE_RESULT, POLICE_NOTE):
                cell.fill = police_fill
    end = head + max(len(rows), 1)
    result_column = get_column_letter(len(_POLICE_COLUMNS) - 1)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(POLICE_RESULTS) + '"',
        allow_blank=True,
        errorStyle="warning",
        showErrorMessage=True,
        error="Hãy chọn: " + ", ".join(POLICE_RESULTS) + ".",
    )
    validation.add(f"{result_column}{head + 1}:{result_column}{end}")
    sheet.add_data_validation(validation)
    sign = end + 2
    sheet.cell(row=sign, column=3, value="NGƯỜI LẬP DANH SÁCH").font = Font(name=_FONT, bold=True)
    sheet.cell(row=sign + 1, column=3, value="(Ký, ghi rõ họ tên)").font = Font(
        name=_FONT, italic=True
    )
    sheet.cell(row=sign, column=14, value="XÁC NHẬN CỦA CÔNG AN XÃ").font = Font(
        name=_FONT, bold=True
    )
    sheet.cell(row=sign + 1, column=14, value="(Ký, ghi rõ họ tên, đóng dấu)").font = Font(
        name=_FONT, italic=True
    )
    sheet.freeze_panes = sheet.cell(row=head + 1, column=7)
    sheet.auto_filter.ref = f"A{head}:{last}{end}"
    sheet.print_title_rows = f"{head}:{head}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True

    info = workbook.create_sheet(INFO_SHEET)
    facts = (
        ("Nội dung", "Danh sách xác minh số định danh cá nhân (Sổ Trẻ Em)"),
        ("Mã xã", commune_code),
        ("Xã/phường", commune_name),
        ("Ngày lập", format_vn_date(made_on)),
        ("Số trẻ", len(rows)),
        (
            "Lưu ý",
            "Không sửa cột “Mã đối chiếu”: chương trình dùng cột này để ghi số định danh vào "
            "đúng hồ sơ trẻ, kể cả khi danh sách được sắp xếp lại.",
        ),
    )
    for index, (label, fact) in enumerate(facts, start=1):
        info.cell(row=index, column=1, value=label).font = Font(name=_FONT, bold=True)
        cell = info.cell(row=index, column=2, value=fact)
        cell.number_format = "@"
    info.column_dimensions["A"].width = 14
    info.column_dimensions["B"].width = 90
    workbook.active = 0
    workbook.properties.creator = "Sổ Trẻ Em"
    workbook.properties.title = "Danh sách trẻ em cần xác minh số định danh"
    with protected_output(path, protection, "xlsx") as target:
        workbook.save(target)
    return len(rows)
