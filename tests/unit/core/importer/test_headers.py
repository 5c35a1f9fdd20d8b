"""Finding the header row and mapping other layouts' columns to the template's fields."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest

from desktop.core.importer.fields import TEMPLATE_FIELDS, TEMPLATE_HEADERS, header_key
from desktop.core.importer.headers import (
    MappingSpec,
    apply_mapping,
    column_index,
    column_label,
    detect_header,
    load_mapping_file,
    parse_mapping,
)
from desktop.core.importer.reader import ImportFileError, read_sheet
from tests.unit.core.importer.conftest import row, write_xlsx


def test_the_template_has_exactly_the_documented_headers() -> None:
    assert TEMPLATE_HEADERS == (
        "Thôn/Tổ dân phố", "Số hộ", "Họ tên chủ hộ", "Địa chỉ", "Hoàn cảnh hộ", "Họ tên trẻ",
        "Ngày sinh", "Giới tính", "Dân tộc", "Số định danh", "Khai sinh", "Thẻ BHYT", "Học tập",
        "Hoàn cảnh đặc biệt", "Họ tên cha", "Họ tên mẹ", "Người chăm sóc", "Ghi chú",
    )  # fmt: skip
    assert len({header_key(h) for h in TEMPLATE_HEADERS}) == len(TEMPLATE_FIELDS)


def test_header_comparison_ignores_case_marks_spacing_and_decomposition() -> None:
    target = header_key("Thôn/Tổ dân phố")
    for variant in (
        "THÔN/TỔ DÂN PHỐ",
        "Thôn / Tổ dân phố",
        "  Thôn/Tổ\ndân   phố ",
        unicodedata.normalize("NFD", "Thôn/Tổ dân phố"),
        "Thôn/Tổ dân phố (*)",
        "Thôn/Tổ dân phố:",
    ):
        assert header_key(variant) == target


def test_the_header_row_is_found_below_title_rows(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [row()],
        title_rows=("ỦY BAN NHÂN DÂN XÃ HOÀNG KIM", "DANH SÁCH TRẺ EM", "Năm 2026", ""),
    )
    guess = detect_header(read_sheet(path))
    assert guess.is_template
    assert guess.header_row == 5  # three title rows and an empty one above it
    mapping = guess.mapping()
    assert mapping.columns["full_name"] == 5
    assert mapping.header_of("birth_date") == "Ngày sinh"


def test_extra_columns_are_ignored_and_known_extras_picked_up(tmp_path: Path) -> None:
    headers = ["STT", *TEMPLATE_HEADERS, "Quan hệ với chủ hộ", "Ghi chú riêng"]
    path = write_xlsx(tmp_path / "a.xlsx", [[1, *row(), "Con đẻ", "x"]], headers=headers)
    guess = detect_header(read_sheet(path))
    assert guess.is_template
    assert guess.suggested["hamlet"] == 1
    assert guess.suggested["relation"] == len(TEMPLATE_HEADERS) + 1


def test_a_column_given_twice_is_a_problem(tmp_path: Path) -> None:
    headers = [*TEMPLATE_HEADERS, "Họ tên trẻ"]
    path = write_xlsx(tmp_path / "a.xlsx", [row()], headers=headers)
    guess = detect_header(read_sheet(path))
    assert not guess.is_template
    assert any("có hai lần" in p for p in guess.problems)


def test_another_layout_gets_a_suggested_mapping(tmp_path: Path) -> None:
    headers = [
        "STT",
        "Thôn",
        "Hộ số",
        "Chủ hộ",
        "Họ và tên trẻ em",
        "Ngày tháng năm sinh",
        "Nam/Nữ",
    ]
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [[1, "Thôn Đông", "12", "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "Nữ"]],
        headers=headers,
    )
    guess = detect_header(read_sheet(path))
    assert not guess.is_template
    assert guess.header_row == 3
    assert guess.suggested == {
        "hamlet": 1,
        "household_number": 2,
        "head_name": 3,
        "full_name": 4,
        "birth_date": 5,
        "sex": 6,
    }


def test_a_sheet_without_any_header_offers_nothing_to_map(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,2,3\n4,5,6\n", encoding="utf-8")
    guess = detect_header(read_sheet(path))
    assert guess.header_row is None
    with pytest.raises(ImportFileError, match="dòng tiêu đề"):
        guess.mapping()


def test_column_letters() -> None:
    assert [column_label(i) for i in (0, 25, 26, 27, 701)] == ["A", "Z", "AA", "AB", "ZZ"]
    assert [column_index(x) for x in ("A", "z", "AA", "AB", "ZZ")] == [0, 25, 26, 27, 701]


def _other_layout(tmp_path: Path) -> Path:
    headers = ["Tên thôn", "HỘ", "Người đứng tên", "Tên bé", "Sinh", "Phái"]
    return write_xlsx(
        tmp_path / "khac.xlsx",
        [["Thôn Đông", "12", "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "Nữ"]],
        headers=headers,
        title_rows=("Danh sách",),
    )


def test_a_mapping_by_header_or_by_letter(tmp_path: Path) -> None:
    sheet = read_sheet(_other_layout(tmp_path))
    spec = parse_mapping(
        {
            "header_row": 2,
            "columns": {
                "Thôn/Tổ dân phố": "Tên thôn",
                "Số hộ": "B",
                "Họ tên chủ hộ": "người đứng tên",
                "Họ tên trẻ": "D",
                "Ngày sinh": "Sinh",
                "giới tính": "Phái",
                "Dân tộc": "",
            },
        }
    )
    mapping = apply_mapping(sheet, spec, detect_header(sheet))
    assert mapping.columns == {
        "hamlet": 0,
        "household_number": 1,
        "head_name": 2,
        "full_name": 3,
        "birth_date": 4,
        "sex": 5,
    }
    assert not mapping.is_template
    assert mapping.header_of("full_name") == "Tên bé"


def test_mapping_mistakes_are_explained(tmp_path: Path) -> None:
    sheet = read_sheet(_other_layout(tmp_path))
    guess = detect_header(sheet)
    with pytest.raises(ImportFileError, match="không có cột đó"):
        apply_mapping(sheet, MappingSpec({"hamlet": "Xóm"}, header_row=2), guess)
    with pytest.raises(ImportFileError, match="cả"):
        apply_mapping(sheet, MappingSpec({"hamlet": "A", "address": "A"}, header_row=2), guess)
    with pytest.raises(ImportFileError, match="Chưa gán cột cho các trường bắt buộc"):
        apply_mapping(sheet, MappingSpec({"hamlet": "A"}, header_row=2), guess)
    with pytest.raises(ImportFileError, match="Dòng tiêu đề 9"):
        apply_mapping(sheet, MappingSpec({"hamlet": "A"}, header_row=9), guess)
    with pytest.raises(ImportFileError, match="không có"):
        parse_mapping({"columns": {"Tên con mèo": "A"}})
    with pytest.raises(ImportFileError, match="columns"):
        parse_mapping(["A", "B"])


def test_mapping_files_round_trip(tmp_path: Path) -> None:
    spec = MappingSpec({"hamlet": "Tên thôn", "full_name": "D"}, header_row=2, sheet="Trang 1")
    path = tmp_path / "cot.json"
    path.write_text(spec.to_json(), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8"))["columns"]["Thôn/Tổ dân phố"] == "Tên thôn"
    assert load_mapping_file(path) == spec
    broken = tmp_path / "hong.json"
    broken.write_text("{columns:", encoding="utf-8")
    with pytest.raises(ImportFileError, match="JSON"):
        load_mapping_file(broken)
    with pytest.raises(ImportFileError, match="Không tìm thấy"):
        load_mapping_file(tmp_path / "khong-co.json")
