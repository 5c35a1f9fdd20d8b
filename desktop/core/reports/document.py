"""Official administrative document layout (NĐ 30/2020/NĐ-CP, Phụ lục I) for printed reports."""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    HRFlowable,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from desktop.core.domain.text import nfc
from desktop.core.reports.fonts import (
    BOLD,
    BOLD_ITALIC,
    ITALIC,
    REGULAR,
    register_fonts,
    upper_nfc,
)
from desktop.core.reports.formatting import MOTTO, NATIONAL_TITLE, vn_long_date
from desktop.core.reports.protect import ExportProtection, protected_output

__all__ = [
    "BOTTOM_MARGIN",
    "LEFT_MARGIN",
    "PAGE_SIZE",
    "RIGHT_MARGIN",
    "TEXT_WIDTH",
    "TOP_MARGIN",
    "DocumentHeader",
    "ReportStyles",
    "bordered_table",
    "para",
    "render_official_pdf",
    "report_styles",
    "vn_long_date",
    "with_end_mark",
]

# NĐ 30/2020 presentation values as commonly applied (DOMAIN.md §7 marks them unconfirmed).
PAGE_SIZE = A4
TOP_MARGIN = 20 * mm
BOTTOM_MARGIN = 20 * mm
LEFT_MARGIN = 30 * mm
RIGHT_MARGIN = 15 * mm
TEXT_WIDTH = PAGE_SIZE[0] - LEFT_MARGIN - RIGHT_MARGIN

# The right column must hold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" at 13 pt bold (about 96 mm)
# on one line; the left column gets the rest.
_HEADER_LEFT = 62 * mm
_HEADER_RIGHT = TEXT_WIDTH - _HEADER_LEFT
_FOOTER_LEFT = 80 * mm
_FOOTER_RIGHT = TEXT_WIDTH - _FOOTER_LEFT
_SIGNATURE_SPACE = 30 * mm

_NATIONAL_TITLE = NATIONAL_TITLE
_MOTTO = MOTTO
_END_MARK = "./."
# Room left after "Số:" for the clerk (văn thư) to write the number by hand.
_BLANK_NUMBER = " " * 6


@dataclass(frozen=True, kw_only=True)
class DocumentHeader:
    """What an official document says about itself: who issues it, what, where, when, who signs."""

    unit_name: str
    place: str
    issued_on: datetime.date
    summary: str = ""
    superior_body: str | None = None
    issuing_body: str = "ỦY BAN NHÂN DÂN"
    number: str | None = None
    symbol: str = "BC-UBND"
    doc_type: str = "BÁO CÁO"
    signer_lines: list[str] = field(default_factory=lambda: ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])
    signer_name: str | None = None
    recipients: list[str] = field(default_factory=lambda: ["Lưu: VT."])

    def number_line(self) -> str:
        """The "Số: …" line: blank for the clerk when no number is given ("Số:      /BC-UBND")."""
        number = nfc(self.number or "").strip()
        if not number:
            return f"Số:{_BLANK_NUMBER}/{self.symbol}"
        if "/" in number:
            # Already a full number and symbol, e.g. typed as "05/BC-UBND".
            return f"Số: {number}"
        if number.isdigit() and int(number) < 10:
            number = f"{int(number):02d}"
        return f"Số: {number}/{self.symbol}"


@dataclass(frozen=True)
class ReportStyles:
    """Paragraph styles shared by every report body so they all look alike."""

    body: ParagraphStyle
    table_head: ParagraphStyle
    table_text: ParagraphStyle
    table_text_bold: ParagraphStyle
    table_number: ParagraphStyle
    table_number_bold: ParagraphStyle
    unit_note: ParagraphStyle
    note_label: ParagraphStyle
    note: ParagraphStyle


def _style(name: str, font: str, size: float, **kwargs: object) -> ParagraphStyle:
    """A paragraph style in the report font with a leading proportional to its size."""
    kwargs.setdefault("leading", round(size * 1.25, 1))
    return ParagraphStyle(name, fontName=font, fontSize=size, textColor=colors.black, **kwargs)


@functools.cache
def report_styles() -> ReportStyles:
    """The shared report styles (registers the fonts on first use)."""
    register_fonts()
    return ReportStyles(
        # Body: 14 pt, justified, first-line indent 1 cm, 6 pt after, line spacing about 1.3.
        body=_style(
            "Body",
            REGULAR,
            14,
            leading=18,
            alignment=TA_JUSTIFY,
            firstLineIndent=10 * mm,
            spaceAfter=6,
        ),
        table_head=_style("TableHead", BOLD, 13, alignment=TA_CENTER),
        table_text=_style("TableText", REGULAR, 13, alignment=TA_LEFT),
        table_text_bold=_style("TableTextBold", BOLD, 13, alignment=TA_LEFT),
        table_number=_style("TableNumber", REGULAR, 13, alignment=TA_RIGHT),
        table_number_bold=_style("TableNumberBold", BOLD, 13, alignment=TA_RIGHT),
        unit_note=_style("UnitNote", ITALIC, 12, alignment=TA_RIGHT, spaceAfter=2),
        note_label=_style("NoteLabel", BOLD_ITALIC, 12, spaceBefore=6, spaceAfter=2),
        note=_style("Note", ITALIC, 12, alignment=TA_JUSTIFY, spaceAfter=3),
    )


