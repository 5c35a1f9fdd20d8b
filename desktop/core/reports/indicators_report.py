"""Báo cáo kết quả thực hiện công tác trẻ em: the PDF (NĐ 30/2020 layout) and the .xlsx.

Both are drawn from the same plain inputs (``ReportContent``), so a finalised report rebuilt
from its snapshot gives the same document. The PDF has the narrative sections, then — after
the signature — the annex tables (values, targets, last period) and the two charts of
``charts.py`` (each indicator against its target over the last periods; children in special
circumstances by group and those supported), which the screen shows too.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from desktop.core.indicators.engine import IndicatorResult
from desktop.core.reports.charts import CHART_CODES, special_chart, targets_chart
from desktop.core.reports.document import (
    TEXT_WIDTH,
    DocumentHeader,
    bordered_table,
    para,
    render_official_pdf,
    report_styles,
)
from desktop.core.reports.formatting import vn_short_date
from desktop.core.reports.protect import ExportProtection, protected_output
from desktop.core.reports.xlsx_memory import new_workbook

__all__ = [
    "CHART_CODES",
    "ReportContent",
    "indicator_pdf_bytes",
    "render_indicator_pdf",
    "render_indicator_xlsx",
]

SECTION_TITLES = (
    ("results", "I. KẾT QUẢ THỰC HIỆN"),
    ("shortcomings", "II. TỒN TẠI, HẠN CHẾ"),
    ("causes", "III. NGUYÊN NHÂN"),
    ("tasks", "IV. NHIỆM VỤ TRỌNG TÂM THỜI GIAN TỚI"),
    ("proposals", "V. ĐỀ XUẤT, KIẾN NGHỊ"),
)
TABLES = (
    ("CT", "Bảng 1. Các chỉ tiêu của Chương trình hành động vì trẻ em (QĐ 23/QĐ-TTg)"),
    ("TT13", "Bảng 2. Chỉ tiêu thống kê về tình hình trẻ em (TT 13/2021/TT-BLĐTBXH)"),
)


@dataclass(frozen=True)
class ReportContent:
    """Everything the document shows, already decided (numbers, texts, history)."""

    title: str  # e.g. "Kết quả thực hiện công tác trẻ em 6 tháng đầu năm 2026"
    period_label: str
    reference_date: datetime.date
    results: tuple[IndicatorResult, ...]
    families: Mapping[str, str]  # code → CT | TT13
    previous: Mapping[str, float | None]
    narrative: Mapping[str, str]
    # (period label, {code: value}) oldest first, the current period last
    history: Sequence[tuple[str, Mapping[str, float | None]]] = ()
    state_line: str = ""
    notes: Sequence[str] = field(default_factory=tuple)


def fmt(value: float | None, unit: str) -> str:
    """ "—" for no value; Vietnamese decimal comma; counts as integers with "." thousands."""
    if value is None:
        return "—"
    if unit == "count":
        return f"{round(value):,}".replace(",", ".")
    if unit == "yes_no":
        return "Có" if value >= 1 else "Không"
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


def _target_text(r: IndicatorResult, year: int) -> str:
    t = r.target("commune", year)
    return t.text if t is not None else ""


def _result_text(r: IndicatorResult) -> str:
    if r.status == "missing":
        return f"— ({r.missing_reason})" if r.missing_reason else "—"
    text = fmt(r.value, r.unit)
    if r.unit not in ("count", "yes_no"):
        text += f" {r.unit_label}"
        if r.numerator is not None and r.denominator is not None:
            text += f" ({fmt(r.numerator, 'count')}/{fmt(r.denominator, 'count')})"
    if r.status == "typed":
        text += " [nhập]"
    return text


def _annex_table(content: ReportContent, family: str) -> Flowable:
    st = report_styles()
    small = st.table_text.clone("AnnexText", fontSize=10, leading=12)
    small_head = st.table_head.clone("AnnexHead", fontSize=10, leading=12)
    small_num = st.table_number.clone("AnnexNum", fontSize=10, leading=12)
    head = ["Mã", "Chỉ tiêu", "Kết quả kỳ này", "Kỳ trước", "Mục tiêu của xã"]
    data: list[list[Flowable]] = [[para(h, small_head) for h in head]]
    year = content.reference_date.year
    for r in content.results:
        if content.families.get(r.code) != family:
            continue
        prev = content.previous.get(r.code)
        data.append(
            [
                para(r.code, small),
                para(f"{r.label_vi}: {r.name_vi}", small),
                para(_result_text(r), small_num),
                para(fmt(prev, r.unit), small_num),
                para(_target_text(r, year), small),
            ]
        )
    widths = [16 * mm, 72 * mm, 34 * mm, 18 * mm]
    widths.append(TEXT_WIDTH - sum(widths))
    return bordered_table(data, widths)


def _cells_table(r: IndicatorResult) -> Flowable:
    st = report_styles()
    small = st.table_text.clone("CellText", fontSize=10, leading=12)
    small_head = st.table_head.clone("CellHead", fontSize=10, leading=12)
    small_num = st.table_number.clone("CellNum", fontSize=10, leading=12)
    rated = r.unit not in ("count", "yes_no")
    head = ["Phân tổ", "Nhóm", "Số trẻ"] + (["Mẫu số", "Tỷ lệ"] if rated else [])
    data: list[list[Flowable]] = [[para(h, small_head) for h in head]]
    from desktop.core.indicators.definitions import DIMENSIONS

    for c in r.cells:
        row = [
            para(DIMENSIONS.get(c.dimension, c.dimension), small),
            para(c.label, small),
            para(fmt(c.numerator, "count"), small_num),
        ]
        if rated:
            row += [
                para(fmt(c.denominator, "count") if c.denominator is not None else "", small_num),
                para(fmt(c.value, r.unit), small_num),
            ]
        data.append(row)
    widths = [40 * mm, 60 * mm, 20 * mm] + ([20 * mm] if rated else [])
    widths.append(TEXT_WIDTH - sum(widths))
    return bordered_table(data, widths)


def render_indicator_pdf(
    content: ReportContent,
    header: DocumentHeader,
    path: Path,
    protection: ExportProtection | None = None,
) -> None:
    """Write the report as an official document (PDF) at ``path``, atomically."""
    st = report_styles()
    heading = st.table_text_bold.clone("SectionHead", fontSize=14, leading=18, spaceBefore=6)
    body: list[Flowable] = []
    if content.state_line:
        body.append(para(content.state_line, st.note))
    for key, title in SECTION_TITLES:
        body.append(para(title, heading))
        for line in (content.narrative.get(key) or "").splitlines():
            if line.strip():
                body.append(para(line.strip(), st.body))
    body.append(
        para(
            "(Chi tiết các chỉ tiêu, mục tiêu và so sánh với kỳ trước tại Phụ lục kèm theo.)",
            st.note,
        )
    )
    annex: list[Flowable] = [
        para("PHỤ LỤC", st.table_head),
        para(
            f"Các chỉ tiêu về trẻ em {content.period_label} "
            f"(số liệu tính đến ngày {vn_short_date(content.reference_date)})",
            st.table_head,
        ),
        Spacer(1, 6),
    ]
    for family, title in TABLES:
        annex += [para(title, st.table_text_bold), _annex_table(content, family), Spacer(1, 8)]
    annex.append(para("Bảng 3. Phân tổ các chỉ tiêu tính từ sổ", st.table_text_bold))
    for r in content.results:
        if r.cells:
            annex.append(
                KeepTogether(
                    [para(f"{r.code} – {r.name_vi}", st.note), _cells_table(r), Spacer(1, 6)]
                )
            )
    annex.append(para("Định nghĩa các chỉ tiêu tính từ sổ", st.table_text_bold))
    for r in content.results:
        if r.method != "typed" and r.definition_vi:
            annex.append(para(f"{r.code}: {r.definition_vi}", st.note))
    annex.append(para("Biểu đồ", st.table_text_bold))
    annex += [targets_chart(content), Spacer(1, 6), special_chart(content)]
    for note in content.notes:
        annex.append(para(f"- {note}", st.note))
    closing = f"Trên đây là báo cáo {content.title[0].lower() + content.title[1:]}"
    render_official_pdf(
        header, body, path, closing=closing, protection=protection, annex=annex, invariant=True
    )


def indicator_pdf_bytes(content: ReportContent, header: DocumentHeader) -> bytes:
    """The bytes ``render_indicator_pdf`` writes (no password): the copy kept with a finalised
    version and sent upstream, the same document the officer prints from that snapshot."""
    # Drawn through the same writer as the printed file (into a private temporary folder), so
    # the two can never differ; the PDF is invariant, so the same inputs give the same bytes.
    with tempfile.TemporaryDirectory(prefix="sotreem-bao-cao-") as folder:
        target = Path(folder) / "bao-cao.pdf"
        render_indicator_pdf(content, header, target)
        return target.read_bytes()


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "Times New Roman"
# One object per style: openpyxl hashes every font it is given, a new one per cell cost a
# tenth of the .xlsx of 50,000 children.
_PLAIN, _BOLD = Font(name=_FONT), Font(name=_FONT, bold=True)
_TITLE, _ITALIC = Font(name=_FONT, bold=True, size=13), Font(name=_FONT, italic=True)
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


def render_indicator_xlsx(
    content: ReportContent,
    unit_name: str,
    path: Path,
    protection: ExportProtection | None = None,
) -> None:
    """The same numbers as the PDF annex, one sheet per table, at ``path`` (atomically)."""
    wb = new_workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    year = content.reference_date.year

    def sheet(title: str, heading: str, head: Sequence[str], rows: Sequence[Sequence[object]]):  # type: ignore[no-untyped-def]
        ws = wb.create_sheet(title[:31])
        ws.cell(row=1, column=1, value=unit_name).font = _BOLD
        ws.cell(row=2, column=1, value=heading).font = _TITLE
        ws.cell(
            row=3,
            column=1,
            value=f"{content.period_label}; số liệu tính đến ngày "
            f"{vn_short_date(content.reference_date)}",
        ).font = _ITALIC
        for col, h in enumerate(head, start=1):
            cell = ws.cell(row=5, column=col, value=h)
            cell.font = _BOLD
            cell.border = _BORDER
            cell.alignment = _HEAD_ALIGN
        for i, row in enumerate(rows, start=6):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=i, column=col, value=value)
                cell.font = _PLAIN
                cell.border = _BORDER
                if isinstance(value, float):
                    cell.number_format = "0.00"
        for col in range(1, len(head) + 1):
            ws.column_dimensions[get_column_letter(col)].width = 16 if col != 2 else 60
        ws.freeze_panes = "A6"
        return ws

    head = [
        "Mã",
        "Chỉ tiêu",
        "Đơn vị",
        "Trạng thái",
        "Giá trị",
        "Tử số",
        "Mẫu số",
        "Kỳ trước",
        "Mục tiêu của xã",
        "Ghi chú",
    ]
    status_vi = {"computed": "Tính từ sổ", "typed": "Nhập", "missing": "Chưa có"}
    for family, title in TABLES:
        rows = [
            [
                r.code,
                f"{r.label_vi}: {r.name_vi}",
                r.unit_label,
                status_vi.get(r.status, r.status),
                r.value,
                r.numerator,
                r.denominator,
                content.previous.get(r.code),
                _target_text(r, year),
                r.missing_reason,
            ]
            for r in content.results
            if content.families.get(r.code) == family
        ]
        sheet(title.split(".")[0], title, head, rows)
    cells = [
        [r.code, c.dimension, c.label, c.numerator, c.denominator, c.value]
        for r in content.results
        for c in r.cells
    ]
    sheet(
        "Bảng 3",
        "Bảng 3. Phân tổ các chỉ tiêu tính từ sổ",
        ["Mã", "Phân tổ", "Nhóm", "Tử số", "Mẫu số", "Giá trị"],
        cells,
    )
    wb.properties.creator = "Sổ Trẻ Em"
    wb.properties.title = content.title
    fixed = datetime.datetime.combine(content.reference_date, datetime.time())
    wb.properties.created = fixed
    wb.properties.modified = fixed
    with protected_output(path, protection, "xlsx") as target:
        wb.save(target)
