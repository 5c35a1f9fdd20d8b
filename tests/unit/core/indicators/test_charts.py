"""The report's two charts: one definition drawn in the PDF and given as SVG for the screen.

The book is the hand-made one of test_counting.py: on 30/04/2026 CT14 is 50 % (1 of 2
children under 5 registered); on that day G is in HCĐB groups 4 and 5 (H's group 9 ended on
15/03, I's group 10 begins on 01/05).
"""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from desktop.core.indicators.engine import Cell
from desktop.core.reports import charts
from desktop.core.reports.indicators_report import ReportContent
from desktop.core.services.indicators import IndicatorService

SVG = "{http://www.w3.org/2000/svg}"


def texts(svg: bytes) -> list[str]:
    """Every text the SVG draws; fails unless it is well-formed SVG."""
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    return [t.text or "" for t in root.iter(f"{SVG}text")]


@pytest.fixture
def content(book: Any, small_book: dict[str, str]) -> ReportContent:
    """2026-H1, with 2025-H1 finalised (a past period on the target chart)."""
    service = IndicatorService(book)
    service.finalise("2025-H1")
    return service.content("2026-H1")


def test_the_pdf_still_draws_both_charts(
    book: Any, small_book: dict[str, str], tmp_path: Path
) -> None:
    service = IndicatorService(book)
    service.finalise("2025-H1")
    path = tmp_path / "bao-cao.pdf"
    service.write("2026-H1", path, "pdf")
    text = unicodedata.normalize(
        "NFC", "".join(page.extract_text() for page in PdfReader(path).pages)
    )
    for expected in (
        "Chỉ tiêu so với mục tiêu qua các kỳ (%)",
        "6 tháng đầu năm 2025",
        "Mục tiêu của xã",
        "Trẻ em có hoàn cảnh đặc biệt theo nhóm và số được trợ giúp",
        "Nhóm 4",
        "Được trợ giúp trong kỳ",
    ):
        assert expected in text, expected


def test_each_chart_as_svg_is_xml_with_the_vietnamese_texts(content: ReportContent) -> None:
    targets = charts.targets_svg(content)
    special = charts.special_svg(content)
    for svg in (targets, special):
        decoded = svg.decode("utf-8")
        assert decoded == unicodedata.normalize("NFC", decoded)  # composed letters only
        # Qt draws SVG Tiny: a clipPath would be painted as a black rectangle.
        assert "clipPath" not in decoded
        # The face is named as the screen knows it, not by reportlab's registered name.
        assert "SoTreEmSerif" not in decoded and "font-family: 'Liberation Serif'" in decoded
    drawn = texts(targets)
    assert "Chỉ tiêu so với mục tiêu qua các kỳ (%)" in drawn
    assert {"CT08a", "CT14", "TK0201", "CT16", "TK0402"} <= set(drawn)  # the PDF's choice
    assert {"6 tháng đầu năm 2025", "6 tháng đầu năm 2026", "Mục tiêu của xã"} <= set(drawn)
    assert "Tỷ lệ (%)" in drawn  # the value axis
    drawn = texts(special)
    assert "Trẻ em có hoàn cảnh đặc biệt theo nhóm và số được trợ giúp" in drawn
    assert {"Trẻ em có hoàn cảnh đặc biệt", "Được trợ giúp trong kỳ", "Số trẻ em"} <= set(drawn)
    assert {"Nhóm 4", "Nhóm 5"} <= set(drawn)  # G, on the reference date
    assert "Nhóm 9" not in drawn and "Nhóm 10" not in drawn  # H's ended, I's not begun
    root = ET.fromstring(special)
    title = root.find(f"{SVG}title")
    assert title is not None and title.text == charts.SPECIAL_TITLE
    heading = next(t for t in root.iter(f"{SVG}text") if t.text == charts.SPECIAL_TITLE)
    assert "font-weight: bold" in heading.get("style", "")  # the PDF's bold face
    assert charts.special_group_names(content)[0].startswith("Nhóm 4: ")


def test_one_indicator_against_its_target(content: ReportContent) -> None:
    choices = dict(charts.target_choices(content))
    assert choices["CT14"] == "CT14 – Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh"
    assert "CT21" not in choices  # yes/no: nothing to draw as a bar
    drawn = texts(charts.targets_svg(content, "CT14"))
    assert "CT14 – Tỷ lệ trẻ em dưới 5 tuổi được đăng ký khai sinh" in drawn
    assert {"6 tháng đầu năm 2025", "6 tháng đầu năm 2026", "Mục tiêu của xã"} <= set(drawn)
    assert "50 %" in drawn  # this period's bar, labelled the Vietnamese way
    assert charts.targets_svg(content, "CT14") != charts.targets_svg(content)
    # A period without a value draws no bar and says so; so does a count's axis.
    drawn = texts(charts.targets_svg(content, "CT05a"))
    assert "chưa có số liệu" in drawn
    assert "Số lượng" in texts(charts.targets_svg(content, "TK0101"))
    # An unknown code falls back to the PDF's chart.
    assert charts.targets_svg(content, "XX99") == charts.targets_svg(content)


def test_charts_of_an_empty_report_still_draw() -> None:
    empty = ReportContent(
        title="Kết quả thực hiện công tác trẻ em 6 tháng đầu năm 2026",
        period_label="6 tháng đầu năm 2026",
        reference_date=datetime.date(2026, 4, 30),
        results=(),
        families={},
        previous={},
        narrative={},
    )
    assert "Không có trẻ em có hoàn cảnh đặc biệt trong kỳ." in texts(charts.special_svg(empty))
    assert "Các chỉ tiêu này chưa có số liệu và mục tiêu." in texts(charts.targets_svg(empty))
    assert charts.target_choices(empty) == []


def test_sixteen_groups_are_numbered_and_missing_support_is_said(
    content: ReportContent,
) -> None:
    cells = tuple(
        Cell("special_group", str(k), f"Nhóm {k}: …", k, None, None) for k in range(1, 17)
    )
    results = [
        dataclasses.replace(r, cells=cells)
        if r.code == "CT08a"
        else dataclasses.replace(r, status="missing", missing_reason="chưa ghi trợ giúp")
        if r.code == "CT08b"
        else r
        for r in content.results
    ]
    drawn = texts(charts.special_svg(dataclasses.replace(content, results=tuple(results))))
    assert {str(k) for k in range(1, 17)} <= set(drawn)
    assert "Số dưới mỗi cột là số thứ tự nhóm (Điều 10 Luật Trẻ em 2016)" in drawn
    assert "(Số được trợ giúp: chưa ghi trợ giúp)" in drawn


@pytest.mark.parametrize(
    ("top", "integer", "expected"),
    [(98.9, False, (100, 20)), (2, True, (2, 1)), (0, True, (1, 1)), (0, False, (1, 0.2)),
     (37, True, (40, 10)), (0.7, False, (0.8, 0.2))],
)  # fmt: skip
def test_value_axis_steps_are_round(
    top: float, integer: bool, expected: tuple[float, float]
) -> None:
    high, step = charts._nice_axis(top, integer)
    assert high == pytest.approx(expected[0]) and step == pytest.approx(expected[1])


def test_numbers_are_written_the_vietnamese_way() -> None:
    assert charts._vn_number(1234) == "1.234"
    assert charts._vn_number(98.92) == "98,92"
    assert charts._vn_number(1234.5) == "1.234,5"
    assert charts._value_text(None, "percent", "%") == "chưa có số liệu"
    assert charts._value_text(12.345, "permille", "‰") == "12,35 ‰"
