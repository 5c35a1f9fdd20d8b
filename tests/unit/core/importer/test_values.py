"""Reading one cell as a field's value: dates, IDs, names, yes/no, ethnic groups …"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime, time

import pytest

from desktop.core.importer import values
from desktop.core.importer.reader import NO_CACHED_VALUE, CellError
from desktop.core.importer.values import CellProblem
from tests.unit.core.importer.conftest import TODAY

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


@pytest.mark.parametrize(
    ("cell", "expected", "estimated"),
    [
        ("05/09/2019", date(2019, 9, 5), False),
        ("5/9/2019", date(2019, 9, 5), False),
        ("05-09-2019", date(2019, 9, 5), False),
        ("05092019", date(2019, 9, 5), False),
        ("2019-09-05", date(2019, 9, 5), False),
        ("2019-09-05 00:00:00", date(2019, 9, 5), False),
        (" 05 / 09 / 2019 ", date(2019, 9, 5), False),
        (datetime(2019, 9, 5), date(2019, 9, 5), False),
        (date(2019, 9, 5), date(2019, 9, 5), False),
        (43713, date(2019, 9, 5), False),  # Excel's day count in a number-formatted cell
        (43713.0, date(2019, 9, 5), False),
        ("2015", date(2015, 7, 1), True),
        (2015, date(2015, 7, 1), True),
        ("3/2015", date(2015, 3, 15), True),
    ],
)
def test_birth_dates_in_every_usual_form(cell: object, expected: date, estimated: bool) -> None:
    found = values.birth_date(cell, TODAY)  # type: ignore[arg-type]
    assert found.value == expected
    assert found.estimated is estimated


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("31/02/2019", "không tồn tại"),
        ("29/02/2019", "không tồn tại"),
        ("2019-02-30", "không tồn tại"),
        ("05/09/19", "4 chữ số"),
        ("5/9/19", "4 chữ số"),
        ("13/13/2019", "tháng 13"),
        ("01/01/2027", "sau ngày của danh sách"),
        ("2030", "sau ngày của danh sách"),
        ("01/01/1890", "không thể có"),
        ("01/01/1901", "không thể có"),  # aged 125 on the day
        ("hôm qua", "không đúng dạng"),
        ("", "chưa ghi"),
        (None, "chưa ghi"),
        (time(10, 30), "giờ"),
        (True, "không phải ngày"),
        (12.5, "không phải ngày"),
        (NO_CACHED_VALUE, "công thức"),
        (CellError("#VALUE!"), "#VALUE!"),
    ],
)
def test_impossible_or_unreadable_birth_dates(cell: object, words: str) -> None:
    with pytest.raises(CellProblem) as caught:
        values.birth_date(cell, TODAY)  # type: ignore[arg-type]
    assert words in caught.value.message
    assert caught.value.hint


@pytest.mark.parametrize(
    ("cell", "expected", "restored"),
    [
        ("038219012345", "038219012345", False),
        (" 038 219 012 345 ", "038219012345", False),
        ("038.219.012.345", "038219012345", False),
        (38219012345, "038219012345", True),  # a number cell lost its leading zero
        (1219012345, "001219012345", True),
        (3.8219012345e10, "038219012345", True),
    ],
)
def test_id_numbers(cell: object, expected: str, restored: bool) -> None:
    found = values.id_number(cell)  # type: ignore[arg-type]
    assert found is not None
    assert found.value == expected
    assert bool(found.note) is restored


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        ("03821901234", "11 chữ số"),
        ("0382190123456", "13 chữ số"),
        ("03821900A123", "chữ cái"),
        ("CCCD038219012345", "chữ cái"),
        (1234567890123, "13 chữ số"),
        (True, "không phải số định danh"),
        (12.5, "không phải số định danh"),
    ],
)
def test_wrong_id_numbers(cell: object, words: str) -> None:
    with pytest.raises(CellProblem) as caught:
        values.id_number(cell)  # type: ignore[arg-type]
    assert words in caught.value.message


def test_an_eleven_digit_id_hints_at_the_lost_zero() -> None:
    with pytest.raises(CellProblem) as caught:
        values.id_number("38219012345")
    assert "số 0" in caught.value.hint


def test_names_are_nfc_with_single_spaces_and_capitals() -> None:
    decomposed = unicodedata.normalize("NFD", "  Nguyễn   Thị\tMai ")
    assert values.name(decomposed) == "Nguyễn Thị Mai"
    assert values.name("   ") is None
    assert values.name("NGUYỄN THỊ ĐÀO") == "Nguyễn Thị Đào"
    assert values.name("hoàng thị h'hen") == "Hoàng Thị H'Hen"
    assert values.name("Nguyễn thị Mai") == "Nguyễn thị Mai"  # mixed case is kept as typed
    for bad in ("Nguyễn Văn 2", "12345", "---"):
        with pytest.raises(CellProblem):
            values.name(bad)
    with pytest.raises(CellProblem, match="dài"):
        values.name("A" * 201)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Nam", 1), ("nam", 1), ("NỮ", 2), ("Nu", 2), ("Gái", 2), ("Chưa xác định", 3), ("", None)],
)
def test_sex(cell: str, expected: int | None) -> None:
    assert values.sex(cell) == expected


def test_a_wrong_sex_says_what_to_write() -> None:
    with pytest.raises(CellProblem) as caught:
        values.sex("Khác")
    assert "Nam hoặc Nữ" in caught.value.hint


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Có", True), ("có", True), ("Đã", True), ("x", True), (True, True), ("Chưa", False),
     ("Không", False), (False, False), ("", None), (None, None)],
)  # fmt: skip
def test_yes_no(cell: object, expected: bool | None) -> None:
    assert values.yes_no(cell, "Có", "Chưa") is expected  # type: ignore[arg-type]


def test_yes_no_refuses_anything_else() -> None:
    with pytest.raises(CellProblem) as caught:
        values.yes_no("Có lẽ", "Có", "Chưa")
    assert "Có hoặc Chưa" in caught.value.hint


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Nghèo", "HN01"), ("hộ nghèo", "HN01"), ("Cận nghèo", "HN02"), ("Không", "HN03"), ("", None)],
)
def test_poverty(cell: str, expected: str | None) -> None:
    assert values.poverty(cell) == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("Chưa đi học", "HT01"), ("Nhà trẻ", "HT02"), ("Mẫu giáo", "HT03"), ("Tiểu học", "HT04"),
     ("THCS", "HT05"), ("T.H.C.S", "HT05"), ("THPT", "HT06"), ("Bỏ học", "HT08"), ("", None)],
)  # fmt: skip
def test_schooling(cell: str, expected: str | None) -> None:
    assert values.schooling(cell) == expected


def test_unknown_schooling_lists_the_choices() -> None:
    with pytest.raises(CellProblem) as caught:
        values.schooling("Lớp 3")
    assert "Tiểu học" in caught.value.hint


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1", (1,)), (4, (4,)), ("1; 4", (1, 4)), ("1;4;1", (1, 4)), ("14 ; 2", (14, 2)),
     ("1, 9", (1, 9)), ("HCDB04", (4,)), ("", ())],
)  # fmt: skip
def test_special_groups(cell: object, expected: tuple[int, ...]) -> None:
    assert values.special_groups(cell) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("cell", ["15", "0", "1; 40", "a", 1.4])
def test_wrong_special_groups(cell: object) -> None:
    with pytest.raises(CellProblem):
        values.special_groups(cell)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("cell", "code"),
    [
        ("Kinh", "01"),
        ("Khmer", "05"),
        ("Khơ-me", "05"),
        ("Khơ me", "05"),
        ("H'Mông", "08"),
        ("Hmông", "08"),
        ("HMONG", "08"),
        ("Mèo", "08"),
        ("Jrai", "10"),
        ("Gia-rai", "10"),
        ("Gia Rai", "10"),
        ("Ê Đê", "12"),
        ("Ê-đê", "12"),
        ("Ede", "12"),
    ],
)
def test_ethnic_group_spellings(cell: str, code: str) -> None:
    assert values.ethnicity(cell) == code


def test_an_unknown_ethnic_group_gets_the_closest_suggestions() -> None:
    with pytest.raises(CellProblem) as caught:
        values.ethnicity("Khơ mú lai")
    assert "không nhận ra dân tộc" in caught.value.message
    assert "Khơ-mú" in caught.value.hint


def test_phone_numbers() -> None:
    assert values.phone("0912 345 678") == "0912345678"
    assert values.phone(912345678) == "0912345678"
    with pytest.raises(CellProblem):
        values.phone("gọi sau")


def test_relation_to_head() -> None:
    assert values.relation("Con đẻ") == "QH03"
    assert values.relation("Chủ hộ") == "QH01"
    with pytest.raises(CellProblem):
        values.relation("Hàng xóm")


def test_an_incomplete_date_of_the_current_period_is_never_in_the_future() -> None:
    # DOMAIN R04: the middle of the unknown span, which ends today for the current year.
    this_year = values.birth_date("2026", TODAY)
    assert (this_year.value, this_year.estimated) == (date(2026, 4, 1), True)
    this_month = values.birth_date("06/2026", TODAY)
    assert this_month.value == date(2026, 6, 15)
    early = values.birth_date("06/2026", date(2026, 6, 9))
    assert early.value == date(2026, 6, 5)
    assert "ước tính" in early.note
