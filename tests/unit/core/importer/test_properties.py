"""Property-based tests: random cells, rows and files never crash the importer or lose a row."""

from __future__ import annotations

import string
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.core.domain.dates import format_vn_date, is_child_on
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.identity import check_id_number, id_number_warnings
from desktop.core.importer import values
from desktop.core.importer.fields import TEMPLATE_HEADERS
from desktop.core.importer.headers import detect_header
from desktop.core.importer.plan import Snapshot, build_plan
from desktop.core.importer.reader import NO_CACHED_VALUE, CellError, Sheet, SheetRow
from desktop.core.importer.rows import parse_rows
from desktop.core.importer.values import CellProblem
from tests.unit.core.importer.conftest import TODAY

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())

VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
)

cells = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.text(alphabet=string.digits + "/-. ", max_size=14),
    st.integers(min_value=-(10**15), max_value=10**15),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)),
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1)),
    st.times(),
    st.just(NO_CACHED_VALUE),
    st.sampled_from([CellError("#N/A"), CellError("#VALUE!"), CellError("#REF!")]),
)

PARSERS = [
    values.text,
    values.name,
    values.household_number,
    lambda c: values.birth_date(c, TODAY),
    values.sex,
    lambda c: values.yes_no(c, "Có", "Chưa"),
    values.poverty,
    values.schooling,
    values.special_groups,
    values.id_number,
    values.phone,
    values.relation,
    values.ethnicity,
]


@given(cell=cells, which=st.integers(min_value=0, max_value=len(PARSERS) - 1))
def test_a_parser_returns_a_value_or_a_cell_problem(cell: object, which: int) -> None:
    try:
        PARSERS[which](cell)  # type: ignore[operator]
    except CellProblem as problem:
        assert problem.message
        assert problem.hint


@given(cell=cells)
def test_birth_dates_read_are_possible(cell: object) -> None:
    try:
        found = values.birth_date(cell, TODAY)  # type: ignore[arg-type]
    except CellProblem:
        return
    assert date(1900, 1, 1) <= found.value <= TODAY


@given(text=st.text(max_size=20))
def test_the_id_parser_agrees_with_the_id_rule(text: str) -> None:
    try:
        found = values.id_number(text)
    except CellProblem:
        found = None
        rule_ok = False
    else:
        rule_ok = True
    try:
        checked = check_id_number(text.replace(".", "").replace("-", ""))
    except ValidationError:
        checked = None
        assert not rule_ok or found is None
    else:
        if rule_ok and found is not None:
            assert found.value == checked


@given(
    number=st.text(alphabet=string.digits, min_size=12, max_size=12),
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)),
    sex=st.sampled_from([1, 2, 3, None]),
)
def test_id_warnings_never_fail(number: str, born: date, sex: int | None) -> None:
    for warning in id_number_warnings(number, born, sex):
        assert warning.endswith(".")


def _sheet(rows: list[list[object]]) -> Sheet:
    table = [SheetRow(1, tuple(TEMPLATE_HEADERS))]
    table += [SheetRow(n, tuple(r)) for n, r in enumerate(rows, start=2)]  # type: ignore[arg-type]
    return Sheet("ngau-nhien.xlsx", "xlsx", "Danh sách", table)


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cells, max_size=len(TEMPLATE_HEADERS) + 3), max_size=12))
def test_random_rows_are_each_either_read_or_rejected(rows: list[list[object]]) -> None:
    sheet = _sheet(rows)
    mapping = detect_header(sheet).mapping()
    parsed = parse_rows(sheet, mapping, TODAY)
    good = {r.row for r in parsed.rows}
    assert not good & set(parsed.problems)
    assert good | set(parsed.problems) == set(parsed.source_rows)
    plan = build_plan(parsed, Snapshot([], [], [], [], []), TODAY)
    planned = {r.row for r in plan.rows}
    assert not planned & set(plan.problems)
    assert planned | set(plan.problems) == set(parsed.source_rows)  # no row is lost
    for problems in plan.problems.values():
        for problem in problems:
            assert problem.text.startswith(f"Dòng {problem.row}")


names = st.lists(st.text(alphabet=VIETNAMESE, min_size=1, max_size=8), min_size=2, max_size=4).map(
    lambda parts: " ".join(p.capitalize() for p in parts)
)


@st.composite
def good_rows(draw: st.DrawFn) -> list[object]:
    born = draw(st.dates(min_value=date(1950, 1, 1), max_value=TODAY))
    as_date = draw(st.booleans())
    return [
        draw(st.sampled_from(["Thôn Đông", "Thôn Tây", "Bản Mới"])),
        str(draw(st.integers(min_value=1, max_value=300))),
        draw(names),
        draw(st.text(alphabet=VIETNAMESE + " ,0123456789", max_size=30)).strip() or None,
        draw(st.sampled_from(["Nghèo", "Cận nghèo", "Không", None])),
        draw(names),
        datetime.combine(born, time()) if as_date else format_vn_date(born),
        draw(st.sampled_from(["Nam", "Nữ"])),
        draw(st.sampled_from(["Kinh", "Tày", "Khmer", "H'Mông", "Ê Đê", None])),
        None,
        draw(st.sampled_from(["Có", "Chưa", None])),
        draw(st.sampled_from(["Có", "Không", None])),
        draw(st.sampled_from(["Tiểu học", "THCS", "Mẫu giáo", None])),
        None,
        draw(st.one_of(st.none(), names)),
        draw(st.one_of(st.none(), names)),
        None,
        None,
    ]


@settings(max_examples=80)
@given(data=good_rows())
def test_good_rows_come_through_unchanged(data: list[object]) -> None:
    sheet = _sheet([data])
    parsed = parse_rows(sheet, detect_header(sheet).mapping(), TODAY)
    assert not parsed.problems, parsed.problems
    person = parsed.rows[0].person
    household = parsed.rows[0].household
    assert household.hamlet == data[0]
    assert household.number == data[1]
    assert person.full_name == values.name(data[5])  # type: ignore[arg-type]
    born = data[6]
    expected = born.date() if isinstance(born, datetime) else born
    if isinstance(expected, str):
        day, month, year = (int(x) for x in expected.split("/"))
        expected = date(year, month, day)
    assert person.birth_date == expected
    assert person.sex == (1 if data[7] == "Nam" else 2)
    assert parsed.rows[0].is_child == is_child_on(expected, TODAY)


@pytest.mark.parametrize("cell", [float("inf"), float("-inf"), float("nan")])
def test_an_infinite_phone_number_is_a_cell_problem(cell: float) -> None:
    from desktop.core.importer.values import CellProblem, phone

    with pytest.raises(CellProblem, match="không phải số điện thoại"):
        phone(cell)
