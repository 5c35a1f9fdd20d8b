"""Printed pages of the household book: a hamlet's pages, a blank collection form, a profile.

The book pages follow the paper book (DOMAIN §2, the Sổ hộ gia đình and Sổ A0 templates):
a header with province, commune, hamlet, collaborator and “từ hộ số … đến hộ số …”, one
row per member starting with the head, and a “theo dõi các thay đổi” section. They are
landscape A4 registers, not administrative documents, so they do not carry the NĐ 30
header; the child's profile does (it is issued by the commune's People's Committee).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from desktop.core.domain.text import nfc
from desktop.core.reports.document import (
    TEXT_WIDTH,
    DocumentHeader,
    bordered_table,
    para,
    render_official_pdf,
    report_styles,
)
from desktop.core.reports.fonts import BOLD, ITALIC, REGULAR, register_fonts, upper_nfc
from desktop.core.reports.formatting import vn_short_date
from desktop.core.reports.protect import ExportProtection, protected_output

PAGE = landscape(A4)
LEFT, RIGHT, TOP, BOTTOM = 20 * mm, 12 * mm, 14 * mm, 12 * mm
WIDTH = PAGE[0] - LEFT - RIGHT
BOOK_TITLE = "SỔ THEO DÕI TRẺ EM TRONG HỘ GIA ĐÌNH"
FORM_TITLE = "PHIẾU THU THẬP THÔNG TIN TRẺ EM VÀ HỘ GIA ĐÌNH"
BLANK_ROWS_FOR_CHANGES = 6
KEEP_HOUSEHOLD_ROWS = 12
DOTS = "…" * 14


@dataclass(frozen=True)
class BookColumn:
    """A column of the printed register: key, header and width in millimetres (0 = the rest)."""

    key: str
    header: str
    width_mm: float


BOOK_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("no", "TT", 8),
    BookColumn("household", "Số hộ", 11),
    BookColumn("name", "Họ và tên", 38),
    BookColumn("relation", "Quan hệ với chủ hộ", 18),
    BookColumn("sex", "Giới tính", 12),
    BookColumn("birth", "Ngày sinh", 19),
    BookColumn("ethnicity", "Dân tộc", 15),
    BookColumn("id_number", "Số định danh", 26),
    BookColumn("birth_registered", "Khai sinh", 13),
    BookColumn("insurance", "Thẻ BHYT", 13),
    BookColumn("schooling", "Học tập", 20),
    BookColumn("special", "HCĐB (nhóm)", 15),
    BookColumn("residence", "Cư trú", 17),
    BookColumn("notes", "Ghi chú", 0),
)
FORM_COLUMNS: tuple[BookColumn, ...] = (
    BookColumn("no", "TT", 8),
    BookColumn("household", "Số hộ", 11),
    BookColumn("name", "Họ và tên", 38),
    BookColumn("relation", "Quan hệ với chủ hộ", 17),
    BookColumn("sex", "Giới tính", 11),
    BookColumn("birth", "Ngày sinh", 19),
    BookColumn("ethnicity", "Dân tộc", 14),
    BookColumn("id_number", "Số định danh", 27),
    BookColumn("birth_registered", "Khai sinh", 12),
    BookColumn("insurance", "Thẻ BHYT", 13),
    BookColumn("schooling", "Học tập", 16),
    BookColumn("special", "HCĐB (nhóm)", 15),
    BookColumn("parents", "Họ tên cha, mẹ / người chăm sóc", 0),
    BookColumn("notes", "Ghi chú", 22),
)


@dataclass(frozen=True)
class BookMember:
    """One row of the register: a member of a household (values already as text)."""

    name: str
    relation: str = ""
    sex: str = ""
    birth: str = ""
    ethnicity: str = ""
    id_number: str = ""
    birth_registered: str = ""
    insurance: str = ""
    schooling: str = ""
    special: str = ""
    residence: str = ""
    notes: str = ""


@dataclass(frozen=True)
class BookHousehold:
    """A household of the register: the band above its members, head first."""

    number: str
    head_name: str
    address: str = ""
    poverty: str = ""
    phone: str = ""
    members: Sequence[BookMember] = ()


@dataclass(frozen=True)
class BookChange:
    """One line of “theo dõi các thay đổi”."""

    day: str
    household: str
    name: str
    event: str
    details: str = ""


@dataclass(frozen=True)
class HamletBook:
    """The pages of one hamlet."""

    province: str
    commune: str  # e.g. "Xã Hoàng Kim"
    hamlet: str
    collaborator: str
    households: Sequence[BookHousehold]
    changes: Sequence[BookChange] = ()
    printed_on: date | None = None
    hidden_columns: frozenset[str] = frozenset()  # e.g. {"id_number"} for a viewer
    notes: Sequence[str] = ()

    @property
    def number_range(self) -> tuple[str, str]:
        """The first and last household numbers (“từ hộ số … đến hộ số …”)."""
        if not self.households:
            return ("", "")
        return (self.households[0].number, self.households[-1].number)


@dataclass(frozen=True)
class BlankForm:
    """A blank collection form for collaborators."""

    province: str = ""
    commune: str = ""
    hamlet: str = ""
    rows: int = 20


# -- styles and page furniture ---------------------------------------------------------------


@dataclass(frozen=True)
class _Styles:
    title: ParagraphStyle
    line: ParagraphStyle
    head: ParagraphStyle
    cell: ParagraphStyle
    cell_center: ParagraphStyle
    band: ParagraphStyle
    section: ParagraphStyle
    legend: ParagraphStyle
    sign: ParagraphStyle
    sign_note: ParagraphStyle


def _styles() -> _Styles:
    register_fonts()

    def style(name: str, font: str, size: float, **kw: object) -> ParagraphStyle:
        kw.setdefault("leading", round(size * 1.2, 1))
        return ParagraphStyle(name, fontName=font, fontSize=size, textColor=colors.black, **kw)

    return _Styles(
        title=style("BookTitle", BOLD, 15, alignment=TA_CENTER, leading=19, spaceAfter=4),
        line=style("BookLine", REGULAR, 11.5, leading=15),
        head=style("BookHead", BOLD, 9, alignment=TA_CENTER, leading=10.5),
        cell=style("BookCell", REGULAR, 9.5, alignment=TA_LEFT, leading=11.5),
        cell_center=style("BookCellC", REGULAR, 9.5, alignment=TA_CENTER, leading=11.5),
        band=style("BookBand", BOLD, 9.5, alignment=TA_LEFT, leading=11.5),
        section=style("BookSection", BOLD, 12, alignment=TA_LEFT, spaceBefore=10, spaceAfter=4),
        legend=style("BookLegend", ITALIC, 8.5, leading=10.5),
        sign=style("BookSign", BOLD, 11, alignment=TA_CENTER),
        sign_note=style("BookSignNote", ITALIC, 10, alignment=TA_CENTER),
    )


_CENTERED = {"no", "household", "sex", "birth", "birth_registered", "insurance", "special"}


def _widths(columns: Sequence[BookColumn]) -> list[float]:
    fixed = sum(c.width_mm for c in columns) * mm
    rest = max(WIDTH - fixed, 20 * mm)
    return [c.width_mm * mm if c.width_mm else rest for c in columns]


def _visible(columns: Sequence[BookColumn], hidden: frozenset[str]) -> list[BookColumn]:
    # The last ("the rest") column takes the width of the hidden ones.
    return [c for c in columns if c.key not in hidden]


def _grid(
    data: Sequence[Sequence[Flowable]],
    widths: Sequence[float],
    heights: Sequence[float | None],
) -> Table:
    """A bordered table like ``bordered_table``; ``heights`` fixes body rows (None: fit)."""
    table = Table(
        [list(r) for r in data],
        colWidths=list(widths),
        rowHeights=[None, *heights],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
            ]
        )
    )
    return table


def _running_header(title: str) -> object:
    def draw(canvas: Canvas, doc: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(ITALIC, 9)
        canvas.setFillColor(colors.black)
        if doc.page > 1:
            canvas.drawString(LEFT, PAGE[1] - TOP + 4 * mm, nfc(title))
        canvas.drawRightString(PAGE[0] - RIGHT, BOTTOM - 7 * mm, f"Trang {doc.page}")
        canvas.restoreState()

    return draw


def _build(
    path: Path,
    story: list[Flowable],
    title: str,
    running: str,
    protection: ExportProtection | None,
) -> None:
    register_fonts()
    with protected_output(path, protection, "pdf") as target:
        doc = BaseDocTemplate(
            target,
            pagesize=PAGE,
            leftMargin=LEFT,
            rightMargin=RIGHT,
            topMargin=TOP,
            bottomMargin=BOTTOM,
            title=nfc(title),
            author="Sổ Trẻ Em",
            creator="Sổ Trẻ Em",
            lang="vi",
            initialFontName=REGULAR,
            initialFontSize=11,
        )
        frame = Frame(
            LEFT,
            BOTTOM,
            WIDTH,
            PAGE[1] - TOP - BOTTOM,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        doc.addPageTemplates(
            [PageTemplate(id="page", frames=[frame], onPage=_running_header(running))]
        )
        doc.build(story)


def _header_lines(st: _Styles, pairs: Sequence[tuple[str, str]], widths: Sequence[float]) -> Table:
    """Label–value pairs side by side (“Tỉnh: Thanh Hóa”, “Xã: Hoàng Kim” …)."""
    cells = [para(f"{label}: {value or DOTS}", st.line) for label, value in pairs]
    table = Table([cells], colWidths=list(widths))
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    return table


def _signatures(st: _Styles, left: str, right: str, place_line: str = "") -> Table:
    half = WIDTH / 2
    right_cell: list[Flowable] = []
    if place_line:
        right_cell.append(para(place_line, st.sign_note))
    right_cell += [para(right, st.sign), para("(Ký, ghi rõ họ tên)", st.sign_note)]
    table = Table(
        [[[para(left, st.sign), para("(Ký, ghi rõ họ tên)", st.sign_note)], right_cell]],
        colWidths=[half, half],
    )
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 10),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 28 * mm),
            ]
        )
    )
    return table


# -- the hamlet's pages ---------------------------------------------------------------------


def _member_cells(
    st: _Styles, member: BookMember, columns: Sequence[BookColumn], no: int, number: str
) -> list[Flowable]:
    values = {
        "no": str(no),
        "household": number,
        "name": member.name,
        "relation": member.relation,
        "sex": member.sex,
        "birth": member.birth,
        "ethnicity": member.ethnicity,
        "id_number": member.id_number,
        "birth_registered": member.birth_registered,
        "insurance": member.insurance,
        "schooling": member.schooling,
        "special": member.special,
        "residence": member.residence,
        "notes": member.notes,
    }
    return [
        para(values.get(c.key, ""), st.cell_center if c.key in _CENTERED else st.cell)
        for c in columns
    ]


def _band_text(household: BookHousehold) -> str:
    parts = [f"Hộ số {household.number}", f"Chủ hộ: {household.head_name}"]
    if household.address:
        parts.append(f"Địa chỉ: {household.address}")
    if household.poverty:
        parts.append(household.poverty)
    if household.phone:
        parts.append(f"ĐT: {household.phone}")
    return " — ".join(parts)


def hamlet_book_story(book: HamletBook) -> list[Flowable]:
    """The flowables of one hamlet's pages (also used to print several hamlets)."""
    st = _styles()
    columns = _visible(BOOK_COLUMNS, book.hidden_columns)
    widths = _widths(columns)
    first, last = book.number_range
    story: list[Flowable] = [
        para(BOOK_TITLE, st.title),
        _header_lines(
            st,
            [("Tỉnh/thành phố", book.province), ("Xã/phường/đặc khu", book.commune)],
            [WIDTH / 2, WIDTH / 2],
        ),
        _header_lines(
            st,
            [("Thôn/tổ dân phố", book.hamlet), ("Cộng tác viên", book.collaborator)],
            [WIDTH / 2, WIDTH / 2],
        ),
        _header_lines(
            st,
            [("Từ hộ số", first), ("Đến hộ số", last), ("Ngày in", vn_short_date(book.printed_on))]
            if book.printed_on
            else [("Từ hộ số", first), ("Đến hộ số", last)],
            [WIDTH / 3, WIDTH / 3, WIDTH / 3] if book.printed_on else [WIDTH / 2, WIDTH / 2],
        ),
        Spacer(1, 6),
    ]
    data: list[list[Flowable]] = [[para(c.header, st.head) for c in columns]]
    bands: list[int] = []
    keep: list[tuple[int, int]] = []  # rows of one household, not split across pages
    no = 0
    for household in book.households:
        bands.append(len(data))
        size = len(household.members)
        # A household stays on one page; a very large one at least keeps its band with a row.
        keep.append((len(data), len(data) + (size if size <= KEEP_HOUSEHOLD_ROWS else 1)))
        data.append(
            [para(_band_text(household), st.band)] + [para("", st.cell)] * (len(columns) - 1)
        )
        for position, member in enumerate(household.members):
            no += 1
            data.append(
                _member_cells(st, member, columns, no, household.number if position == 0 else "")
            )
    if not book.households:
        data.append(
            [para("Thôn này chưa có hộ nào trong sổ.", st.cell)]
            + [para("", st.cell)] * (len(columns) - 1)
        )
        bands.append(len(data) - 1)
    table = bordered_table(data, widths)
    style: list[tuple[object, ...]] = [
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8E8E8")),
        ("LINEBELOW", (0, 0), (-1, 0), 1.0, colors.black),
    ]
    for row in bands:
        style += [
            ("SPAN", (0, row), (-1, row)),
            ("BACKGROUND", (0, row), (-1, row), colors.HexColor("#F3F3F3")),
            ("LINEABOVE", (0, row), (-1, row), 1.0, colors.black),
        ]
    style += [("NOSPLIT", (0, first), (-1, last)) for first, last in keep if last > first]
    table.setStyle(TableStyle(style))
    story.append(table)
    if book.notes:
        story.append(Spacer(1, 4))
        story.extend(para(note, st.legend) for note in book.notes)

    story.append(para("THEO DÕI CÁC THAY ĐỔI", st.section))
    change_columns = [
        ("Ngày", 22),
        ("Hộ số", 14),
        ("Họ và tên", 48),
        ("Biến động", 30),
        ("Nội dung", 0),
    ]
    change_widths = [
        w * mm if w else WIDTH - sum(x for _, x in change_columns) * mm for _, w in change_columns
    ]
    changes: list[list[Flowable]] = [[para(h, st.head) for h, _ in change_columns]]
    for change in book.changes:
        changes.append(
            [
                para(change.day, st.cell_center),
                para(change.household, st.cell_center),
                para(change.name, st.cell),
                para(change.event, st.cell),
                para(change.details, st.cell),
            ]
        )
    for _ in range(BLANK_ROWS_FOR_CHANGES):
        changes.append([para("", st.cell) for _ in change_columns])
    # Filled rows fit their text; the empty ones leave room for handwriting.
    heights = [None] * len(book.changes) + [7 * mm] * BLANK_ROWS_FOR_CHANGES
    change_table = _grid(changes, change_widths, heights)
    story.append(change_table)
    story.append(
        KeepTogether([_signatures(st, "CỘNG TÁC VIÊN", "CÁN BỘ PHỤ TRÁCH CÔNG TÁC TRẺ EM")])
    )
    return story