@functools.cache
def _layout_styles() -> dict[str, ParagraphStyle]:
    """Styles of the fixed parts of the layout: header, title and footer."""
    register_fonts()
    centred = {"alignment": TA_CENTER, "leading": 16}
    return {
        "superior": _style("Superior", REGULAR, 13, **centred),
        "issuer": _style("Issuer", BOLD, 13, **centred),
        "national": _style("National", BOLD, 13, **centred),
        "motto": _style("Motto", BOLD, 14, **centred),
        "number": _style("Number", REGULAR, 13, **centred),
        "date": _style("Date", ITALIC, 14, **centred),
        "doc_type": _style("DocType", BOLD, 14, alignment=TA_CENTER, leading=18),
        "summary": _style("Summary", BOLD, 14, alignment=TA_CENTER, leading=18),
        "recipients_label": _style("RecipientsLabel", BOLD_ITALIC, 12, leading=15),
        "recipient": _style("Recipient", REGULAR, 11, leading=13),
        "signer": _style("Signer", BOLD, 14, alignment=TA_CENTER, leading=18),
        "signer_name": _style("SignerName", BOLD, 14, alignment=TA_CENTER, leading=18),
    }


def para(text: str, style: ParagraphStyle) -> Paragraph:
    """A paragraph of plain text (NFC, markup characters escaped, runs of spaces kept)."""
    safe = escape(nfc(text))
    # Paragraph collapses runs of spaces; the blank document number relies on them.
    safe = re.sub(r" {2,}", lambda m: "\u00a0" * len(m.group(0)), safe)
    return Paragraph(safe, style)


def with_end_mark(text: str) -> str:
    """Return ``text`` ending with the "./." that closes an official document's body."""
    text = nfc(text).rstrip()
    if text.endswith(_END_MARK):
        return text
    return text.rstrip(".") + _END_MARK


def _rule(width: float, *, space_before: float = 4, space_after: float = 3) -> HRFlowable:
    """A solid black horizontal line of ``width`` points, centred in its column."""
    return HRFlowable(
        width=width,
        thickness=0.6,
        lineCap="butt",
        color=colors.black,
        spaceBefore=space_before,
        spaceAfter=space_after,
        hAlign="CENTER",
    )


def _widest(lines: Sequence[str], font: str, size: float, limit: float) -> float:
    """The width of the widest of ``lines`` as drawn, capped at ``limit`` (where text wraps)."""
    return min(limit, max((stringWidth(nfc(line), font, size) for line in lines), default=0.0))


# Layout tables: no padding, top-aligned. The cell font is set although every cell holds
# paragraphs, because Table selects its default font (Helvetica, not embedded) for each cell.
_BASE_CELL_STYLE: list[tuple[object, ...]] = [
    ("FONTNAME", (0, 0), (-1, -1), REGULAR),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("LEFTPADDING", (0, 0), (-1, -1), 0),
    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
    ("TOPPADDING", (0, 0), (-1, -1), 0),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
]


def bordered_table(
    data: Sequence[Sequence[Flowable]], col_widths: Sequence[float], *, header_rows: int = 1
) -> Table:
    """A data table with a thin black grid whose header rows repeat on every page."""
    table = Table([list(row) for row in data], colWidths=list(col_widths), repeatRows=header_rows)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
            ]
        )
    )
    return table


def _header_block(header: DocumentHeader) -> Table:
    """Issuing body and number on the left; national title, motto and date on the right."""
    st = _layout_styles()
    left: list[Flowable] = []
    if header.superior_body:
        left.append(para(upper_nfc(header.superior_body), st["superior"]))
    issuer_lines = [upper_nfc(header.issuing_body), upper_nfc(header.unit_name)]
    left.extend(para(line, st["issuer"]) for line in issuer_lines)
    # Phụ lục I: the line under the issuing body is 1/3 to 1/2 as long as the text.
    left.append(_rule(0.4 * _widest(issuer_lines, BOLD, 13, _HEADER_LEFT)))

    right: list[Flowable] = [
        para(_NATIONAL_TITLE, st["national"]),
        para(_MOTTO, st["motto"]),
        # The line under the motto is exactly as long as the motto.
        _rule(stringWidth(_MOTTO, BOLD, 14)),
    ]

    table = Table(
        [
            [left, right],
            [
                para(header.number_line(), st["number"]),
                para(vn_long_date(header.place, header.issued_on), st["date"]),
            ],
        ],
        colWidths=[_HEADER_LEFT, _HEADER_RIGHT],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                *_BASE_CELL_STYLE,
                ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                ("TOPPADDING", (0, 1), (-1, 1), 4),
            ]
        )
    )
    return table


