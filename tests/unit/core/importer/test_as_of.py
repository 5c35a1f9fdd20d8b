"""A list kept on a past date imports whole: ages and rules are judged on the list's date."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.core.importer.reader import ImportFileError
from desktop.core.services.book import Book
from desktop.core.services.imports import ImportService
from desktop.core.services.reports import ReportService
from desktop.core.storage.models import ChangeEvent, Person, SpecialEpisode
from tests.unit.core.importer.conftest import row, write_xlsx

# The import happens on 10/03/2027; the list was made on 31/01/2026.
pytestmark = pytest.mark.today("2027-03-10")
AS_OF = date(2026, 1, 31)


def _list(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "danh-sach-cu.xlsx",
        [
            # 16 on 15/06/2026: a child on the list's date, 16 today.
            row(name="Lò Thị Hiền", born="15/06/2010", id_number="", special="1",
                schooling="Trung học cơ sở"),
            # 16 on 01/02/2026, the day after the list's date: still a child on it.
            row(name="Lò Văn Khánh", born="01/02/2010", sex="Nam", id_number="",
                schooling="Trung học cơ sở"),
            # A child on both days.
            row(name="Lò Thị Mai", born="05/09/2019", id_number=""),
        ],
    )  # fmt: skip


def test_a_child_who_aged_since_the_list_is_imported_whole(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    preview = service.preview(_list(tmp_path), as_of=AS_OF)
    summary = preview.summary
    assert (summary.created, summary.rejected) == (3, 0)
    assert (summary.children, summary.adults) == (3, 0)  # judged on 31/01/2026
    assert summary.aged_out == 2
    text = "\n".join(summary.lines())
    assert "Số liệu tính đến ngày: 31/01/2026" in text
    assert "2 trẻ đã đủ 16 tuổi sau ngày của danh sách" in text
    details = {line.full_name: line.details for line in preview.lines()}
    assert "ghi nhận đến ngày 14/06/2026" in details["Lò Thị Hiền"]
    assert "ghi nhận đến ngày 31/01/2026" in details["Lò Văn Khánh"]
    assert "đủ 16" not in details["Lò Thị Mai"]

    service.run(preview)
    with book.read() as session:
        people = {p.full_name: p for p in session.scalars(select(Person))}
        hien = people["Lò Thị Hiền"]
        events = session.scalars(select(ChangeEvent).where(ChangeEvent.event_code == "BD05"))
        turned = {e.person_id: e for e in events}
        assert set(turned) == {hien.id, people["Lò Văn Khánh"].id}
        assert turned[hien.id].event_date == date(2026, 6, 15)
        assert turned[hien.id].automatic
        (episode,) = session.scalars(select(SpecialEpisode)).all()
        assert (episode.person_id, episode.group_no) == (hien.id, 1)
        assert (episode.start_date, episode.end_date) == (AS_OF, date(2026, 6, 14))
        assert all(p.status == "active" and not p.deleted for p in people.values())

    reports = ReportService(book)
    assert reports.population(AS_OF).total == 3  # as they were on the list's date
    assert reports.population(date(2026, 3, 31)).total == 2  # Khánh turned 16 on 01/02
    assert reports.population(date(2027, 3, 10)).total == 1


def test_importing_the_same_old_list_again_adds_nothing(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    service.run(service.preview(_list(tmp_path), as_of=AS_OF))
    again = service.preview(_list(tmp_path), as_of=AS_OF)
    assert (again.summary.created, again.summary.rejected) == (0, 0)
    service.run(again)
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(ChangeEvent)) == 2
        assert session.scalar(select(func.count()).select_from(SpecialEpisode)) == 1


@pytest.mark.parametrize(
    ("as_of", "words"),
    [
        (date(2027, 3, 11), "Số liệu tính đến ngày: 11/03/2027 ở sau hôm nay (10/03/2027)"),
        (date(1899, 12, 31), "Số liệu tính đến ngày: 31/12/1899 trước năm 1900"),
    ],
)
def test_an_impossible_list_date_is_refused_and_nothing_is_written(
    book: Book, tmp_path: Path, as_of: date, words: str
) -> None:
    with pytest.raises(ImportFileError) as caught:
        ImportService(book).preview(_list(tmp_path), as_of=as_of)
    assert words in caught.value.message_vi
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_row_born_after_the_list_date_names_its_column(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "l.xlsx", [row(name="Lò Thị Na", born="01/03/2026")])
    preview = ImportService(book).preview(path, as_of=AS_OF)
    (problem,) = preview.summary.problems
    assert problem.column == "Ngày sinh"
    assert "ở sau ngày của danh sách (số liệu tính đến ngày 31/01/2026)" in problem.text
