"""Special circumstances: the group rules, dates, the list, coverage and the 16th birthday."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.events import apply_automatic_events
from desktop.core.services.protection import (
    NeedsConfirmation,
    PermissionDenied,
    SpecialEpisodeForm,
    SpecialFilter,
    SpecialService,
    SupportForm,
    SupportService,
    ValidationError,
)

from .conftest import Commune


def _episode(person: str, group: int, start: date, **more: object) -> SpecialEpisodeForm:
    return SpecialEpisodeForm(person_id=person, group_no=group, start_date=start, **more)  # type: ignore[arg-type]


def test_group_13_needs_a_poor_or_near_poor_household(book: Book, commune: Commune) -> None:
    service = SpecialService(book)
    with pytest.raises(NeedsConfirmation) as refused:
        service.save(_episode(commune.chi, 13, date(2026, 1, 5)))
    assert refused.value.problems[0].field == "group_no"
    assert "hộ nghèo hoặc cận nghèo" in refused.value.message_vi
    # The poor household's child is accepted without a question.
    assert service.save(_episode(commune.an, 13, date(2026, 1, 5)))
    # The officer may confirm what the book does not show yet.
    assert service.save(_episode(commune.chi, 13, date(2026, 1, 5)), confirm=True)


def test_group_8_needs_having_left_school(book: Book, commune: Commune) -> None:
    service = SpecialService(book)
    with pytest.raises(NeedsConfirmation) as refused:
        service.save(_episode(commune.an, 8, date(2026, 2, 1)))
    assert "bỏ học" in refused.value.message_vi
    assert service.save(_episode(commune.binh, 8, date(2026, 2, 1)))


def test_group_4_needs_a_disability(book: Book, commune: Commune) -> None:
    service = SpecialService(book)
    with pytest.raises(NeedsConfirmation):
        service.save(_episode(commune.an, 4, date(2026, 2, 1)))
    assert service.save(_episode(commune.chi, 4, date(2026, 2, 1)))


def test_reversed_overlapping_future_and_after_16_dates_are_refused(
    book: Book, commune: Commune
) -> None:
    service = SpecialService(book)
    with pytest.raises(ValidationError) as reversed_dates:
        service.save(
            _episode(commune.an, 1, date(2026, 3, 1), end_date=date(2026, 2, 1), end_reason="ended")
        )
    assert [p.field for p in reversed_dates.value.problems] == ["end_date"]
    service.save(_episode(commune.an, 1, date(2025, 1, 1)))
    with pytest.raises(ValidationError) as overlap:
        service.save(_episode(commune.an, 1, date(2026, 1, 1)))
    assert "trùng thời gian" in overlap.value.message_vi
    with pytest.raises(ValidationError) as future:
        service.save(_episode(commune.an, 2, date(2026, 7, 1)))
    assert future.value.problems[0].field == "start_date"
    with pytest.raises(ValidationError) as outlives:
        service.save(
            _episode(
                commune.dung, 2, date(2026, 1, 1), end_date=date(2026, 7, 20), end_reason="ended"
            )
        )
    assert "16 tuổi" in outlives.value.message_vi


def test_episodes_close_the_day_before_the_16th_birthday(book: Book, commune: Commune) -> None:
    service = SpecialService(book)
    service.save(_episode(commune.dung, 2, date(2025, 5, 1)))
    apply_automatic_events(book, today=date(2026, 7, 20))
    [episode] = service.episodes_of(commune.dung)
    assert episode.end_date == date(2026, 7, 14)
    assert episode.end_reason == "turned16"


def test_list_filters_and_coverage(book: Book, commune: Commune) -> None:
    special = SpecialService(book)
    special.save(_episode(commune.an, 1, date(2025, 1, 1)))
    special.save(_episode(commune.binh, 8, date(2025, 6, 1)))
    special.save(_episode(commune.chi, 4, date(2025, 6, 1)))
    SupportService(book).save(SupportForm(commune.an, "TG10", date(2026, 2, 1)))
    SupportService(book).save(SupportForm(commune.chi, "TG02", date(2025, 12, 1)))  # last year
    listed = special.list()
    assert [r.full_name for r in listed.rows] == ["Lê Văn An", "Lê Thị Bình", "Phạm Minh Chi"]
    assert listed.coverage.text == "1 / 3 được trợ giúp (33,3 %)"
    assert not listed.coverage.meets_target
    unsupported = special.list(SpecialFilter(supported=False))
    assert {r.person_id for r in unsupported.rows} == {commune.binh, commune.chi}
    west = special.list(SpecialFilter(hamlet_id=commune.west))
    assert [r.person_id for r in west.rows] == [commune.chi]
    group8 = special.list(SpecialFilter(group_no=8))
    assert [r.person_id for r in group8.rows] == [commune.binh]


def test_hiv_group_is_hidden_from_collaborators(book: Book, commune: Commune, login_as) -> None:  # type: ignore[no-untyped-def]
    special = SpecialService(book)
    special.save(_episode(commune.an, 5, date(2025, 1, 1)))
    special.save(_episode(commune.binh, 11, date(2025, 1, 1), subgroup_no=4))
    special.save(_episode(commune.binh, 8, date(2025, 1, 1)))
    ctv = login_as("ctv.dong", Role.COLLABORATOR, (commune.east,))
    listed = SpecialService(ctv).list()
    assert [(r.person_id, r.group_nos) for r in listed.rows] == [(commune.binh, (8, 11))]
    assert listed.hidden_note
    views = SpecialService(ctv).episodes_of(commune.binh)
    sexual = next(v for v in views if v.group_no == 11)
    assert sexual.subgroup_no is None and sexual.hidden
    with pytest.raises(PermissionDenied):
        SpecialService(ctv).save(_episode(commune.binh, 5, date(2025, 1, 1)))
    viewer = login_as("xem", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        SpecialService(viewer).list()


def test_exports_leave_the_hiv_group_out_for_collaborators(
    book: Book, commune: Commune, login_as
) -> None:  # type: ignore[no-untyped-def]
    from desktop.core.services.protection import ListKind, ProtectionExportService

    special = SpecialService(book)
    special.save(_episode(commune.an, 5, date(2025, 1, 1)))
    special.save(_episode(commune.binh, 8, date(2025, 1, 1)))
    officer_rows = ProtectionExportService(book).table(ListKind.SPECIAL).rows
    assert {row[1] for row in officer_rows} == {"Lê Văn An", "Lê Thị Bình"}
    ctv = login_as("ctv.dong", Role.COLLABORATOR, (commune.east,))
    document = ProtectionExportService(ctv).to_json(ListKind.SPECIAL)
    assert "Lê Văn An" not in document and "Lê Thị Bình" in document
    assert "thông tin nhạy cảm" in document
    with pytest.raises(PermissionDenied):
        ProtectionExportService(ctv).export_xlsx(ListKind.SPECIAL, Path("unused.xlsx"))