def _title_block(header: DocumentHeader) -> list[Flowable]:
    """Document type and summary (trích yếu), centred, with a short line under them."""
    st = _layout_styles()
    flowables: list[Flowable] = [
        Spacer(1, 22),
        para(upper_nfc(header.doc_type), st["doc_type"]),
    ]
    if header.summary.strip():
        flowables.append(para(header.summary.strip(), st["summary"]))
    widest = _widest([header.doc_type, header.summary], BOLD, 14, TEXT_WIDTH)
    flowables.append(_rule(widest / 3, space_before=4, space_after=18))
    return flowables


def _footer_block(header: DocumentHeader) -> Table:
    """Recipients (Nơi nhận) on the left, level with the signer block on the right."""
    st = _layout_styles()
    left: list[Flowable] = [para("Nơi nhận:", st["recipients_label"])]
    for recipient in header.recipients:
        text = nfc(recipient).strip()
        if not text.startswith("-"):
            text = f"- {text}"
        left.append(para(text, st["recipient"]))

    right: list[Flowable] = [para(upper_nfc(line), st["signer"]) for line in header.signer_lines]
    # Room for the handwritten signature and the seal.
    right.append(Spacer(1, _SIGNATURE_SPACE))
    if header.signer_name and header.signer_name.strip():
        right.append(para(header.signer_name.strip(), st["signer_name"]))

    table = Table([[left, right]], colWidths=[_FOOTER_LEFT, _FOOTER_RIGHT], hAlign="CENTER")
    table.setStyle(
        TableStyle(
            [
                *_BASE_CELL_STYLE,
                ("ALIGN", (0, 0), (0, 0), "LEFT"),
                ("ALIGN", (1, 0), (1, 0), "CENTER"),
            ]
        )
    )
    return table


def _draw_page_number(canvas: Canvas, doc: BaseDocTemplate) -> None:
    """Page number at the top centre of every page after the first."""
    # NĐ 30/2020 numbers pages from the second one.
    if doc.page < 2:
        return
    canvas.saveState()
    canvas.setFont(REGULAR, 13)
    canvas.setFillColor(colors.black)
    canvas.drawCentredString(
        LEFT_MARGIN + TEXT_WIDTH / 2, PAGE_SIZE[1] - TOP_MARGIN / 2 - 4, str(doc.page)
    )
    canvas.restoreState()


def render_official_pdf(
    header: DocumentHeader,
    body: Sequence[Flowable],
    path: Path,
    *,
    closing: str,
    protection: ExportProtection | None = None,
    annex: Sequence[Flowable] = (),
    invariant: bool = False,
) -> None:
    """Write an official document (header, ``body``, ``closing``./., signature) to ``path``.

    ``protection`` puts a password on the file (see ``reports/protect.py``). ``annex`` follows
    the signature on a new page (the indicator tables of a periodic report). ``invariant``
    writes the same bytes for the same content (no creation time or random id), so a report
    regenerated from its snapshot is identical.
    """
    register_fonts()
    st = report_styles()
    story: list[Flowable] = [_header_block(header), *_title_block(header), *body]
    # The closing sentence stays on the page with the signature: a signature page with no text
    # of the document on it is not accepted.
    story.append(
        KeepTogether([para(with_end_mark(closing), st.body), Spacer(1, 10), _footer_block(header)])
    )
    if annex:
        story.append(PageBreak())
        story.extend(annex)
    title = " ".join(part for part in (header.doc_type, header.summary) if part.strip())
    with protected_output(path, protection, "pdf") as target:
        doc = BaseDocTemplate(
            target,
            pagesize=PAGE_SIZE,
            leftMargin=LEFT_MARGIN,
            rightMargin=RIGHT_MARGIN,
            topMargin=TOP_MARGIN,
            bottomMargin=BOTTOM_MARGIN,
            title=nfc(title),
            author=nfc(f"{header.issuing_body} {header.unit_name}"),
            subject=nfc(header.summary),
            creator="Sổ Trẻ Em",
            lang="vi",
            # Without this the canvas starts in Helvetica, a font that is not embedded.
            initialFontName=REGULAR,
            initialFontSize=14,
            invariant=1 if invariant else 0,
        )
        # A frame without inner padding, so the margins are exactly the NĐ 30/2020 ones.
        frame = Frame(
            LEFT_MARGIN,
            BOTTOM_MARGIN,
            TEXT_WIDTH,
            PAGE_SIZE[1] - TOP_MARGIN - BOTTOM_MARGIN,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates([PageTemplate(id="page", frames=[frame], onPage=_draw_page_number)])
        doc.build(story)
