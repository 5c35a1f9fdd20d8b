"""Báo cáo kết quả thực hiện công tác trẻ em: the PDF (NĐ 30/2020 layout) and the .xlsx.

Both are drawn from the same plain inputs (``ReportContent``), so a finalised report rebuilt
from its snapshot gives the same document. The PDF has the narrative sections, then — after
the signature — the annex tables (values, targets, last period) and two charts drawn with
reportlab.graphics (each indicator against its target over the last periods; children in
special circumstances by group and those supported).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer

from desktop.core.indicators.engine import IndicatorResult
from desktop.core.reports.document import (
    TEXT_WIDTH,
    DocumentHeader,
    bordered_table,
    para,
    render_official_pdf,
    report_styles,
)
from desktop.core.reports.fonts import BOLD, REGULAR, register_fonts
from desktop.core.reports.formatting import vn_short_date
from desktop.core.reports.protect import ExportProtection, protected_output
from desktop.core.reports.xlsx_memory import new_workbook

__all__ = ["CHART_CODES", "ReportContent", "render_indicator_pdf", "render_indicator_xlsx"]

CHART_CODES = ("CT08a", "CT14", "TK0201", "CT16", "TK0402")
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


def _chart_targets(content: ReportContent) -> Drawing:
    """Each chart indicator's value over the last periods beside its commune target."""
    register_fonts()
    by_code = {r.code: r for r in content.results}
    codes = [c for c in CHART_CODES if c in by_code]
    periods = list(content.history) or [(content.period_label, {})]
    width, height = TEXT_WIDTH, 75 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 18 * mm
    chart.width, chart.height = width - 20 * mm, height - 30 * mm
    series = []
    for _, values in periods:
        series.append([float(values.get(c) or 0.0) for c in codes])
    year = content.reference_date.year
    targets = []
    for c in codes:
        t = by_code[c].target("commune", year)
        targets.append(float(t.value) if t is not None and t.value is not None else 0.0)
    series.append(targets)
    chart.data = series
    chart.categoryAxis.categoryNames = codes
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 8
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 8
    chart.valueAxis.valueMin = 0
    palette = [colors.HexColor(x) for x in ("#9ecae1", "#4292c6", "#08519c", "#e6550d")]
    for i in range(len(series)):
        chart.bars[i].fillColor = palette[-1] if i == len(series) - 1 else palette[i % 3]
    drawing.add(chart)
    legend = Legend()
    legend.x, legend.y = 12 * mm, 8 * mm
    legend.fontName = REGULAR
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    names = [label for label, _ in periods] + ["Mục tiêu của xã"]
    legend.colorNamePairs = [(chart.bars[i].fillColor, names[i]) for i in range(len(series))]
    legend.dx, legend.dy, legend.deltax = 6, 6, 70
    drawing.add(legend)
    drawing.add(
        String(
            width / 2,
            height - 6,
            "Chỉ tiêu so với mục tiêu qua các kỳ (%)",
            fontName=BOLD,
            fontSize=10,
            textAnchor="middle",
        )
    )
    return drawing


def _chart_special(content: ReportContent) -> Drawing:
    """Children in special circumstances by group, and those supported (CT08b)."""
    register_fonts()
    by_code = {r.code: r for r in content.results}
    groups = (
        [c for c in by_code["CT08a"].cells if c.dimension == "special_group"]
        if ("CT08a" in by_code)
        else []
    )
    supported = {
        c.key: c.numerator
        for c in (by_code["CT08b"].cells if "CT08b" in by_code else ())
        if c.dimension == "special_group"
    }
    width, height = TEXT_WIDTH, 70 * mm
    drawing = Drawing(width, height)
    chart = VerticalBarChart()
    chart.x, chart.y = 12 * mm, 18 * mm
    chart.width, chart.height = width - 20 * mm, height - 30 * mm
    chart.data = [
        [float(c.numerator) for c in groups] or [0.0],
        [float(supported.get(c.key, 0)) for c in groups] or [0.0],
    ]
    chart.categoryAxis.categoryNames = [f"Nhóm {c.key}" for c in groups] or ["—"]
    for axis in (chart.categoryAxis.labels, chart.valueAxis.labels):
        axis.fontName = REGULAR
        axis.fontSize = 8
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#4292c6")
    chart.bars[1].fillColor = colors.HexColor("#31a354")
    drawing.add(chart)
    status = by_code.get("CT08b")
    caption = "Trẻ em có HCĐB theo nhóm và số được trợ giúp"
    if status is not None and status.status == "missing":
        caption += f" (trợ giúp: {status.missing_reason})"
    drawing.add(
        String(width / 2, height - 6, caption, fontName=BOLD, fontSize=10, textAnchor="middle")
    )
    legend = Legend()
    legend.x, legend.y = 12 * mm, 8 * mm
    legend.fontName = REGULAR
    legend.fontSize = 8
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.colorNamePairs = [
        (chart.bars[0].fillColor, "Trẻ em có HCĐB"),
        (chart.bars[1].fillColor, "Được trợ giúp trong kỳ"),
    ]
    legend.deltax = 90
    drawing.add(legend)
    return drawing


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
    annex += [_chart_targets(content), Spacer(1, 6), _chart_special(content)]
    for note in content.notes:
        annex.append(para(f"- {note}", st.note))
    closing = f"Trên đây là báo cáo {content.title[0].lower() + content.title[1:]}"
    render_official_pdf(
        header, body, path, closing=closing, protection=protection, annex=annex, invariant=True
    )


_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FONT = "Times New Roman"


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
        ws.cell(row=1, column=1, value=unit_name).font = Font(name=_FONT, bold=True)
        ws.cell(row=2, column=1, value=heading).font = Font(name=_FONT, bold=True, size=13)
        ws.cell(
            row=3,
            column=1,
            value=f"{content.period_label}; số liệu tính đến ngày "
            f"{vn_short_date(content.reference_date)}",
        ).font = Font(name=_FONT, italic=True)
        for col, h in enumerate(head, start=1):
            cell = ws.cell(row=5, column=col, value=h)
            cell.font = Font(name=_FONT, bold=True)
            cell.border = _BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        for i, row in enumerate(rows, start=6):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=i, column=col, value=value)
                cell.font = Font(name=_FONT)
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
