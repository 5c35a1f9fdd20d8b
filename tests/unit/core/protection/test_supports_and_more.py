"""Supports one by one and by campaign, risks, injuries, labour, marriage, holidays, home."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from desktop.core.domain.deadlines import ClockState
from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.events import EventForm, EventService
from desktop.core.services.protection import (
    BulkSupportForm,
    CandidateFilter,
    CaseChildForm,
    CaseForm,
    CaseService,
    HolidayService,
    InjuryFilter,
    InjuryForm,
    InjuryService,
    LabourForm,
    LabourService,
    ListKind,
    MarriageForm,
    NeedsConfirmation,
    PermissionDenied,
    ProtectionExportService,
    ProtectionHomeService,
    RiskEpisodeForm,
    RiskService,
    SpecialEpisodeForm,
    SpecialService,
    SupportForm,
    SupportService,
    ValidationError,
)
from desktop.core.storage.models import Support
from sync import clock

from .conftest import Commune


def _moved_out(book: Book, person_id: str, day: date) -> None:
    EventService(book).record(
        EventForm("BD03", day, person_id=person_id, place="Hà Nội"), today=date(2026, 6, 30)
    )


def test_a_support_on_a_day_the_child_had_moved_out_is_refused(
    book: Book, commune: Commune
) -> None:
    _moved_out(book, commune.dung, date(2026, 3, 1))
    service = SupportService(book)
    with pytest.raises(ValidationError) as refused:
        service.save(SupportForm(commune.dung, "TG10", date(2026, 4, 1)))
    assert refused.value.problems[0].field == "given_on"
    assert "chuyển đi" in refused.value.message_vi
    assert service.save(SupportForm(commune.dung, "TG10", date(2026, 2, 1)))
    with pytest.raises(ValidationError) as future:
        service.save(SupportForm(commune.an, "TG10", date(2026, 7, 1)))
    assert "sau ngày hôm nay" in future.value.message_vi
    with pytest.raises(ValidationError) as no_type:
        service.save(SupportForm(commune.an, "", date(2026, 6, 1)))
    assert no_type.value.problems[0].field == "support_code"


def test_bulk_support_preview_then_one_transaction(book: Book, commune: Commune) -> None:
    service = SupportService(book)
    with pytest.raises(ValidationError) as empty:
        service.preview_bulk(BulkSupportForm((), "TG10", date(2026, 6, 1)))
    assert empty.value.problems[0].field == "person_ids"
    assert "trống" in empty.value.message_vi
    _moved_out(book, commune.dung, date(2026, 3, 1))
    poor = service.candidates(CandidateFilter(poverty_codes=("HN01",)))
    assert {c.person_id for c in poor} == {commune.an, commune.binh}
    east_west = service.candidates(CandidateFilter(hamlet_ids=(commune.east, commune.west)))
    assert commune.dung not in {c.person_id for c in east_west}  # no longer in the commune
    form = BulkSupportForm(
        (commune.an, commune.binh, commune.chi, commune.dung),
        "TG10",
        date(2026, 6, 1),
        campaign_name="Quà Quốc tế Thiếu nhi 1/6",
        amount=200_000,
    )
    preview = service.preview_bulk(form)
    assert preview.accepted == 3
    assert [r.person_id for r in preview.refused] == [commune.dung]
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(Support)) == 0
    result = service.save_bulk(form)
    assert result.saved == 3 and [r.person_id for r in result.skipped] == [commune.dung]
    saved = service.list()
    assert {s.campaign_id for s in saved} == {result.campaign_id}
    assert {s.person_id for s in saved} == {commune.an, commune.binh, commune.chi}
    with book.read() as session:
        states = set(session.scalars(select(Support.sync_state)))
    assert states == {"TO_POST"}


def test_risk_categories_are_never_reused(book: Book, commune: Commune) -> None:
    risks = RiskService(book)
    code = risks.add_category("Trẻ em sống cùng ông bà, cha mẹ đi làm xa")
    assert code == "NC07"
    risks.set_category_active(code, False)
    assert code not in {c.code for c in risks.categories()}
    assert risks.add_category("Trẻ em thường xuyên bị bỏ mặc") == "NC08"
    with pytest.raises(ValidationError):
        risks.save(RiskEpisodeForm(commune.an, code, date(2026, 1, 1)))
    risks.save(RiskEpisodeForm(commune.an, "NC03", date(2026, 1, 1)))
    with pytest.raises(ValidationError) as overlap:
        risks.save(RiskEpisodeForm(commune.an, "NC03", date(2026, 2, 1)))
    assert "trùng thời gian" in overlap.value.message_vi
    assert [r.person_id for r in risks.list()] == [commune.an]


def test_risk_categories_need_the_administrator(book: Book, commune: Commune, login_as) -> None:  # type: ignore[no-untyped-def]
    officer = login_as("canbo", Role.OFFICER)
    with pytest.raises(PermissionDenied):
        RiskService(officer).add_category("Khác nữa")


def test_injuries_for_children_in_and_out_of_the_book(book: Book, commune: Commune) -> None:
    injuries = InjuryService(book)
    injuries.save(InjuryForm(date(2026, 6, 20), "TN05", "KQ03", "XT03", time(16, 30), commune.an))
    injuries.save(
        InjuryForm(
            date(2026, 6, 21), "TN05", "KQ01", visitor_name="Cháu ngoại nhà bên",
            visitor_age=9, visitor_sex=1, hamlet_id=commune.west, place_code="water",
        )
    )  # fmt: skip
    injuries.save(InjuryForm(date(2026, 5, 2), "TN03", "KQ03", person_id=commune.chi))
    drowned = injuries.list(InjuryFilter(drowning_only=True))
    assert [(r.in_book, r.age) for r in drowned] == [(False, 9), (True, 11)]
    with pytest.raises(ValidationError) as nobody:
        injuries.save(InjuryForm(date(2026, 6, 20), "TN03", "KQ03"))
    assert nobody.value.problems[-1].field == "visitor_name" or any(
        p.field == "visitor_name" for p in nobody.value.problems
    )
    with pytest.raises(ValidationError) as future:
        injuries.save(InjuryForm(date(2026, 7, 20), "TN03", "KQ03", person_id=commune.an))
    assert future.value.problems[0].field == "occurred_on"
    table = ProtectionExportService(book).table(ListKind.INJURIES)
    assert [row[table.keys.index("drowning")] for row in table.rows] == [True, True, False]


def test_labour_for_16_and_17_year_olds_and_child_marriage(book: Book, commune: Commune) -> None:
    labour = LabourService(book)
    # Én is 17: no longer a child of the book, but child labour counts her.
    assert labour.save_labour(LabourForm(commune.en, date(2026, 5, 1), work="Phụ bán hàng"))
    with pytest.raises(NeedsConfirmation) as too_young:
        labour.save_labour(LabourForm(commune.gau, date(2026, 5, 1)))
    assert "từ 5 đến 17 tuổi" in too_young.value.message_vi
    with pytest.raises(NeedsConfirmation):
        labour.save_labour(LabourForm(commune.lon, date(2026, 5, 1)))
    assert [(r.full_name, r.age) for r in labour.labour_list()] == [("Phạm Thị Én", 17)]
    # A 17-year-old girl marrying: a child marriage (a woman under 18).
    assert labour.save_marriage(
        MarriageForm(commune.en, date(2026, 6, 1), partner_name="Vàng A Páo",
                     partner_birth_date=date(2003, 2, 2), partner_sex=1)
    )  # fmt: skip
    with pytest.raises(ValidationError) as adults:
        labour.save_marriage(
            MarriageForm(commune.lon, date(2026, 6, 1), partner_birth_date=date(2001, 1, 1),
                         partner_sex=2)
        )  # fmt: skip
    assert adults.value.problems[0].field == "marriage_date"
    assert "dưới tuổi kết hôn" in adults.value.message_vi
    assert [m.age for m in labour.marriage_list()] == [17]


def test_holiday_calendar_is_editable_by_the_administrator(book: Book) -> None:
    holidays = HolidayService(book)
    assert date(2026, 4, 26) in holidays.calendar().days  # Giỗ Tổ 2026
    holidays.add(date(2026, 5, 4), "Hoán đổi ngày làm việc theo quyết định")
    holidays.remove(date(2026, 9, 1))
    calendar = holidays.calendar()
    assert date(2026, 5, 4) in calendar.days and date(2026, 9, 1) not in calendar.days
    rows = {r.day: r.source for r in holidays.list(2026)}
    assert (
        rows[date(2026, 4, 27)] == "builtin"
        and rows[date(2026, 5, 4)] == "added"
        and rows[date(2026, 9, 1)] == "removed"
    )


def test_home_summary(book: Book, commune: Commune, login_as) -> None:  # type: ignore[no-untyped-def]
    SpecialService(book).save(SpecialEpisodeForm(commune.an, 1, date(2025, 1, 1)))
    SpecialService(book).save(SpecialEpisodeForm(commune.chi, 4, date(2025, 1, 1)))
    SupportService(book).save(SupportForm(commune.chi, "TG02", date(2026, 1, 5)))
    case = CaseService(book).submit(
        CaseForm(
            received_on=date(2026, 6, 29), received_time=time(8, 0), channel_code="NT02",
            children=(CaseChildForm(person_id=commune.an),), forms=("XH01.1",),
            child_in_danger=True,
        )
    )  # fmt: skip
    home = ProtectionHomeService(book).summary()
    # Received 29/06 08:00: the 12-hour and the 1-day clocks are overdue at 30/06 09:00.
    assert {r.clock.kind.value for r in home.overdue} == {"written_report", "emergency"}
    assert all(r.case_id == case.id for r in home.overdue)
    assert home.unsupported_ids == (commune.an,)
    assert home.coverage is not None and home.coverage.text == "1 / 2 được trợ giúp (50 %)"
    assert home.turning16 == ()
    july = ProtectionHomeService(book).summary(datetime(2026, 7, 2, 9, tzinfo=clock.VIETNAM))
    assert [t.person_id for t in july.turning16] == [commune.dung]
    assert all(r.clock.state == ClockState.DUE_SOON for r in july.due_soon)
    viewer = login_as("xem", Role.VIEWER)
    seen = ProtectionHomeService(viewer).summary()
    assert seen.overdue == () and seen.coverage is None