def render_hamlet_book(
    book: HamletBook, path: Path, protection: ExportProtection | None = None
) -> None:
    """Write the book pages of one hamlet (landscape A4) to ``path``, atomically."""
    running = f"{BOOK_TITLE} — {book.commune} — {book.hamlet}"
    _build(path, hamlet_book_story(book), f"{BOOK_TITLE} — {book.hamlet}", running, protection)


# -- the blank collection form ----------------------------------------------------------------

SCHOOLING_LEGEND = (
    "Học tập: Chưa đi học / Nhà trẻ / Mẫu giáo / Tiểu học / THCS / THPT / Bỏ học. "
    "Khai sinh: Có / Chưa. Thẻ BHYT: Có / Không. Ngày sinh: ngày/tháng/năm (năm đủ 4 chữ số)."
)


def render_blank_form(
    form: BlankForm,
    path: Path,
    groups: Sequence[tuple[int, str]] = (),
    protection: ExportProtection | None = None,
) -> None:
    """Write a blank collection form (same columns as the book, empty rows) to ``path``."""
    st = _styles()
    columns = list(FORM_COLUMNS)
    widths = _widths(columns)
    story: list[Flowable] = [
        para(FORM_TITLE, st.title),
        _header_lines(
            st,
            [
                ("Tỉnh/thành phố", form.province),
                ("Xã/phường/đặc khu", form.commune),
                ("Thôn/tổ dân phố", form.hamlet),
            ],
            [WIDTH / 3] * 3,
        ),
        _header_lines(
            st,
            [("Cộng tác viên", ""), ("Ngày thu thập", "…… /…… /…………")],
            [WIDTH * 2 / 3, WIDTH / 3],
        ),
        para(
            "Ghi mỗi người một dòng, bắt đầu từ chủ hộ; hết một hộ thì ghi hộ tiếp theo. "
            "Ghi cả người từ 16 tuổi trở lên trong hộ.",
            st.legend,
        ),
        Spacer(1, 4),
    ]
    data: list[list[Flowable]] = [[para(c.header, st.head) for c in columns]]
    for number in range(1, max(form.rows, 1) + 1):
        data.append([para(str(number) if c.key == "no" else "", st.cell_center) for c in columns])
    # Room for handwriting: 9 mm a row.
    table = _grid(data, widths, [9 * mm] * (len(data) - 1))
    story.append(table)
    story.append(Spacer(1, 4))
    story.append(para(SCHOOLING_LEGEND, st.legend))
    if groups:
        legend = "; ".join(f"{number}. {name}" for number, name in groups)
        story.append(
            para(f"Nhóm hoàn cảnh đặc biệt (Luật Trẻ em 2016, Điều 10): {legend}.", st.legend)
        )
    story.append(KeepTogether([_signatures(st, "NGƯỜI ĐƯỢC HỎI", "CỘNG TÁC VIÊN")]))
    _build(path, story, FORM_TITLE, f"{FORM_TITLE} — {form.hamlet}".rstrip(" —"), protection)


