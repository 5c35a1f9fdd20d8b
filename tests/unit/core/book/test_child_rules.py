"""The rules of the child record (DOMAIN R02, R07, R09, R10) and the validators' bad input."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.core.domain import child_rules as rules
from desktop.core.domain.child_rules import ChildFacts, Flag
from desktop.core.domain.dates import age_on, parse_vn_date
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.identity import check_id_number
from desktop.core.services.book_index import age_window, latest_birth_for_age

TODAY = date(2026, 11, 22)

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


def facts(**fields: object) -> ChildFacts:
    base: dict[str, object] = {"birth_date": date(2020, 5, 1), "sex": 1}
    base.update(fields)
    return ChildFacts(**base)  # type: ignore[arg-type]


# -- R09: birth registration within 60 days ----------------------------------------------------


def test_birth_not_registered_after_60_days_is_overdue() -> None:
    assert not rules.birth_registration_overdue(TODAY - timedelta(days=60), False, TODAY)
    assert rules.birth_registration_overdue(TODAY - timedelta(days=61), False, TODAY)
    # Registered, or not known yet: no alert (an alert must never be wrong).
    assert not rules.birth_registration_overdue(TODAY - timedelta(days=400), True, TODAY)
    assert not rules.birth_registration_overdue(TODAY - timedelta(days=400), None, TODAY)


def test_overdue_registration_flags() -> None:
    young = facts(birth_date=TODAY - timedelta(days=30), birth_registered=False)
    old = facts(birth_date=TODAY - timedelta(days=90), birth_registered=False)
    assert Flag.BIRTH_UNREGISTERED in rules.flags_for(young, TODAY)
    assert Flag.BIRTH_OVERDUE not in rules.flags_for(young, TODAY)
    assert {Flag.BIRTH_UNREGISTERED, Flag.BIRTH_OVERDUE} <= rules.flags_for(old, TODAY)


# -- R10: under 6 without a valid health insurance card ----------------------------------------


def test_under_six_without_a_valid_card_is_flagged() -> None:
    born = date(2023, 1, 10)
    assert rules.under6_without_insurance(born, "", None, TODAY)
    expired = date(2026, 11, 21)
    assert rules.under6_without_insurance(born, "TE1383812345678", expired, TODAY)
    assert not rules.under6_without_insurance(born, "TE1383812345678", TODAY, TODAY)
    # A card with no end date recorded counts as valid.
    assert not rules.under6_without_insurance(born, "TE1383812345678", None, TODAY)
    # Six and older: not this rule (but "no card" is still a flag of its own).
    six = date(2020, 11, 22)
    assert not rules.under6_without_insurance(six, "", None, TODAY)
    flags = rules.flags_for(facts(birth_date=six), TODAY)
    assert Flag.NO_INSURANCE in flags and Flag.UNDER6_NO_INSURANCE not in flags


def test_the_free_card_ends_the_day_before_the_sixth_birthday() -> None:
    assert rules.free_card_end(date(2021, 3, 5)) == date(2027, 3, 4)
    assert rules.free_card_end(date(2020, 2, 29)) == date(2026, 2, 27)  # birthday on 28/02


# -- R07: ID structure ---------------------------------------------------------------------------


def test_id_mismatch_is_flagged_until_explained() -> None:
    wrong_year = facts(id_number="038218012345")  # born 2020, ID says 18
    assert Flag.ID_TO_CHECK in rules.flags_for(wrong_year, TODAY)
    assert rules.id_problems_to_check(wrong_year)
    explained = facts(id_number="038218012345", id_check_override="Đã đối chiếu giấy khai sinh")
    assert Flag.ID_TO_CHECK not in rules.flags_for(explained, TODAY)
    fine = facts(id_number="038220012345")
    assert not rules.id_problems_to_check(fine)
    assert Flag.ID_MISSING in rules.flags_for(facts(), TODAY)


def test_id_sex_digit_must_agree_with_sex() -> None:
    girl_with_boy_digit = facts(id_number="038220012345", sex=2)
    assert any("giới tính" in w for w in rules.id_problems_to_check(girl_with_boy_digit))
    unknown_sex = facts(id_number="038220012345", sex=3)
    assert not rules.id_problems_to_check(unknown_sex)


# -- other details -------------------------------------------------------------------------------


def test_check_details_names_each_field() -> None:
    problems = rules.check_details(
        facts(
            birth_registered=False,
            insurance_number="TE1-38 38 1234",
            insurance_valid_until=date(2019, 1, 1),
        ),
        birth_registration_date=date(2019, 1, 1),
        disability_severity_code="MD02",
        on=TODAY,
        label="Trẻ thứ 2 (Lê An)",
        row=2,
    )
    fields = [p.field for p in problems]
    assert fields.count("birth_registration_date") == 2  # both "chưa" and before birth
    assert "insurance_number" in fields and "insurance_valid_until" in fields
    assert "disability_code" in fields
    assert all(p.row == 2 and p.message.startswith("Trẻ thứ 2 (Lê An): ") for p in problems)


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("TE1383812345678", True),
        ("te1 38 38 12345678", True),  # spaces and case as copied from the card
        ("0123456789", True),  # the 10-digit social insurance number
        ("TE138381234567", False),
        ("12345", False),
        ("TE1383812345678X", False),
    ],
)
def test_insurance_number_forms(number: str, ok: bool) -> None:
    problems = rules.check_details(
        facts(insurance_number=number),
        birth_registration_date=None,
        disability_severity_code=None,
        on=TODAY,
        label="Trẻ",
    )
    assert (not problems) is ok


def test_impossible_age_is_refused() -> None:
    problems = rules.check_details(
        facts(birth_date=date(1900, 1, 1)),
        birth_registration_date=None,
        disability_severity_code=None,
        on=TODAY,
        label="Người thứ 1",
    )
    assert [p.field for p in problems] == ["birth_date"]
    assert "không hợp lý" in problems[0].message


def test_schooling_unusual_for_the_age_is_a_hint() -> None:
    assert rules.schooling_warnings("HT06", date(2020, 1, 1), TODAY, "Học tập")
    assert not rules.schooling_warnings("HT04", date(2018, 1, 1), TODAY, "Học tập")
    assert not rules.schooling_warnings(None, date(2018, 1, 1), TODAY, "Học tập")


def test_sixteenth_birthday_window() -> None:
    born = date(2010, 11, 20)
    assert rules.turned_sixteen_between(born, date(2026, 11, 19), TODAY) == date(2026, 11, 20)
    assert rules.turned_sixteen_between(born, date(2026, 11, 20), TODAY) is None


# -- property-based: validators never crash, and say why ------------------------------------------


@given(st.text(max_size=20))
@settings(max_examples=300)
def test_dates_typed_anyhow_parse_or_say_why(text: str) -> None:
    try:
        parsed = parse_vn_date(text, label="Ngày sinh")
    except ValidationError as exc:
        assert exc.problems and all("Ngày sinh" in p.message for p in exc.problems)
    else:
        assert 1 <= parsed.year <= 9999


@given(st.dates(min_value=date(1, 1, 1), max_value=date(9999, 12, 31)))
def test_every_real_date_parses_in_both_forms(day: date) -> None:
    assert parse_vn_date(day.strftime("%d/%m/") + f"{day.year:04d}") == day
    assert parse_vn_date(day.strftime("%d%m") + f"{day.year:04d}") == day


@pytest.mark.parametrize("text", ["31/02/2020", "29/02/2023", "00/01/2020", "15/13/2020"])
def test_impossible_days_are_named(text: str) -> None:
    with pytest.raises(ValidationError, match="không tồn tại"):
        parse_vn_date(text, label="Ngày sinh")


@pytest.mark.parametrize("text", ["05/09/19", "050919"])
def test_two_digit_years_are_refused_not_guessed(text: str) -> None:
    with pytest.raises(ValidationError, match=r"dd/mm/yyyy|4 chữ số"):
        parse_vn_date(text, label="Ngày sinh")


@given(st.text(max_size=30))
@settings(max_examples=300)
def test_id_numbers_are_twelve_digits_or_refused(text: str) -> None:
    try:
        value = check_id_number(text)
    except ValidationError as exc:
        assert "12 chữ số" in exc.message_vi
    else:
        assert value is None or (len(value) == 12 and value.isascii() and value.isdigit())


@pytest.mark.parametrize(
    "text", ["03822001234", "0382200123456", "03822001234A", "０３８２２００１２３４５"]
)
def test_wrong_ids_say_how_long_they_are(text: str) -> None:
    with pytest.raises(ValidationError, match="12 chữ số"):
        check_id_number(text)


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=20),
)
@settings(max_examples=500)
def test_age_windows_agree_with_age_on(birth: date, on: date, years: int) -> None:
    after, until = age_window(on, years, years)
    assert (after < birth.isoformat() <= until) == (age_on(birth, on) == years)
    latest = latest_birth_for_age(on, years)
    assert (birth <= latest) == (age_on(birth, on) >= years)


@given(
    st.builds(
        ChildFacts,
        birth_date=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
        sex=st.sampled_from([1, 2, 3]),
        id_number=st.one_of(st.none(), st.from_regex(r"\A[0-9]{12}\Z")),
        birth_registered=st.one_of(st.none(), st.booleans()),
        insurance_number=st.text(max_size=20),
        insurance_valid_until=st.one_of(st.none(), st.dates()),
        schooling_code=st.one_of(st.none(), st.sampled_from(["HT01", "HT04", "HT08", "XX"])),
    ),
    st.one_of(st.none(), st.dates()),
)
@settings(max_examples=300)
def test_rules_take_any_stored_values(facts_: ChildFacts, registered_on: date | None) -> None:
    flags = rules.flags_for(facts_, TODAY)
    assert (Flag.DROPPED_OUT in flags) == (facts_.schooling_code == "HT08")
    problems = rules.check_details(
        facts_,
        birth_registration_date=registered_on,
        disability_severity_code=None,
        on=TODAY,
        label="Trẻ",
    )
    assert all(p.message.startswith("Trẻ: ") for p in problems)


@given(
    name=st.text(max_size=40),
    birth=st.one_of(st.none(), st.dates()),
    sex=st.integers(min_value=-1, max_value=5),
    ethnicity=st.text(max_size=3),
    id_number=st.text(max_size=15),
    insurance=st.text(max_size=20),
    registered=st.one_of(st.none(), st.booleans()),
    registered_on=st.one_of(st.none(), st.dates()),
    relation=st.one_of(st.none(), st.sampled_from(["QH01", "QH03", "QH99", "XX"])),
)
@settings(max_examples=300, deadline=None)
def test_any_typed_person_gets_messages_naming_its_row(  # noqa: PLR0917 (hypothesis)
    name: str,
    birth: date | None,
    sex: int,
    ethnicity: str,
    id_number: str,
    insurance: str,
    registered: bool | None,
    registered_on: date | None,
    relation: str | None,
) -> None:
    from desktop.core.domain.roles import Role
    from desktop.core.services.book import CurrentUser
    from desktop.core.services.children import ChildForm, check_person

    form = ChildForm(
        full_name=name, birth_date=birth, sex=sex, ethnicity_code=ethnicity, id_number=id_number,
        insurance_number=insurance, birth_registered=registered,
        birth_registration_date=registered_on, relation_code=relation,
    )  # fmt: skip
    user = CurrentUser("u1", "admin", "Quản trị", Role.ADMIN)
    problems, warnings = check_person(form, 3, TODAY, user)
    for problem in problems + warnings:
        assert problem.row == 3
        assert problem.message.startswith(("Trẻ thứ 3", "Người thứ 3"))
