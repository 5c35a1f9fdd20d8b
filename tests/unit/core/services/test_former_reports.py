"""Reports before the merge for each former commune (issue 17), on hand-made books.

The books are in ``former_hand_books.py``; every expected set below is counted from its
docstring. The annual report of 2024 counts on 31/10/2024 (the default calendar).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import Book
from desktop.core.services.events import EventService
from desktop.core.services.former_communes import former_commune, former_communes
from desktop.core.services.indicators import IndicatorService
from desktop.core.services.reports import ReportService
from desktop.core.storage.models import ChangeEvent, PeriodicReport
from desktop.core.storage.repositories import indicators as indicators_repo
from sync.protocol import SYNC_TABLES
from tests.unit.core.services.former_hand_books import MergedBook, merge_two_former_books

pytestmark = pytest.mark.today("2026-08-15")


@pytest.fixture
def merged(book: Book, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MergedBook:
    return merge_two_former_books(book, monkeypatch, tmp_path / "xa-cu")


def _children(service: IndicatorService, code: str = "2024") -> set[str]:
    """The children under 16 living there on the reference date (TK0101's members)."""
    return set(service.member_ids(code, "TK0101"))


def test_the_book_lists_its_former_communes_from_the_lines_of_the_merge(merged: MergedBook) -> None:
    book, h = merged.book, merged.households
    found = former_communes(book)
    assert [(f.code, f.name, f.merged_on) for f in found] == [
        ("11111", "xã Minh Hưng", date(2026, 8, 15)),
        ("22222", "xã Tân Lập", date(2026, 8, 15)),
    ]
    assert found[0].households == {h["A1"], h["A2"]}
    assert found[1].households == {h["B1"]}
    assert found[0].merged_by == "Nguyễn Văn Quản (admin)"
    assert found[0].title == "Xã Minh Hưng (cũ)"
    rest = former_communes(book, with_rest=True)[-1]
    assert (rest.code, rest.rest, rest.households) == ("12345", True, {h["R1"]})
    assert rest.title == "Xã Hoàng Kim (trước khi gộp)"
    # The record is a change event (synced and backed up with the book): its code in `cause`.
    assert "change_events" in SYNC_TABLES
    with book.read() as session:
        marks = session.scalars(
            select(ChangeEvent).where(ChangeEvent.household_id == h["B1"], ChangeEvent.automatic)
        ).all()
    assert [(e.event_code, e.place, e.cause) for e in marks] == [("BD09", "xã Tân Lập cũ", "22222")]
    # The household's history shows it readably.
    shown = [v for v in EventService(book).household_history(h["B1"]) if v.code == "BD09"]
    assert [(v.place, v.cause) for v in shown] == [("xã Tân Lập cũ", "mã xã cũ 22222")]
    # A book merged before the code was kept in `cause` is read from the line's text.
    with book.transaction() as session:
        for event in session.scalars(select(ChangeEvent).where(ChangeEvent.cause == "22222")):
            event.cause = ""
    assert [(f.code, f.households) for f in former_communes(book)][1] == ("22222", {h["B1"]})
    with pytest.raises(ValidationError) as refused:
        former_commune(book, "99999")
    assert "Sổ này không có xã cũ mã 99999" in refused.value.message_vi
    assert "Xã Minh Hưng (cũ), mã 11111, gộp sổ ngày 15/08/2026" in refused.value.message_vi


def test_each_former_commune_counts_exactly_its_children(merged: MergedBook) -> None:
    book, ids = merged.book, merged.ids
    minh_hung = IndicatorService(book, former_commune(book, "11111"))
    tan_lap = IndicatorService(book, former_commune(book, "22222"))
    rest = IndicatorService(book, former_commune(book, "12345"))
    # Minh Hưng on 31/10/2024: a1, a2 and the twin; the mover had left on 01/06/2024, the
    # late child was not born yet.
    assert _children(minh_hung) == {ids["a1"], ids["a2"], ids["twin"]}
    # Tân Lập: b1, the mover (come on 03/06/2024, his record is Minh Hưng's now) and the twin
    # (Tân Lập's record was folded into Minh Hưng's: both books held him, both counted him).
    assert _children(tan_lap) == {ids["b1"], ids["mover"], ids["twin"]}
    assert _children(rest) == {ids["rest"]}
    report = minh_hung.compute("2024")
    assert report.result("TK0101").value == 3
    # The drill-down lists the same children, by name.
    names = {row.full_name for row in minh_hung.drill_down("2024", "TK0101")}
    assert names == {"Trần Thị An", "Trần Văn Bình", "Trần Văn Song"}
    # By sex: Minh Hưng's girl is a1 alone.
    girls = minh_hung.member_ids("2024", "TK0101", "sex", "2")
    assert girls == [ids["a1"]]


def test_the_mover_is_in_the_commune_he_lived_in_on_each_date(merged: MergedBook) -> None:
    book, ids = merged.book, merged.ids
    minh_hung = IndicatorService(book, former_commune(book, "11111"))
    tan_lap = IndicatorService(book, former_commune(book, "22222"))
    # 30/04/2024 (the first half-year's reference date): still in Minh Hưng.
    assert ids["mover"] in _children(minh_hung, "2024-H1")
    assert ids["mover"] not in _children(tan_lap, "2024-H1")
    # 31/08/2024 (nine months): in Tân Lập.
    assert ids["mover"] not in _children(minh_hung, "2024-9M")
    assert ids["mover"] in _children(tan_lap, "2024-9M")
    # A reference date moved to 02/06/2024: gone from Minh Hưng, not yet come to Tân Lập.
    on = date(2024, 6, 2)
    assert ids["mover"] not in set(minh_hung.member_ids("2024", "TK0101", as_of=on))
    assert ids["mover"] not in set(tan_lap.member_ids("2024", "TK0101", as_of=on))


def test_the_new_communes_own_report_is_unchanged(merged: MergedBook) -> None:
    book, ids = merged.book, merged.ids
    # The former communes' reports computed first leave nothing behind.
    for code in ("11111", "22222", "12345"):
        IndicatorService(book, former_commune(book, code)).write(
            "2024", book.path.parent / f"bc-{code}.pdf", "pdf"
        )
    own = IndicatorService(book)
    # Every child once: the rest, Minh Hưng's three, the mover, Tân Lập's b1.
    everyone = {ids["rest"], ids["a1"], ids["a2"], ids["twin"], ids["mover"], ids["b1"]}
    assert _children(own) == everyone
    period = own.period("2024")
    with book.read() as session:
        unscoped = indicators_repo.load_book_data(session, period)
    assert {p.id for p in unscoped.persons if p.resident} == everyone
    assert own.former is None and own.former_reason_vi() == ""
    # It is finalised as before: its numbers frozen under this commune's report.
    assert own.finalise("2024").state == "finalised"
    assert own.compute("2024").result("TK0101").value == 6
    assert own.drill_list("2024", "TK0101").frozen
    # A former commune's list is never the new commune's frozen one: its own children.
    minh_hung = IndicatorService(book, former_commune(book, "11111"))
    found = minh_hung.drill_list("2024", "TK0101")
    assert not found.frozen and found.basis_vi == ""
    assert set(found.ids) == {ids["a1"], ids["a2"], ids["twin"]}


def test_a_period_after_the_merge_is_refused(merged: MergedBook) -> None:
    book = merged.book
    minh_hung = IndicatorService(book, former_commune(book, "11111"))
    # The year 2026 counts on 31/10/2026, after the merge of 15/08/2026.
    with pytest.raises(ValidationError) as refused:
        minh_hung.compute("2026")
    text = refused.value.message_vi
    assert "Kỳ năm 2026 tính đến ngày 31/10/2026" in text
    assert "không kết thúc trước ngày gộp sổ của xã Minh Hưng (cũ) là 15/08/2026" in text
    assert "báo cáo của xã mới" in text
    # A reference date moved onto the merge day is refused too; the day before is not.
    with pytest.raises(ValidationError):
        minh_hung.compute("2026-9M", date(2026, 8, 15))
    assert minh_hung.compute("2026-9M", date(2026, 8, 14)).period.reference == date(2026, 8, 14)
    with pytest.raises(ValidationError) as population:
        ReportService(book).population(date(2026, 8, 15), former_commune(book, "22222"))
    assert "Báo cáo dân số trẻ em tính đến ngày 15/08/2026" in population.value.message_vi


def test_a_former_communes_report_is_printed_but_never_finalised(
    merged: MergedBook, tmp_path: Path
) -> None:
    book = merged.book
    tan_lap = IndicatorService(book, former_commune(book, "22222"))
    header = tan_lap.header("2024")
    assert (header.issuing_body, header.unit_name) == ("ỦY BAN NHÂN DÂN", "Xã Tân Lập (cũ)")
    assert header.summary == "Kết quả thực hiện công tác trẻ em năm 2024 của xã Tân Lập (cũ)"
    content = tan_lap.content("2024")
    assert content.title.endswith("của xã Tân Lập (cũ)")
    assert "không phải báo cáo của xã mới" in content.state_line
    for fmt in ("pdf", "xlsx"):
        out = tmp_path / f"bc-tan-lap.{fmt}"
        assert tan_lap.write("2024", out, fmt).result("TK0101").value == 3
        assert out.stat().st_size > 1000
    reason = tan_lap.former_reason_vi()
    assert "không chốt, không lưu và không gửi lên cấp trên" in reason
    for step in (
        lambda: tan_lap.finalise("2024"),
        lambda: tan_lap.review("2024"),
        lambda: tan_lap.save_narrative("2024", {}),
        lambda: tan_lap.reopen("2024", "sửa số liệu"),
    ):
        with pytest.raises(ValidationError) as refused:
            step()
        assert refused.value.message_vi == reason
    assert tan_lap.state("2024").state_vi == "Báo cáo của xã cũ (không chốt)"
    with book.read() as session:
        assert session.scalars(select(PeriodicReport)).all() == []


def test_population_of_a_former_commune_before_the_merge(
    merged: MergedBook, tmp_path: Path
) -> None:
    book, ids = merged.book, merged.ids
    service = ReportService(book)
    on = date(2024, 12, 31)
    minh_hung = service.population(on, former_commune(book, "11111"))
    assert minh_hung.total == 3
    assert sorted(i for cell in minh_hung.members.values() for i in cell) == sorted(
        [ids["a1"], ids["a2"], ids["twin"]]
    )
    assert minh_hung.table.commune_name == "Xã Minh Hưng (cũ)"
    # The late child is born on 01/02/2025: in Minh Hưng's population of 30/06/2025.
    assert service.population(date(2025, 6, 30), former_commune(book, "11111")).total == 4
    tan_lap = service.population(on, former_commune(book, "22222"))
    assert tan_lap.total == 3
    out = tmp_path / "dan-so-tan-lap.pdf"
    service.write_population(on, out, "pdf", former=former_commune(book, "22222"))
    assert out.stat().st_size > 1000
