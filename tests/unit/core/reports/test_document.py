"""Official document layout (NĐ 30/2020): header, number, page numbers, margins, signature."""

from __future__ import annotations

import datetime
import functools
import unicodedata
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.units import mm

from desktop.core.reports.atomic import ReportWriteError
from desktop.core.reports.document import (
    BOTTOM_MARGIN,
    LEFT_MARGIN,
    PAGE_SIZE,
    RIGHT_MARGIN,
    TEXT_WIDTH,
    TOP_MARGIN,
    DocumentHeader,
    para,
    render_official_pdf,
    report_styles,
    with_end_mark,
)

from .conftest import find_run, page_text, text_runs

PAGE_W, PAGE_H = PAGE_SIZE


def _header(**changes: object) -> DocumentHeader:
    base = DocumentHeader(
        unit_name="Xã Hoàng Kim",
        place="Hoàng Kim",
        issued_on=datetime.date(2026, 5, 8),
        summary="Kết quả thực hiện công tác trẻ em 6 tháng đầu năm 2026",
        signer_lines=["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Nguyễn Văn A",
        recipients=["UBND tỉnh (để b/c);", "Lưu: VT, VHXH."],
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def _render(tmp_path: Path, header: DocumentHeader, paragraphs: int = 2) -> Path:
    path = tmp_path / "doc.pdf"
    body = [
        para(f"Đoạn {i + 1}: nội dung báo cáo về công tác bảo vệ trẻ em.", report_styles().body)
        for i in range(paragraphs)
    ]
    render_official_pdf(header, body, path, closing="Trên đây là báo cáo kết quả")
    return path


@pytest.mark.parametrize(
    ("number", "symbol", "expected"),
    [
        (None, "BC-UBND", "Số:      /BC-UBND"),
        ("   ", "BC-UBND", "Số:      /BC-UBND"),
        ("5", "BC-UBND", "Số: 05/BC-UBND"),
        ("05", "BC-UBND", "Số: 05/BC-UBND"),
        ("103", "KH-UBND", "Số: 103/KH-UBND"),
        ("07/TTr-UBND", "BC-UBND", "Số: 07/TTr-UBND"),
    ],
)
def test_number_line(number: str | None, symbol: str, expected: str) -> None:
    assert _header(number=number, symbol=symbol).number_line() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Trên đây là báo cáo", "Trên đây là báo cáo./."),
        ("Trên đây là báo cáo.", "Trên đây là báo cáo./."),
        ("Trên đây là báo cáo./.", "Trên đây là báo cáo./."),
    ],
)
def test_with_end_mark(text: str, expected: str) -> None:
    assert with_end_mark(text) == expected


def test_first_page_has_every_header_and_footer_element(tmp_path: Path) -> None:
    text = page_text(_render(tmp_path, _header()))
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "XÃ HOÀNG KIM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Hoàng Kim, ngày 08 tháng 5 năm 2026",
        "BÁO CÁO",
        "Kết quả thực hiện công tác trẻ em 6 tháng đầu năm 2026",
        "Trên đây là báo cáo kết quả./.",
        "Nơi nhận:",
        "- UBND tỉnh (để b/c);",
        "- Lưu: VT, VHXH.",
        "TM. ỦY BAN NHÂN DÂN",
        "KT. CHỦ TỊCH",
        "PHÓ CHỦ TỊCH",
        "Nguyễn Văn A",
    ):
        assert expected in text
    # A blank number leaves room for the clerk: the run of spaces is not collapsed.
    assert "Số:      /BC-UBND" in text.replace("\u00a0", " ")