# -- a child's profile (an official document of the commune) ---------------------------------


@dataclass(frozen=True)
class ProfileSection:
    """A titled part of the profile: label–value lines, or a table with headers."""

    title: str
    lines: Sequence[tuple[str, str]] = ()
    headers: Sequence[str] = ()
    rows: Sequence[Sequence[str]] = ()
    widths: Sequence[float] = ()  # shares of the text width, for a table
    empty: str = "Chưa có thông tin."


@dataclass(frozen=True)
class ChildProfileDoc:
    """Everything printed about one child."""

    full_name: str
    sections: Sequence[ProfileSection]
    printed_on: date
    commune: str
    notes: Sequence[str] = field(default_factory=tuple)
    alerts: Sequence[str] = field(default_factory=tuple)  # flags and ID checks to follow up


def _section_flowables(section: ProfileSection) -> list[Flowable]:
    st = report_styles()
    heading = ParagraphStyle(
        "ProfileHeading", parent=st.table_text_bold, fontSize=13, spaceBefore=8, spaceAfter=4
    )
    cell = ParagraphStyle("ProfileCell", parent=st.table_text, fontSize=12, leading=15)
    head = ParagraphStyle("ProfileHead", parent=st.table_head, fontSize=12, leading=15)
    out: list[Flowable] = [para(upper_nfc(section.title), heading)]
    if section.lines:
        data = [[para(label, cell), para(value or "—", cell)] for label, value in section.lines]
        out.append(bordered_table(data, [TEXT_WIDTH * 0.36, TEXT_WIDTH * 0.64], header_rows=0))
    elif section.rows:
        shares = list(section.widths) or [1 / len(section.headers)] * len(section.headers)
        total = sum(shares)
        data = [[para(h, head) for h in section.headers]]
        data += [[para(v, cell) for v in row] for row in section.rows]
        out.append(bordered_table(data, [TEXT_WIDTH * s / total for s in shares]))
    else:
        out.append(para(section.empty, cell))
    return out


def render_child_profile(
    profile: ChildProfileDoc,
    header: DocumentHeader,
    path: Path,
    protection: ExportProtection | None = None,
) -> None:
    """Write a child's profile as an official document of the commune (A4 portrait)."""
    st = report_styles()
    body: list[Flowable] = []
    for section in profile.sections:
        body.extend(_section_flowables(section))
    if profile.alerts:
        body.append(para("Cần theo dõi:", st.note_label))
        body.extend(para(f"- {alert}", st.note) for alert in profile.alerts)
    if profile.notes:
        body.append(para("Ghi chú:", st.note_label))
        body.extend(para(f"- {note}", st.note) for note in profile.notes)
    body.append(Spacer(1, 8))
    closing = (
        f"Thông tin trên được trích từ Sổ theo dõi trẻ em trong hộ gia đình của "
        f"{profile.commune} ngày {vn_short_date(profile.printed_on)}."
    )
    render_official_pdf(header, body, path, closing=closing, protection=protection)
