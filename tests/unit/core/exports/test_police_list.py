"""Đề án 06: the list sent to the commune police and the list they send back."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from desktop.core.importer.reader import ImportFileError
from desktop.core.reports.xlsx_list import INFO_SHEET, POLICE_ID, POLICE_KEY, POLICE_SHEET
from desktop.core.services.book import Book
from desktop.core.services.exports import ExportService
from desktop.core.storage.models import ChangeEvent, Person
from tests.unit.core.exports.conftest import TODAY, person_id

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())

HEAD = 6  # the header row of the list


def _export(book: Book, tmp_path: Path) -> Path:
    target = tmp_path / "ds-xac-minh.xlsx"
    written = ExportService(book).write_police_list(target, on=TODAY)
    assert written.rows == 3
    return target


def _answer(path: Path, ids: dict[str, str], shuffle: bool = True) -> Path:
    """Fill in the police column by child's name, re-sorting the rows as a person might."""
    workbook = load_workbook(path)
    sheet = workbook[POLICE_SHEET]
    headers = [c.value for c in sheet[HEAD]]
    name_col = headers.index("Họ tên trẻ")
    id_col = headers.index(POLICE_ID)
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=HEAD + 1, max_row=HEAD + 3)]
    if shuffle:
        random.Random(3).shuffle(rows)
        rows.reverse()
    for offset, values in enumerate(rows, start=HEAD + 1):
        values[id_col] = ids.get(values[name_col], values[id_col])
        for column, value in enumerate(values, start=1):
            sheet.cell(row=offset, column=column, value=value)
    answered = path.with_name("cong-an-tra-lai.xlsx")
    workbook.save(answered)
    return answered


def test_the_list_holds_the_children_whose_id_is_missing_or_disagrees(
    commune: Book, tmp_path: Path
) -> None:
    rows = ExportService(commune).police_candidates(TODAY)
    by_name = {r.full_name: r for r in rows}
    assert set(by_name) == {"Nguyễn Văn Nam", "Lê Thị Bé", "Hoàng Thị Dua"}
    assert by_name["Nguyễn Văn Nam"].reasons == ("Chưa có số định danh",)
    assert "giới tính" in by_name["Lê Thị Bé"].reasons[0]
    assert by_name["Lê Thị Bé"].mother == "Trần Thị Hoa"
    assert by_name["Nguyễn Văn Nam"].key == person_id(commune, "Nguyễn Văn Nam")

    workbook = load_workbook(_export(commune, tmp_path))
    sheet = workbook[POLICE_SHEET]
    headers = [c.value for c in sheet[HEAD]]
    assert POLICE_KEY in headers and POLICE_ID in headers
    assert sheet.cell(row=HEAD + 1, column=headers.index(POLICE_ID) + 1).number_format == "@"
    assert workbook[INFO_SHEET]["B2"].value == "12345"


def test_the_returned_list_sets_the_ids_whatever_the_order(commune: Book, tmp_path: Path) -> None:
    sent = _export(commune, tmp_path)
    with commune.transaction() as session:
        be = session.get(Person, person_id(commune, "Lê Thị Bé"))
        assert be is not None
        # Explained meanwhile by the officer; the police's number replaces the explanation.
        be.id_check_override = "Giấy khai sinh ghi như vậy"
    answered = _answer(
        sent,
        {
            "Nguyễn Văn Nam": "038212001122",
            "Lê Thị Bé": "038321000001",
            "Hoàng Thị Dua": None,  # type: ignore[dict-item]
        },
    )
    report = ExportService(commune).import_police_list(answered, today=TODAY)
    assert report.backup_file is not None and report.backup_file.exists()
    assert {c.full_name: (c.old_id, c.new_id) for c in report.changed} == {
        "Nguyễn Văn Nam": ("", "038212001122"),
        "Lê Thị Bé": ("038221000001", "038321000001"),
    }
    assert [p.full_name for p in report.not_found] == ["Hoàng Thị Dua"]
    assert report.problems == []
    with commune.read() as session:
        nam = session.get(Person, person_id(commune, "Nguyễn Văn Nam"))
        assert nam is not None and nam.id_number == "038212001122"
        be = session.get(Person, person_id(commune, "Lê Thị Bé"))
        assert be is not None and (be.id_number, be.id_check_override) == ("038321000001", "")
        events = session.scalars(select(ChangeEvent).where(ChangeEvent.event_code == "BD09")).all()
        assert len(events) == 2
        assert "Công an xã" in events[0].details
    text = "\n".join(report.lines())
    assert "Đã cập nhật số định danh: 2 trẻ." in text
    assert "038221000001 → 038321000001" in text

    again = ExportService(commune).import_police_list(answered, today=TODAY)
    assert again.changed == []
    assert len(again.confirmed) == 2
    assert again.backup_file is None


def test_rows_that_cannot_be_applied_are_reported(commune: Book, tmp_path: Path) -> None:
    path = _export(commune, tmp_path)
    workbook = load_workbook(path)
    sheet = workbook[POLICE_SHEET]
    headers = [c.value for c in sheet[HEAD]]
    key, number = headers.index(POLICE_KEY) + 1, headers.index(POLICE_ID) + 1
    sheet.cell(row=HEAD + 1, column=number, value="03821200")  # too short
    sheet.cell(row=HEAD + 2, column=key, value="đã bị xóa")  # key destroyed
    sheet.cell(row=HEAD + 2, column=number, value="038212001122")
    sheet.cell(row=HEAD + 3, column=number, value="038085001234")  # the head's own ID
    workbook.save(path)
    report = ExportService(commune).import_police_list(path, today=TODAY)
    assert report.changed == []
    messages = [p.message for p in report.problems]
    assert any("không đủ 12 chữ số" in m for m in messages)
    assert any("mã đối chiếu" in m for m in messages)
    assert any("đã thuộc “Nguyễn Văn Hùng”" in m for m in messages)


def test_a_number_written_for_two_children_is_not_applied(commune: Book, tmp_path: Path) -> None:
    answered = _answer(
        _export(commune, tmp_path),
        {"Nguyễn Văn Nam": "038212001122", "Hoàng Thị Dua": "038212001122"},
        shuffle=False,
    )
    report = ExportService(commune).import_police_list(answered, today=TODAY)
    assert report.changed == []
    assert len([p for p in report.problems if "cũng được ghi" in p.message]) == 2


def test_a_list_of_another_commune_or_another_file_is_refused(
    commune: Book, tmp_path: Path
) -> None:
    path = _export(commune, tmp_path)
    workbook = load_workbook(path)
    workbook[INFO_SHEET]["B2"] = "99999"
    workbook.save(path)
    with pytest.raises(ImportFileError, match="mã 99999"):
        ExportService(commune).import_police_list(path, today=TODAY)
    other = tmp_path / "khac.xlsx"
    load_workbook(path).save(other)
    workbook = load_workbook(other)
    del workbook[POLICE_SHEET]
    workbook.save(other)
    with pytest.raises(ImportFileError, match="không phải danh sách xác minh"):
        ExportService(commune).import_police_list(other, today=TODAY)