def test_header_is_two_columns_with_number_level_with_date(tmp_path: Path) -> None:
    runs = text_runs(_render(tmp_path, _header(number="5")))
    issuer = find_run(runs, "ỦY BAN NHÂN DÂN")
    unit = find_run(runs, "XÃ HOÀNG KIM")
    number = find_run(runs, "Số: 05/BC-UBND")
    national = find_run(runs, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = find_run(runs, "Độc lập - Tự do - Hạnh phúc")
    date = find_run(runs, "Hoàng Kim, ngày 08 tháng 5 năm 2026")

    left_centre = issuer.centre
    for run in (unit, number):
        assert run.centre == pytest.approx(left_centre, abs=1)
    for run in (motto, date):
        assert run.centre == pytest.approx(national.centre, abs=1)
    # The right column does not start before the left one ends.
    assert national.x > max(r.x + r.width for r in (issuer, unit, number))
    # Row by row: body name level with the national title, number level with the date.
    assert issuer.y == pytest.approx(national.y, abs=2)
    assert unit.y == pytest.approx(motto.y, abs=2)
    assert number.y == pytest.approx(date.y, abs=2)
    assert issuer.face.endswith("-Bold") and national.face.endswith("-Bold")
    assert date.face.endswith("-Italic")
    doc_type = find_run(runs, "BÁO CÁO")
    assert doc_type.y < date.y - 14
    assert doc_type.centre == pytest.approx(LEFT_MARGIN + TEXT_WIDTH / 2, abs=1)


def test_superior_body_is_drawn_above_the_issuing_body_not_bold(tmp_path: Path) -> None:
    runs = text_runs(_render(tmp_path, _header(superior_body="UBND tỉnh Thanh Hóa")))
    superior = find_run(runs, "UBND TỈNH THANH HÓA")
    issuer = find_run(runs, "ỦY BAN NHÂN DÂN")
    assert superior.y > issuer.y
    assert superior.face.endswith("Serif")


def test_everything_is_inside_the_margins(tmp_path: Path) -> None:
    path = _render(tmp_path, _header(superior_body="UBND tỉnh Thanh Hóa"), paragraphs=60)
    pages = len(PdfReader(path).pages)
    assert pages >= 2
    for page in range(pages):
        runs = text_runs(path, page)
        body = [r for r in runs if not (page > 0 and r is runs[0])]
        for run in body:
            assert run.x >= LEFT_MARGIN - 0.5, run
            assert run.x + run.width <= PAGE_W - RIGHT_MARGIN + 0.5, run
            assert BOTTOM_MARGIN <= run.y <= PAGE_H - TOP_MARGIN, run


def test_page_numbers_from_page_two_at_top_centre(tmp_path: Path) -> None:
    path = _render(tmp_path, _header(), paragraphs=60)
    pages = len(PdfReader(path).pages)
    assert pages >= 2
    first = text_runs(path, 0)
    assert all(run.y <= PAGE_H - TOP_MARGIN for run in first)
    for page in range(1, pages):
        number = text_runs(path, page)[0]
        assert number.text == str(page + 1)
        assert number.y > PAGE_H - TOP_MARGIN
        assert number.centre == pytest.approx(LEFT_MARGIN + TEXT_WIDTH / 2, abs=1)


def test_signature_block_is_level_with_recipients_and_leaves_room_to_sign(
    tmp_path: Path,
) -> None:
    path = _render(tmp_path, _header())
    runs = text_runs(path)
    label = find_run(runs, "Nơi nhận:")
    signer = find_run(runs, "TM. ỦY BAN NHÂN DÂN")
    last_title = find_run(runs, "PHÓ CHỦ TỊCH")
    name = find_run(runs, "Nguyễn Văn A")
    assert label.face.endswith("-BoldItalic") and label.size == 12
    assert find_run(runs, "- Lưu: VT, VHXH.").size == 11
    assert label.x == pytest.approx(LEFT_MARGIN, abs=0.5)
    assert signer.y == pytest.approx(label.y, abs=3)
    assert signer.x > label.x + label.width
    assert last_title.y - name.y >= 25 * mm
    assert name.face.endswith("-Bold")
    assert name.centre == pytest.approx(signer.centre, abs=1)
    closing = find_run(runs, "Trên đây là báo cáo kết quả./.")
    assert closing.y > signer.y


def test_signer_lines_are_uppercased(tmp_path: Path) -> None:
    header = _header(signer_lines=["TM. Ủy ban nhân dân", "Chủ tịch"])
    text = page_text(_render(tmp_path, header))
    assert "TM. ỦY BAN NHÂN DÂN" in text
    assert "CHỦ TỊCH" in text


def test_unwritable_target_raises_vietnamese_error_and_leaves_no_temp_file(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "báo cáo"
    target = folder / "là thư mục.pdf"
    target.mkdir(parents=True)
    with pytest.raises(ReportWriteError) as info:
        _render_to(target)
    assert "Không lưu được báo cáo" in str(info.value)
    assert info.value.path == target
    assert target.is_dir()
    assert sorted(p.name for p in folder.iterdir()) == ["là thư mục.pdf"]


def _render_to(path: Path) -> None:
    render_official_pdf(_header(), [], path, closing="Trên đây là báo cáo")


def test_decomposed_text_anywhere_is_drawn_composed(tmp_path: Path) -> None:
    nfd = functools.partial(unicodedata.normalize, "NFD")
    header = _header(
        summary=nfd("Kết quả công tác trẻ em xã Đắk Mơ"),
        signer_name=nfd("Lường Thị Mỹ"),
        recipients=[nfd("Sở Y tế tỉnh Đắk Lắk (để b/c);")],
    )
    path = tmp_path / "doc.pdf"
    render_official_pdf(
        header, [para(nfd("Nội dung ưu tiên"), report_styles().body)], path, closing=nfd("Hết")
    )
    raw = PdfReader(path).pages[0].extract_text()
    for expected in (
        "Kết quả công tác trẻ em xã Đắk Mơ",
        "Lường Thị Mỹ",
        "- Sở Y tế tỉnh Đắk Lắk (để b/c);",
        "Nội dung ưu tiên",
    ):
        assert expected in raw
    assert not any(unicodedata.combining(ch) for ch in raw)
