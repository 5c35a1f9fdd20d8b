"""The protection-derived indicators on a small book built through the real services.

Period 2026-H1: 01/01–30/04/2026, reference date t = 30/04/2026. Every child below is under 16
and living in the commune on t, so C(t) has 11 children.

| child  | born       | sex | what the book records                                        |
|--------|------------|-----|--------------------------------------------------------------|
| Một    | 01/01/2015 | Nam | HCĐB group 4 since 2020; support TG01.1 on 01/02/2026        |
| Hai    | 01/01/2016 | Nữ  | HCĐB group 5 since 2021; support TG03 on 01/05/2026 (after P)|
|        |            |     | risk episode NC03 from 01/02/2026                             |
| Ba     | 01/01/2014 | Nữ  | abuse case, incident 01/03/2026 (XH03.4 + XH01.1), with Bốn  |
| Bốn    | 01/01/2017 | Nam | the same case                                                 |
| Năm    | 01/01/2013 | Nam | abuse case, incident 20/12/2025 (before P), received 05/01   |
| Sáu    | 01/01/2012 | Nữ  | a draft case dated in P (not counted)                         |
| Bảy    | 01/01/2018 | Nam | drowned (TN05) 10/04/2026, died (KQ01)                        |
| Tám    | 01/01/2019 | Nữ  | fall (TN03.x) 15/02/2026, no lasting harm                     |
| Chín   | 01/01/2011 | Nam | child labour since 10/01/2026, open on t                      |
| Mười   | 01/06/2011 | Nam | child labour 01/09/2025–31/03/2026, closed before t           |
| MườiMột| 01/09/2010 | Nữ  | married 15/03/2026                                            |
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

import pytest

from desktop.core.services.indicators import IndicatorService

pytestmark = pytest.mark.today("2026-06-30")

KIDS = {
    "Một": (date(2015, 1, 1), 1),
    "Hai": (date(2016, 1, 1), 2),
    "Ba": (date(2014, 1, 1), 2),
    "Bốn": (date(2017, 1, 1), 1),
    "Năm": (date(2013, 1, 1), 1),
    "Sáu": (date(2012, 1, 1), 2),
    "Bảy": (date(2018, 1, 1), 1),
    "Tám": (date(2019, 1, 1), 2),
    "Chín": (date(2011, 1, 1), 1),
    "Mười": (date(2011, 6, 1), 1),
    "MườiMột": (date(2010, 9, 1), 2),
}


@pytest.fixture
def protection_book(book: Any, hamlet_id: str) -> dict[str, str]:
    from desktop.core.services.children import ChildForm
    from desktop.core.services.households import HouseholdForm, HouseholdService
    from desktop.core.services.protection import (
        CaseChildForm,
        CaseForm,
        CaseService,
        InjuryForm,
        InjuryService,
        LabourForm,
        LabourService,
        MarriageForm,
        RiskEpisodeForm,
        RiskService,
        SpecialEpisodeForm,
        SpecialService,
        SupportForm,
        SupportService,
    )
    from desktop.core.storage.models import Person

    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Hà Văn Chủ",
            children=[ChildForm(f"Bé {n}", b, s) for n, (b, s) in KIDS.items()],
        ),
        today=date(2026, 1, 2),
        accept_warnings=True,
    )
    with book.read() as session:
        ids = {p.full_name[3:]: p.id for p in session.query(Person).all()}
    special = SpecialService(book)
    special.save(SpecialEpisodeForm(ids["Một"], 4, date(2020, 1, 1)), confirm=True)
    special.save(SpecialEpisodeForm(ids["Hai"], 5, date(2021, 1, 1)), confirm=True)
    supports = SupportService(book)
    supports.save(SupportForm(ids["Một"], "TG01.1", date(2026, 2, 1)))
    supports.save(SupportForm(ids["Hai"], "TG03", date(2026, 5, 1)))  # the day after P
    RiskService(book).save(RiskEpisodeForm(ids["Hai"], "NC03", date(2026, 2, 1)))
    cases = CaseService(book)

    def case(children: tuple[str, ...], incident: date, received: date) -> CaseForm:
        return CaseForm(
            received_on=received,
            received_time=time(9, 0),
            channel_code="NT02",
            children=tuple(CaseChildForm(person_id=ids[n]) for n in children),
            forms=("XH03.4", "XH01.1"),
            incident_date=incident,
        )

    cases.submit(case(("Ba", "Bốn"), date(2026, 3, 1), date(2026, 3, 2)))
    cases.submit(case(("Năm",), date(2025, 12, 20), date(2026, 1, 5)))
    cases.save_draft(case(("Sáu",), date(2026, 2, 1), date(2026, 2, 2)))
    injuries = InjuryService(book)
    injuries.save(InjuryForm(date(2026, 4, 10), "TN05", "KQ01", person_id=ids["Bảy"]))
    injuries.save(InjuryForm(date(2026, 2, 15), "TN03", "KQ03", person_id=ids["Tám"]))
    labour = LabourService(book)
    labour.save_labour(LabourForm(ids["Chín"], date(2026, 1, 10), work="Phụ hồ"), confirm=True)
    labour.save_labour(
        LabourForm(ids["Mười"], date(2025, 9, 1), date(2026, 3, 31), work="Chăn trâu thuê"),
        confirm=True,
    )
    labour.save_marriage(
        MarriageForm(ids["MườiMột"], date(2026, 3, 15), partner_name="Lò Văn Chồng")
    )
    return ids


def _names(ids: dict[str, str], members: list[str]) -> set[str]:
    by_id = {v: k for k, v in ids.items()}
    return {by_id[i] for i in members}


def test_special_circumstance_children_supported(
    book: Any, protection_book: dict[str, str]
) -> None:
    report = IndicatorService(book).compute("2026-H1")
    ct08b = report.result("CT08b")
    assert ct08b.status == "computed"
    assert (ct08b.numerator, ct08b.denominator, ct08b.value) == (1, 2, 50.0)
    tk0302 = report.result("TK0302")
    assert tk0302.value == 1
    by_type = {c.key: c.numerator for c in tk0302.cells if c.dimension == "support_type"}
    assert by_type == {"TG01": 1}  # TG01.1 counts under its top-level type
    label = next(c.label for c in tk0302.cells if c.dimension == "support_type")
    assert label == "Trợ cấp xã hội hằng tháng"
    groups = {c.key: c.numerator for c in tk0302.cells if c.dimension == "special_group"}
    assert groups == {"4": 1}
    # Each group's rate divides by that group's children: group 4 is 1/1, group 5 is 0/1
    # (not 1/2 and 0/2 against the whole HCĐB total).
    by_group = {
        c.key: (c.numerator, c.denominator, c.value)
        for c in ct08b.cells
        if c.dimension == "special_group"
    }
    assert by_group == {"4": (1, 1, 100.0), "5": (0, 1, 0.0)}
    service = IndicatorService(book)
    assert _names(protection_book, service.member_ids("2026-H1", "CT08b")) == {"Một"}
    denominator = service.member_ids("2026-H1", "CT08b", part="denominator")
    assert _names(protection_book, denominator) == {"Một", "Hai"}
    group5 = service.member_ids("2026-H1", "CT08b", "special_group", "5", part="denominator")
    assert _names(protection_book, group5) == {"Hai"}


def test_children_at_risk(book: Any, protection_book: dict[str, str]) -> None:
    tk0303 = IndicatorService(book).compute("2026-H1").result("TK0303")
    assert tk0303.status == "computed" and tk0303.value == 1


def test_abused_children_each_once_drafts_and_earlier_incidents_left_out(
    book: Any, protection_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    report = service.compute("2026-H1")
    tk = report.result("TK2-0101")
    assert tk.status == "computed" and tk.value == 2
    forms = {c.key: c.numerator for c in tk.cells if c.dimension == "abuse_form"}
    assert forms == {"XH01": 2, "XH03": 2}
    assert _names(protection_book, service.member_ids("2026-H1", "TK2-0101")) == {"Ba", "Bốn"}
    ct09 = report.result("CT09")
    assert (ct09.numerator, ct09.denominator) == (2, 11)
    assert ct09.value == pytest.approx(2 / 11 * 100)
    rows = service.drill_down("2026-H1", "TK2-0101", "abuse_form", "XH03")
    assert sorted(r.full_name for r in rows) == ["Bé Ba", "Bé Bốn"]


def test_injuries_deaths_and_drowning(book: Any, protection_book: dict[str, str]) -> None:
    report = IndicatorService(book).compute("2026-H1")
    injured = report.result("TK0304")
    assert injured.value == 2
    causes = {c.key: c.numerator for c in injured.cells if c.dimension == "injury_cause"}
    assert causes == {"TN03": 1, "TN05": 1}
    assert report.result("TK0305").value == 1  # the drowning ended in death
    assert report.result("TK0306").value == 1  # drowning only
    ct11a, ct11b = report.result("CT11a"), report.result("CT11b")
    assert (ct11a.numerator, ct11a.denominator) == (2, 11)
    assert ct11a.value == pytest.approx(2 / 11 * 10_000)
    assert (ct11b.numerator, ct11b.denominator) == (1, 11)


def test_child_labour_open_on_the_reference_date_and_marriages(
    book: Any, protection_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    report = service.compute("2026-H1")
    assert report.result("TK0307").value == 1
    assert _names(protection_book, service.member_ids("2026-H1", "TK0307")) == {"Chín"}
    assert report.result("CT13").value == 1
    assert report.result("TK2-0102").value == 1
    assert _names(protection_book, service.member_ids("2026-H1", "CT13")) == {"MườiMột"}


@pytest.mark.today("2026-05-05")
def test_home_summary_lists_the_report_due(book: Any) -> None:
    from desktop.core.services.protection import ProtectionHomeService

    home = ProtectionHomeService(book).summary()
    due = [r for r in home.reports_due if r.key == "2026-H1"]
    assert len(due) == 1
    assert due[0].due_on == date(2026, 5, 10) and due[0].state == "due_soon"
    assert "Còn 5 ngày" in due[0].title
    # The 9-month and annual reports are months away: not on the home screen yet.
    assert {r.key for r in home.reports_due} == {"2026-H1"}


def test_a_viewer_sees_abuse_numbers_but_not_the_children_behind_them(
    book: Any, protection_book: dict[str, str]
) -> None:
    from dataclasses import replace

    from desktop.core.domain.permissions import PermissionDenied
    from desktop.core.domain.roles import Role

    book.user = replace(book.user, role=Role.VIEWER)
    service = IndicatorService(book)
    assert service.compute("2026-H1").result("TK2-0101").value == 2
    with pytest.raises(PermissionDenied):
        service.drill_down("2026-H1", "TK2-0101")
    with pytest.raises(PermissionDenied):
        service.drill_down("2026-H1", "TK0304", "injury_cause", "TN05")
    assert len(service.drill_down("2026-H1", "TK0307")) == 1  # not a sensitive number


def test_visiting_children_count_in_the_counts_never_in_the_rates(
    book: Any, protection_book: dict[str, str], hamlet_id: str
) -> None:
    from desktop.core.services.protection import InjuryForm, InjuryService

    injuries = InjuryService(book)
    # A girl of 7 from elsewhere drowned in the commune; a boy of unknown age fell; a youth
    # of 17 (not a child) was hurt; a visitor hurt the day after the period.
    injuries.save(
        InjuryForm(
            date(2026, 3, 3),
            "TN05",
            "KQ01",
            visitor_name="Cháu Khách",
            visitor_age=7,
            visitor_sex=2,
            hamlet_id=hamlet_id,
        )
    )
    injuries.save(
        InjuryForm(
            date(2026, 4, 1),
            "TN03",
            "KQ03",
            visitor_name="Cháu Ngã",
            visitor_sex=1,
            hamlet_id=hamlet_id,
        )
    )
    injuries.save(
        InjuryForm(
            date(2026, 4, 2),
            "TN03",
            "KQ03",
            visitor_name="Anh Lớn",
            visitor_age=17,
            hamlet_id=hamlet_id,
        )
    )
    injuries.save(
        InjuryForm(
            date(2026, 5, 1),
            "TN05",
            "KQ03",
            visitor_name="Cháu Sau",
            visitor_age=9,
            hamlet_id=hamlet_id,
        )
    )
    service = IndicatorService(book)
    report = service.compute("2026-H1")
    injured = report.result("TK0304")
    assert injured.value == 4  # Bảy, Tám and the two children from elsewhere
    cells = {(c.dimension, c.key): c.numerator for c in injured.cells}
    assert cells[("injury_cause", "TN05")] == 2 and cells[("injury_cause", "TN03")] == 2
    by_age = {c.label: c.numerator for c in injured.cells if c.dimension == "age_group"}
    assert by_age["6–10 tuổi"] >= 1 and by_age["Chưa rõ tuổi"] == 1
    assert report.result("TK0305").value == 2  # both drownings ended in death
    assert report.result("TK0306").value == 2
    # The rates divide by the commune's own children: the visitors are not in them.
    ct11a = report.result("CT11a")
    assert (ct11a.numerator, ct11a.denominator) == (2, 11)
    assert "nơi khác" in injured.definition_vi and "nơi khác" not in ct11a.definition_vi
    # The drill-down names the visitor, who has no record.
    rows = service.drill_down("2026-H1", "TK0306")
    names = sorted(r.full_name for r in rows)
    assert names == ["Bé Bảy", "Cháu Khách (trẻ nơi khác)"]
    visitor = next(r for r in rows if r.full_name.startswith("Cháu"))
    assert (visitor.sex, visitor.age, visitor.household_number) == (2, 7, "")
    # Frozen with a finalised report, the visitor stays behind its number.
    service.finalise("2026-H1")
    assert len(service.drill_list("2026-H1", "TK0306").ids) == 2
