"""The combined indicator table as .xlsx (openpyxl) and as a PDF in the administrative
layout of Nghị định 30/2020 (reportlab, Liberation Serif from resources/fonts)."""

from __future__ import annotations

import io
import threading
import unicodedata
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from resources import resource_path
from sync.server.services.reports import Combined

FONT = "SoTreEmServerSerif"
_lock = threading.Lock()
_registered = False
HEADERS = (
    "Mã",
    "Chỉ tiêu",
    "Đơn vị",
    "Giá trị chung",
    "Tử số (cộng)",
    "Mẫu số (cộng)",
    "Số xã có số liệu",
    "Số xã cần xem lại",
    "Mục tiêu",
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fmt(value: float | None, digits: int = 1) -> str:
    """A number the Vietnamese way: 1.234,5 ("" when missing)."""
    if value is None:
        return ""
    if float(value).is_integer():
        text = f"{int(value):,}"
        return text.replace(",", ".")
    text = f"{value:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def _rows(table: Combined) -> list[list[str | float | int | None]]:
    return [
        [
            i.code,
            f"{i.label}: {i.name}" if i.name else i.label,
            i.unit_label,
            None if i.value is None else round(i.value, 2),
            i.numerator,
            i.denominator,
            i.reporting,
            i.flagged,
            "; ".join(i.targets),
        ]
        for i in table.indicators
    ]


def _header(sheet: Any, text: str, *, fill: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, text)
    cell.font = Font(bold=True)
    if fill:
        cell.fill = PatternFill("solid", fgColor="DDE7F0")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    return cell


def combined_xlsx(table: Combined, office: str) -> bytes:
    """The combined table, and one sheet with each commune's value."""
    # Write-only: a national table has one row per commune and indicator on the second sheet.
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Tổng hợp")
    for letter, width in zip("ABCDEFGHI", (8, 60, 10, 14, 14, 14, 12, 12, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A4"
    title = WriteOnlyCell(sheet, _nfc(f"{office} — Tổng hợp chỉ tiêu — {table.label}"))
    title.font = Font(bold=True, size=13)
    sheet.append([title])
    sheet.append([f"Số xã có báo cáo: {table.communes}"])
    sheet.append([_header(sheet, h, fill=True) for h in HEADERS])
    for row in _rows(table):
        sheet.append([_nfc(v) if isinstance(v, str) else v for v in row])
    detail = book.create_sheet("Theo xã")
    detail.append(
        [
            _header(detail, h)
            for h in (
                "Mã chỉ tiêu",
                "Mã xã",
                "Tên xã",
                "Giá trị",
                "Tử số",
                "Mẫu số",
                "Cùng kỳ năm trước",
                "Cần xem lại",
            )
        ]
    )
    for indicator in table.indicators:
        for c in indicator.communes:
            detail.append(
                [
                    indicator.code,
                    c.commune_code,
                    _nfc(c.commune_name),
                    c.value,
                    c.numerator,
                    c.denominator,
                    c.previous,
                    _nfc("; ".join(c.flags)),
                ]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _fonts() -> str:
    global _registered  # noqa: PLW0603 - registered once per process
    with _lock:
        if not _registered:
            for suffix, file_name in (
                ("", "LiberationSerif-Regular.ttf"),
                ("-Bold", "LiberationSerif-Bold.ttf"),
                ("-Italic", "LiberationSerif-Italic.ttf"),
                ("-BoldItalic", "LiberationSerif-BoldItalic.ttf"),
            ):
                pdfmetrics.registerFont(
                    TTFont(FONT + suffix, str(resource_path("fonts", file_name)))
                )
            pdfmetrics.registerFontFamily(
                FONT,
                normal=FONT,
                bold=FONT + "-Bold",
                italic=FONT + "-Italic",
                boldItalic=FONT + "-BoldItalic",
            )
            _registered = True
    return FONT


def combined_pdf(table: Combined, office: str, tier_name: str, today: date) -> bytes:
    """The combined table under the national motto, dated, with a place to sign."""
    font = _fonts()

    def style(
        size: float = 11, bold: bool = False, align: int = 0, italic: bool = False
    ) -> ParagraphStyle:
        name = font + ("-Bold" if bold else "") + ("-Italic" if italic and not bold else "")
        return ParagraphStyle(
            "s", fontName=name, fontSize=size, leading=size * 1.25, alignment=align
        )

    def p(text: str, st: ParagraphStyle) -> Paragraph:
        return Paragraph(_nfc(text).replace("&", "&amp;").replace("<", "&lt;"), st)

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=30 * mm,
        rightMargin=15 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=_nfc(f"Tổng hợp chỉ tiêu — {table.label}"),
    )
    issuer = office or f"UBND {tier_name.upper()}"
    header = Table(
        [
            [
                p(issuer.upper(), style(12, True, 1)),
                p("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", style(12, True, 1)),
            ],
            [p("", style()), p("Độc lập - Tự do - Hạnh phúc", style(13, True, 1))],
            [
                p("", style()),
                p(
                    f"ngày {today.day:02d} tháng {today.month:02d} năm {today.year}",
                    style(13, False, 1, True),
                ),
            ],
        ],
        colWidths=[100 * mm, 140 * mm],
    )
    story: list[object] = [
        header,
        Spacer(1, 8 * mm),
        p("BÁO CÁO TỔNG HỢP", style(14, True, 1)),
        p(f"Kết quả thực hiện các chỉ tiêu về trẻ em — {table.label}", style(13, True, 1)),
        p(f"(Tổng hợp từ báo cáo đã gửi của {table.communes} xã)", style(12, False, 1, True)),
        Spacer(1, 5 * mm),
    ]
    cell = style(10)
    data: list[list[object]] = [[p(h, style(10, True, 1)) for h in HEADERS]]
    for row in _rows(table):
        data.append(
            [
                p(str(row[0]), cell),
                p(str(row[1]), cell),
                p(str(row[2]), cell),
                p(fmt(row[3] if isinstance(row[3], float | int) else None), cell),
                p(fmt(row[4] if isinstance(row[4], float | int) else None, 0), cell),
                p(fmt(row[5] if isinstance(row[5], float | int) else None, 0), cell),
                p(str(row[6]), cell),
                p(str(row[7]), cell),
                p(str(row[8]), cell),
            ]
        )
    grid = Table(
        data,
        colWidths=[14 * mm, 78 * mm, 14 * mm, 20 * mm, 20 * mm, 20 * mm, 16 * mm, 16 * mm, 44 * mm],
        repeatRows=1,
    )
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ]
        )
    )
    story += [
        grid,
        Spacer(1, 10 * mm),
        Table(
            [
                [p("Nơi nhận:", style(11, True)), p("NGƯỜI LẬP BIỂU", style(12, True, 1))],
                [p("- Lưu: VT.", style(10)), p("(Ký, ghi rõ họ tên)", style(11, False, 1, True))],
            ],
            colWidths=[120 * mm, 120 * mm],
        ),
    ]
    doc.build(story)
    return out.getvalue()
