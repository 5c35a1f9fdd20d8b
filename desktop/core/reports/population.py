"""Report of the number of children under 16 by age group and sex, as PDF and XLSX."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Table

from desktop.core.domain.text import nfc
from desktop.core.reports.document import (
    TEXT_WIDTH,
    DocumentHeader,
    bordered_table,
    para,
    render_official_pdf,
    report_styles,
)
from desktop.core.reports.fonts import upper_nfc
from desktop.core.reports.formatting import vn_int, vn_short_date
from desktop.core.reports.protect import ExportProtection, protected_output
from desktop.core.reports.xlsx_memory import new_workbook

__all__ = [
    "AGE_GROUPS",
    "COLUMNS",
    "PopulationRow",
    "PopulationTable",
    "population_summary",
    "render_population_pdf",
    "render_population_xlsx",
]

AGE_GROUPS = ("0–2 tuổi", "3–5 tuổi", "6–10 tuổi", "11–15 tuổi")
COLUMNS = ("Nhóm tuổi", "Nam", "Nữ", "Chưa xác định", "Tổng số")
TOTAL_LABEL = "Tổng cộng"

# Longest first, so "thị trấn" is not mistaken for something shorter.
_UNIT_KINDS = ("thị trấn", "đặc khu", "phường", "xã")


@dataclass(frozen=True)
class PopulationRow:
    """Children in one age group, by sex (codes 1 Nam, 2 Nữ, 3 Chưa xác định)."""

    label: str
    male: int
    female: int
    unknown: int

    def __post_init__(self) -> None:
        """Reject negative counts, naming the row and column."""
        counts = (("Nam", self.male), ("Nữ", self.female), ("Chưa xác định", self.unknown))
        for column, value in counts:
            if value < 0:
                raise ValueError(
                    f"Số trẻ em không được âm: nhóm «{self.label}», cột «{column}» = {value}."
                )

    @property
    def total(self) -> int:
        """All children in the group, whatever their recorded sex."""
        return self.male + self.female + self.unknown


@dataclass(frozen=True)
class PopulationTable:
    """Children under 16 in one commune at a reference date, by age group and sex."""

    reference_date: datetime.date
    commune_name: str
    rows: list[PopulationRow]
    notes: list[str] = field(default_factory=list)

    @property
    def total_male(self) -> int:
        """Boys in all age groups."""
        return sum(row.male for row in self.rows)

    @property
    def total_female(self) -> int:
        """Girls in all age groups."""
        return sum(row.female for row in self.rows)

    @property
    def total_unknown(self) -> int:
        """Children whose sex is not recorded, in all age groups."""
        return sum(row.unknown for row in self.rows)

    @property
    def total(self) -> int:
        """All children under 16."""
        return sum(row.total for row in self.rows)

    @property
    def totals_row(self) -> PopulationRow:
        """The "Tổng cộng" row."""
        return PopulationRow(TOTAL_LABEL, self.total_male, self.total_female, self.total_unknown)


def _locality(commune_name: str) -> tuple[str, str]:
    """Split "Xã Hoàng Kim" into ("xã", "Hoàng Kim"); a bare name is taken to be a xã."""
    name = nfc(commune_name).strip()
    lowered = name.lower()
    for kind in _UNIT_KINDS:
        if lowered.startswith(kind + " "):
            return kind, name[len(kind) :].strip()
    return "xã", name


def population_summary(table: PopulationTable) -> str:
    """The trích yếu, e.g. "Số trẻ em dưới 16 tuổi trên địa bàn xã Hoàng Kim tính đến ngày …"."""
    kind, name = _locality(table.commune_name)
    return (
        f"Số trẻ em dưới 16 tuổi trên địa bàn {kind} {name} "
        f"tính đến ngày {vn_short_date(table.reference_date)}"
    )


def _total_sentence(table: PopulationTable) -> str:
    """The sentence that states the totals, e.g. "Tính đến ngày …, toàn xã có 1.234 trẻ em …"."""
    kind, _ = _locality(table.commune_name)
    sentence = (
        f"Tính đến ngày {vn_short_date(table.reference_date)}, toàn {kind} có "
        f"{vn_int(table.total)} trẻ em dưới 16 tuổi, trong đó {vn_int(table.total_male)} nam, "
        f"{vn_int(table.total_female)} nữ"
    )
    if table.total_unknown:
        sentence += f" và {vn_int(table.total_unknown)} trẻ chưa xác định giới tính"
    return sentence + "."


def _pdf_table(table: PopulationTable) -> Table:
    """The bordered age-group table with a bold total row."""
    st = report_styles()
    data: list[list[Flowable]] = [[para(title, st.table_head) for title in COLUMNS]]
    for row in table.rows:
        data.append(
            [
                para(row.label, st.table_text),
                *(
                    para(vn_int(n), st.table_number)
                    for n in (row.male, row.female, row.unknown, row.total)
                ),
            ]
        )
    totals = table.totals_row
    data.append(
        [
            para(totals.label, st.table_text_bold),
            *(
                para(vn_int(n), st.table_number_bold)
                for n in (totals.male, totals.female, totals.unknown, totals.total)
            ),
        ]
    )
    first = 45 * mm
    rest = (TEXT_WIDTH - first) / 4
    return bordered_table(data, [first, rest, rest, rest, rest])


def render_population_pdf(
    table: PopulationTable,
    header: DocumentHeader,
    path: Path,
    protection: ExportProtection | None = None,
) -> None:
    """Write the population report as an official document (PDF) to ``path``, atomically."""
    st = report_styles()
    if not header.summary.strip():
        header = replace(header, summary=population_summary(table))
    body: list[Flowable] = [
        para(_total_sentence(table), st.body),
        para("Số trẻ em chia theo nhóm tuổi và giới tính như sau:", st.body),
        para("Đơn vị tính: người", st.unit_note),
        _pdf_table(table),
    ]
    if table.notes:
        body.append(para("Ghi chú:", st.note_label))
        body.extend(para(f"- {nfc(note).strip()}", st.note) for note in table.notes)
    kind, name = _locality(table.commune_name)
    closing = (
        f"Trên đây là báo cáo số trẻ em dưới 16 tuổi trên địa bàn {kind} {name} "
        f"tính đến ngày {vn_short_date(table.reference_date)}."
    )
    render_official_pdf(header, body, path, closing=closing, protection=protection)


# XLSX --------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# The font official documents use; spreadsheet programs without it substitute a metric twin.
_FONT = "Times New Roman"
_COLUMN_WIDTHS = (22, 12, 12, 16, 12)


def render_population_xlsx(
    table: PopulationTable,
    header: DocumentHeader,
    path: Path,
    protection: ExportProtection | None = None,
) -> None:
    """Write the population numbers to one XLSX sheet at ``path``, atomically."""
    wb = new_workbook()
    ws = wb.active
    assert ws is not None  # a new Workbook always has one sheet
    ws.title = "Trẻ em dưới 16 tuổi"
    last_col = get_column_letter(len(COLUMNS))
    kind, name = _locality(table.commune_name)

    def title_row(
        row: int,
        text: str,
        *,
        bold: bool = False,
        italic: bool = False,
        size: int = 12,
        align: str = "center",
    ) -> None:
        """One line of the title block, merged across the table's width."""
        ws.merge_cells(f"A{row}:{last_col}{row}")
        cell = ws.cell(row=row, column=1, value=nfc(text))
        cell.font = Font(name=_FONT, size=size, bold=bold, italic=italic)
        cell.alignment = Alignment(horizontal=align)

    issuer = f"{upper_nfc(header.issuing_body)} {upper_nfc(header.unit_name)}"
    title_row(1, issuer, bold=True, align="left")
    title_row(3, "SỐ TRẺ EM DƯỚI 16 TUỔI THEO NHÓM TUỔI VÀ GIỚI TÍNH", bold=True, size=14)
    title_row(4, f"Địa bàn: {kind.capitalize()} {name}")
    title_row(5, f"Tính đến ngày {vn_short_date(table.reference_date)}", italic=True)
    title_row(6, "Đơn vị tính: người", italic=True, size=11, align="right")

    head_row = 7
    for col, title in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=head_row, column=col, value=title)
        cell.font = Font(name=_FONT, size=12, bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER

    rows = [*table.rows, table.totals_row]
    for offset, row in enumerate(rows, start=1):
        is_total = row is rows[-1]
        values: tuple[str | int, ...] = (
            nfc(row.label),
            row.male,
            row.female,
            row.unknown,
            row.total,
        )
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=head_row + offset, column=col, value=value)
            cell.font = Font(name=_FONT, size=12, bold=is_total)
            cell.border = _BORDER
            if isinstance(value, int):
                # Thousands grouping; Excel shows the separator of the user's locale (".").
                cell.number_format = "#,##0"
                cell.alignment = Alignment(horizontal="right")

    note_row = head_row + len(rows) + 2
    if table.notes:
        ws.cell(row=note_row, column=1, value="Ghi chú:").font = Font(
            name=_FONT, size=11, bold=True, italic=True
        )
        for i, note in enumerate(table.notes, start=1):
            cell = ws.cell(row=note_row + i, column=1, value=f"- {nfc(note).strip()}")
            cell.font = Font(name=_FONT, size=11, italic=True)

    for col, width in enumerate(_COLUMN_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[head_row].height = 32
    ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    ws.print_title_rows = f"{head_row}:{head_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True

    wb.properties.creator = "Sổ Trẻ Em"
    wb.properties.title = nfc(population_summary(table))
    with protected_output(path, protection, "xlsx") as target:
        wb.save(target)
