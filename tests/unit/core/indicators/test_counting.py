"""Every derivable indicator on a hand-made book, counted by hand.

On t = 30/04/2026 (period 01/01–30/04/2026):

| child | born       | sex | age on t | in C(t)? why                                  |
|-------|------------|-----|----------|-----------------------------------------------|
| A     | 30/04/2010 | Nam | 16       | no: turns 16 on t                             |
| B     | 01/05/2010 | Nữ  | 15       | yes: turns 16 the day after                   |
| C     | 30/04/2021 | Nam | 5        | yes; exactly 5, so not under 5                |
| D     | 01/05/2021 | Nữ  | 4        | yes; under 5 by one day                       |
| E     | 01/01/2024 | ?   | 2        | yes (27 months)                               |
| F     | 01/02/2022 | Nam | 4        | no: moved in on 15/05/2026, after t           |
| G     | 01/01/2015 | Nam | 11       | yes; HCĐB groups 4 and 5 open on t            |
| H     | 01/01/2018 | Nữ  | 8        | yes; HCĐB group 9 from 01/01 to 15/03/2026    |
| I     | 01/01/2019 | Nam | 7        | yes; HCĐB group 10 from 01/05/2026 (after P)  |
| J     | 01/06/2012 | Nam | 13       | no: moved out 10/03/2026                      |
| K     | 01/06/2013 | Nữ  | 12       | yes: moves out 10/05/2026, after t            |
| L     | 01/06/2014 | Nam | 11       | no: died on t                                 |
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from desktop.core.services.indicators import IndicatorService


def _r(book: Any, code: str, as_of: date | None = None) -> Any:
    return IndicatorService(book).compute("2026-H1", as_of).result(code)


def test_child_population_on_the_reference_date(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    report = service.compute("2026-H1")
    assert report.period.reference == date(2026, 4, 30)
    pop = report.result("TK0101")
    assert pop.status == "computed" and pop.value == 8
    assert pop.definition_vi  # shown next to the number
    sex = {c.key: c.numerator for c in pop.cells if c.dimension == "sex"}
    assert sex == {"1": 3, "2": 4, "3": 1}
    ages = {c.key: c.numerator for c in pop.cells if c.dimension == "age_group"}
    assert ages == {"0–2 tuổi": 1, "3–5 tuổi": 2, "6–10 tuổi": 2, "11–15 tuổi": 3}
    members = set(service.member_ids("2026-H1", "TK0101"))
    names = {v: k for k, v in small_book.items()}
    assert {names[i] for i in members} == {"B", "C", "D", "E", "G", "H", "I", "K"}
    girls = service.drill_down("2026-H1", "TK0101", "sex", "2")
    assert sorted(r.full_name for r in girls) == ["Bé B", "Bé D", "Bé H", "Bé K"]


def test_birth_registration_under_5(book: Any, small_book: dict[str, str]) -> None:
    ct14 = _r(book, "CT14")
    assert (ct14.numerator, ct14.denominator, ct14.value) == (1, 2, 50.0)
    on_time = _r(book, "TK0104")  # D registered after 31 days; E never
    assert (on_time.numerator, on_time.denominator) == (1, 2)


def test_health_insurance_under_6(book: Any, small_book: dict[str, str]) -> None:
    bhyt = _r(book, "TK0201")  # C (card, no date), D (valid) yes; E expired 31/03/2026
    assert (bhyt.numerator, bhyt.denominator) == (2, 3)
    assert bhyt.value == pytest.approx(200 / 3)


def test_pre_school(book: Any, small_book: dict[str, str]) -> None:
    assert (_r(book, "CT16").numerator, _r(book, "CT16").denominator) == (1, 1)
    k = _r(book, "TK0402")
    assert (k.numerator, k.denominator, k.value) == (1, 2, 50.0)
    creche = _r(book, "TK0401")
    assert (creche.numerator, creche.denominator) == (1, 1)


def test_special_circumstances_two_groups_and_mid_period(
    book: Any, small_book: dict[str, str]
) -> None:
    ct08a = _r(book, "CT08a")
    assert (ct08a.numerator, ct08a.denominator, ct08a.value) == (1, 8, 12.5)
    groups = {c.key: c.numerator for c in ct08a.cells if c.dimension == "special_group"}
    assert groups == {"4": 1, "5": 1}  # G once in the total, once in each group
    assert ct08a.notes
    period = _r(book, "TK0301")  # G and H overlap the period; I starts after it
    assert period.value == 2
    assert {c.key: c.numerator for c in period.cells if c.dimension == "special_group"} == {
        "4": 1,
        "5": 1,
        "9": 1,
    }


def test_mixed_denominators(book: Any, small_book: dict[str, str]) -> None:
    assert _r(book, "CT22").denominator == 5  # B, G, H, I, K are 7 or older
    assert _r(book, "CT24").denominator == 3  # B, G, K
    assert _r(book, "CT02").denominator == 5  # C, D, E, H (8 included), I
    assert _r(book, "CT22").status == "missing"  # numerator not typed yet


def test_as_of_moves_the_reference_date(book: Any, small_book: dict[str, str]) -> None:
    # On 01/05/2026 B turns 16 and leaves; K (moves out 10/05) and the rest stay.
    pop = _r(book, "TK0101", date(2026, 5, 1))
    assert pop.value == 7  # C, D, E, G, H, I, K
    ct14 = _r(book, "CT14", date(2026, 5, 1))
    assert ct14.denominator == 1  # D is exactly 5 on 01/05/2026; only E is under 5


def test_zero_denominators_give_no_value(book: Any, frozen: None) -> None:
    report = IndicatorService(book).compute("2026-H1")
    for code in ("CT14", "CT08a", "TK0201", "CT16", "TK0102"):
        assert report.result(code).value is None
    assert report.result("TK0101").value == 0
    assert report.as_json()["indicators"]["CT14"]["value"] is None  # type: ignore[index]


def test_births_in_the_period_by_sex(book: Any, small_book: dict[str, str]) -> None:
    # Nobody in the small book is born in 2026; on the year report, born-in-period children
    # outside C(t) still get their sex and hamlet cells.
    births = _r(book, "TK0103")
    assert births.value == 0 and births.cells == ()


def test_a_child_counts_in_the_hamlet_he_lived_in_on_the_reference_date(
    book: Any, small_book: dict[str, str]
) -> None:
    from desktop.core.services.events import EventForm, EventService
    from desktop.core.services.households import HouseholdForm, HouseholdService

    service = HouseholdService(book)
    west = service.add_hamlet("Thôn Tây").id
    house = service.save_household(
        HouseholdForm(hamlet_id=west, number="9", head_name="Lò Văn Tây"),
        today=date(2026, 6, 1),
        accept_warnings=True,
    )
    # G moves to Thôn Tây on 10/06/2026, after t = 30/04/2026.
    EventService(book).record(
        EventForm("BD02", date(2026, 6, 10), small_book["G"], target_household_id=house),
        today=date(2026, 6, 30),
    )

    def by_hamlet(as_of: date | None = None) -> dict[str, float | None]:
        pop = _r(book, "TK0101", as_of)
        return {c.label: c.numerator for c in pop.cells if c.dimension == "hamlet"}

    assert by_hamlet() == {"Thôn Đông": 8}  # on 30/04 G still lived in Thôn Đông
    assert by_hamlet(date(2026, 6, 15)) == {"Thôn Đông": 6, "Thôn Tây": 1}
    members = IndicatorService(book).member_ids("2026-H1", "TK0101", "hamlet", west)
    assert members == []
