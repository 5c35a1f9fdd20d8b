"""A finalised report's drill-down lists the children it counted, not the book of today.

The small hand-made book of conftest.py: 2026-H1 is finalised on 30/06/2026, then the book
changes (a child registered, a child added, a counted child removed); every number of the
finalised report still opens exactly the children behind it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete, update

from desktop.core.indicators.frozen import (
    FrozenMembersError,
    freeze_members,
    thaw_members,
)
from desktop.core.services.demo import populate_demo
from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.models import Person, ReportSnapshotMembers

CODE = "2026-H1"


def _cells(report: Any) -> list[tuple[str, str, str, str, float | None]]:
    """(indicator, dimension, key, part, count) of every computed number of ``report``."""
    out = []
    for r in report.results:
        if r.status != "computed":
            continue
        out.append((r.code, "", "", "numerator", r.numerator))
        if r.denominator is not None:
            out.append((r.code, "", "", "denominator", r.denominator))
        for c in r.cells:
            out.append((r.code, c.dimension, c.key, "numerator", c.numerator))
            if c.denominator is not None:
                out.append((r.code, c.dimension, c.key, "denominator", c.denominator))
    return out


@pytest.mark.today("2026-11-22")
def test_frozen_ids_answer_every_cell_as_the_engine_did(book: Any) -> None:
    populate_demo(book, 300, seed=11)
    service = IndicatorService(book)
    computed, _ = service._compute("2026", None)
    frozen = freeze_members(computed)
    thawed = thaw_members(frozen.data)
    checked = 0
    for r in computed.results:
        keys = [("", "")] + [(c.dimension, c.key) for c in r.cells]
        for dimension, key in keys:
            for part in ("numerator", "denominator"):
                expected = computed.cell_members(r.code, dimension, key, part)
                assert thawed.cell_members(r.code, dimension, key, part) == expected, (
                    r.code,
                    dimension,
                    key,
                    part,
                )
                checked += bool(expected)
    assert checked > 200  # the demo book fills most cells
    assert frozen.ids == len(set().union(*computed.members.values()))


def test_damaged_frozen_ids_are_refused_in_vietnamese() -> None:
    with pytest.raises(FrozenMembersError, match="bị hỏng"):
        thaw_members(b"not zlib")


def test_a_finalised_report_lists_what_it_counted(
    book: Any, small_book: dict[str, str], hamlet_id: str
) -> None:
    from dataclasses import replace

    from desktop.core.services.children import ChildForm, ChildService
    from desktop.core.services.households import HouseholdForm, HouseholdService

    service = IndicatorService(book)
    service.finalise(CODE)
    finalised = service.compute(CODE)
    assert finalised.from_snapshot
    counted = {
        (code, dim, key, part): n for code, dim, key, part, n in _cells(finalised) if n is not None
    }
    pop_ids = service.drill_ids(CODE, "TK0101")
    assert len(pop_ids) == 8

    # The book changes after the report was finalised.
    children = ChildService(book)
    form = children.get_child(small_book["E"])
    children.save_child(
        replace(form, birth_registered=True, birth_registration_date=date(2024, 2, 1)),
        children.household_of(small_book["E"]),
        accept_warnings=True,
    )
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="3",
            head_name="Vi Văn Sau",
            children=[
                ChildForm("Bé M", date(2019, 3, 3), 2, entry_event="BD02", entry_place="Xã Bên")
            ],
        ),
        today=date(2026, 6, 30),
        accept_warnings=True,
    )
    with book.transaction() as session:
        session.execute(update(Person).where(Person.id == small_book["G"]).values(deleted=True))
    now = service.compute(CODE, as_of=date(2026, 4, 30))
    assert now.result("CT14").numerator != finalised.result("CT14").numerator

    # Every number of the finalised report opens exactly as many children as it says.
    for (code, dim, key, part), n in counted.items():
        found = service.drill_list(CODE, code, dim, key, part=part)
        assert len(found.ids) == n, (code, dim, key, part)
        assert found.frozen
    pop = service.drill_list(CODE, "TK0101")
    assert pop.ids == pop_ids
    assert "khi chốt số liệu ngày 30/06/2026 (bản 1)" in pop.basis_vi
    assert "1 hồ sơ trong danh sách nay đã xoá hoặc gộp vào hồ sơ khác." in pop.basis_vi
    assert service.member_ids(CODE, "TK0101") == pop_ids
    # Asked for a day, it is the book now: G is gone, M has not come in on 30/04.
    live = service.drill_list(CODE, "TK0101", as_of=date(2026, 4, 30))
    assert not live.frozen and live.basis_vi == ""
    assert set(live.ids) == set(pop_ids) - {small_book["G"]}


def test_without_the_frozen_ids_the_list_is_the_book_now_and_says_so(
    book: Any, small_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    service.finalise(CODE)
    with book.transaction() as session:
        kept = session.get(ReportSnapshotMembers, service.state(CODE).report_id)
        assert kept is not None and kept.ids_count >= 8 and kept.size_bytes == len(kept.data)
        session.execute(delete(ReportSnapshotMembers))
    found = IndicatorService(book).drill_list(CODE, "TK0101")
    assert not found.frozen and len(found.ids) == 8
    assert "không có trên máy này" in found.basis_vi
    assert "theo sổ hiện nay" in found.basis_vi


def test_a_reopened_report_lists_the_book_now(book: Any, small_book: dict[str, str]) -> None:
    service = IndicatorService(book)
    service.finalise(CODE)
    service.reopen(CODE, "Tư pháp báo thêm khai sinh")
    found = service.drill_list(CODE, "TK0101")
    assert not found.frozen and found.basis_vi == "" and len(found.ids) == 8
    # The second version keeps its own frozen ids.
    service.finalise(CODE)
    assert "(bản 2)" in service.drill_list(CODE, "TK0101").basis_vi


def test_damaged_frozen_ids_fall_back_to_the_book_now(
    book: Any, small_book: dict[str, str]
) -> None:
    service = IndicatorService(book)
    service.finalise(CODE)
    with book.transaction() as session:
        session.execute(update(ReportSnapshotMembers).values(data=b"\x00damaged"))
    found = IndicatorService(book).drill_list(CODE, "TK0101")
    assert not found.frozen and len(found.ids) == 8
    assert "danh sách trẻ lúc chốt bị hỏng, không đọc được: đây là các trẻ theo sổ hiện nay" in (
        found.basis_vi
    )
