"""Importing into a real encrypted book: preview, one transaction, idempotence, conflicts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from desktop import paths
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.importer.headers import MappingSpec
from desktop.core.importer.reader import ImportFileError
from desktop.core.importer.rejected import ERROR_HEADER, ROW_HEADER
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.households import HouseholdService
from desktop.core.services.imports import ImportService
from desktop.core.storage.models import (
    GuardianLink,
    Hamlet,
    Household,
    Person,
    SpecialEpisode,
)
from tests.unit.core.importer.conftest import TODAY, row, write_csv, write_xlsx

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


def _count(book: Book, model: type[Any]) -> int:
    with book.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _person(book: Book, name: str) -> Person:
    with book.read() as session:
        found = session.scalars(select(Person).where(Person.full_name == name)).one()
        session.expunge(found)
        return found


def _family(tmp_path: Path, name: str = "gia-dinh.xlsx") -> Path:
    """Two households: one with a head row (adult), two children; another with one child."""
    return write_xlsx(
        tmp_path / name,
        [
            row(name="Nguyễn Văn Hùng", born="14/03/1985", sex="Nam", id_number="038085001234",
                registered="", schooling="", father="", mother="", notes="Chủ hộ"),
            row(),
            row(name="Nguyễn Văn Nam", born="21/11/2012", sex="Nam", id_number="",
                schooling="Tiểu học", special="4", notes="Khuyết tật vận động"),
            row(hamlet="Bản Nà Lùng", number="3", head="Hoàng Văn Sáng", address="",
                poverty="Nghèo", name="Hoàng Thị Dua", born="2024", sex="Nữ", ethnicity="Hmông",
                id_number="", registered="Chưa", insurance="Không", schooling="Chưa đi học",
                father="Hoàng Văn Sáng", mother="", carer="Lý Thị Pà"),
        ],
    )  # fmt: skip


def test_a_template_file_is_imported_in_full(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    preview = service.preview(_family(tmp_path), today=TODAY)
    summary = preview.summary
    assert (summary.created, summary.updated, summary.unchanged, summary.rejected) == (4, 0, 0, 0)
    assert (summary.children, summary.adults) == (3, 1)
    assert summary.new_hamlets == ("Thôn Đông", "Bản Nà Lùng")
    assert _count(book, Person) == 0  # a preview writes nothing

    result = service.run(preview)
    assert result.summary.done
    assert result.counts.persons_created == 4
    assert result.counts.households_created == 2
    assert result.counts.hamlets_created == 2
    assert _count(book, Hamlet) == 2
    assert _count(book, Household) == 2

    mai = _person(book, "Nguyễn Thị Mai")
    assert mai.birth_date == date(2019, 9, 5)
    assert (mai.sex, mai.ethnicity_code, mai.id_number) == (2, "01", "038319004567")
    assert (mai.birth_registered, mai.insurance_card, mai.schooling_code) == (True, True, "HT03")
    head = _person(book, "Nguyễn Văn Hùng")
    assert head.relation_code == "QH01"  # the head's own row
    dua = _person(book, "Hoàng Thị Dua")
    assert (dua.birth_date, dua.birth_date_estimated) == (date(2024, 7, 1), True)
    assert (dua.ethnicity_code, dua.birth_registered, dua.insurance_card) == ("08", False, False)
    with book.read() as session:
        roles = {
            (g.role, g.full_name)
            for g in session.scalars(select(GuardianLink).where(GuardianLink.child_id == dua.id))
        }
        assert roles == {("father", "Hoàng Văn Sáng"), ("carer", "Lý Thị Pà")}
        episodes = session.scalars(select(SpecialEpisode)).all()
        assert [(e.group_no, e.start_date) for e in episodes] == [(4, TODAY)]
        household = session.scalars(select(Household).where(Household.number == "3")).one()
        assert household.poverty_code == "HN01"


def test_importing_the_same_file_twice_creates_nothing_twice(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    path = _family(tmp_path)
    service.run(service.preview(path, today=TODAY))
    counts = {m: _count(book, m) for m in (Hamlet, Household, Person, GuardianLink, SpecialEpisode)}
    again = service.run(service.preview(path, today=date(2026, 7, 15)))
    assert (again.summary.created, again.summary.updated, again.summary.unchanged) == (0, 0, 4)
    assert again.backup_file is None  # nothing to write, nothing to back up
    assert {m: _count(book, m) for m in counts} == counts


def test_a_backup_is_taken_before_every_import_that_writes(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    result = service.run(service.preview(_family(tmp_path), today=TODAY))
    assert result.backup_file is not None
    assert result.backup_file.exists()
    assert result.backup_file.parent == paths.backups_dir()
    assert result.backup_file.name.startswith("truoc-nhap-")


def test_a_book_changed_since_a_preview_with_nothing_to_write_is_not_written(
    book: Book, tmp_path: Path
) -> None:
    service = ImportService(book)
    path = _family(tmp_path)
    service.run(service.preview(path, today=TODAY))
    preview = service.preview(path, today=TODAY)  # everything unchanged: no backup needed
    with book.transaction() as session:
        mai = session.scalars(select(Person).where(Person.full_name == "Nguyễn Thị Mai")).one()
        mai.schooling_code = "HT04"  # edited meanwhile; the file says Mẫu giáo
    with pytest.raises(ImportFileError, match="xem trước lại"):
        service.run(preview)
    assert _person(book, "Nguyễn Thị Mai").schooling_code == "HT04"


def test_changed_values_update_and_blank_cells_erase_nothing(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    service.run(service.preview(_family(tmp_path), today=TODAY))
    changed = write_xlsx(
        tmp_path / "sua.xlsx",
        [
            row(schooling="Tiểu học", address="Số 7, Thôn Đông", mother="", father="",
                ethnicity="", registered="", insurance="", id_number=""),
        ],
    )  # fmt: skip
    preview = service.preview(changed, today=TODAY)
    plan = preview.plan.rows[0]
    assert plan.action == "update"
    assert {(c.label, c.old, c.new) for c in plan.changes} == {
        ("Địa chỉ", "Số 5, Thôn Đông", "Số 7, Thôn Đông"),
        ("Học tập", "Mẫu giáo", "Tiểu học"),
    }
    service.run(preview)
    mai = _person(book, "Nguyễn Thị Mai")
    assert mai.schooling_code == "HT04"
    assert mai.id_number == "038319004567"  # blank in the file: kept
    assert mai.birth_registered is True
    with book.read() as session:
        assert session.scalar(select(func.count()).select_from(GuardianLink).where(
            GuardianLink.child_id == mai.id)) == 2  # fmt: skip


def test_a_child_matched_by_name_and_birth_when_the_id_was_missing(
    book: Book, tmp_path: Path
) -> None:
    service = ImportService(book)
    service.run(service.preview(_family(tmp_path), today=TODAY))
    with_id = write_xlsx(
        tmp_path / "id.xlsx",
        [row(name="NGUYỄN VĂN NAM", born="21/11/2012", sex="Nam", id_number="038212009999")],
    )
    preview = service.preview(with_id, today=TODAY)
    assert preview.plan.rows[0].action == "update"
    service.run(preview)
    nam = _person(book, "Nguyễn Văn Nam")  # the capitals of the file do not replace the name
    assert nam.id_number == "038212009999"


def test_decomposed_names_and_stray_spaces_are_the_same_person(book: Book, tmp_path: Path) -> None:
    import unicodedata

    service = ImportService(book)
    service.run(service.preview(_family(tmp_path), today=TODAY))
    messy = write_xlsx(
        tmp_path / "nfd.xlsx",
        [
            row(
                name=unicodedata.normalize("NFD", "  Nguyễn   Thị Mai "),
                head=unicodedata.normalize("NFD", "Nguyễn Văn Hùng  "),
                hamlet=" thôn  đông",
                id_number="",
            )
        ],
    )
    preview = service.preview(messy, today=TODAY)
    assert (preview.summary.unchanged, preview.summary.created) == (1, 0)


def test_persons_aged_16_and_over_are_members_not_children(book: Book, tmp_path: Path) -> None:
    from desktop.core.services.reports import ReportService

    service = ImportService(book)
    service.run(service.preview(_family(tmp_path), today=TODAY))
    report = ReportService(book).population(TODAY)
    assert report.total == 3
    assert _count(book, Person) == 4


def test_row_level_errors_name_row_column_and_what_to_do(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "loi.xlsx",
        [
            row(),
            row(name="Lê Thị Bé", born="31/02/2019", id_number="03821900A123"),
            row(name="Lê Văn Tí", born="05/09/19", ethnicity="Khơ mú lai"),
            row(name="", born="01/01/2030"),
            row(name="Trần Văn Già", born="01/01/1890"),
            row(name="Phạm Văn Lớn", born="01/01/2000", special="1"),
        ],
    )
    preview = ImportService(book).preview(path, today=TODAY)
    assert preview.summary.created == 1
    assert preview.summary.rejected == 5
    texts = [p.text for p in preview.summary.problems]
    assert texts[0].startswith("Dòng 5, cột “Ngày sinh”: Ngày 31/02/2019 không tồn tại.")
    assert "Hãy ghi ngày theo dạng dd/mm/yyyy" in texts[0]
    assert any(t.startswith("Dòng 5, cột “Số định danh”") and "chữ cái" in t for t in texts)
    assert any(t.startswith("Dòng 6, cột “Ngày sinh”") and "4 chữ số" in t for t in texts)
    assert any(t.startswith("Dòng 6, cột “Dân tộc”") and "Khơ-mú" in t for t in texts)
    assert any(t.startswith("Dòng 7, cột “Họ tên trẻ”: Chưa ghi.") for t in texts)
    assert any(
        t.startswith("Dòng 7, cột “Ngày sinh”") and "sau ngày của danh sách" in t for t in texts
    )
    assert any(t.startswith("Dòng 8, cột “Ngày sinh”") and "không thể có" in t for t in texts)
    assert any(t.startswith("Dòng 9, cột “Hoàn cảnh đặc biệt”") for t in texts)


def test_rejected_rows_come_back_as_xlsx_and_can_be_imported_after_fixing(
    book: Book, tmp_path: Path
) -> None:
    service = ImportService(book)
    path = write_xlsx(
        tmp_path / "loi.xlsx",
        [row(), row(name="Lê Thị Bé", born="31/02/2019", id_number="038319001111")],
    )
    preview = service.preview(path, today=TODAY)
    service.run(preview)
    rejected = tmp_path / "dong-loi.xlsx"
    assert service.write_rejected(preview, rejected) == 1
    workbook = load_workbook(rejected)
    sheet = workbook.active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    assert values[0][:3] == [ROW_HEADER, ERROR_HEADER, "Thôn/Tổ dân phố"]
    assert values[1][0] == 5
    assert "31/02/2019 không tồn tại" in values[1][1]
    assert values[1][2 + 9] == "038319001111"  # still text with its leading zero
    assert sheet.cell(row=2, column=12).number_format == "@"

    sheet.cell(row=2, column=9, value="28/02/2019")  # the officer fixes the date
    workbook.save(rejected)
    again = service.run(service.preview(rejected, today=TODAY))
    assert (again.summary.created, again.summary.rejected) == (1, 0)
    assert _person(book, "Lê Thị Bé").birth_date == date(2019, 2, 28)


def test_cancelling_leaves_the_book_unchanged(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    HouseholdService(book).add_hamlet("Thôn Đông")
    before = {m: _count(book, m) for m in (Hamlet, Household, Person, GuardianLink)}
    rows = [
        row(name=f"Nguyễn Văn Con {chr(65 + i)}", id_number="", number=str(i)) for i in range(8)
    ]
    preview = service.preview(write_xlsx(tmp_path / "a.xlsx", rows), today=TODAY)

    class Stop(Exception):
        pass

    def progress(done: int, total: int) -> None:
        if done >= 5:
            raise Stop

    with pytest.raises(Stop):
        service.run(preview, progress)
    assert {m: _count(book, m) for m in before} == before


def test_same_name_and_birth_in_two_households_is_a_remark_not_an_error(
    book: Book, tmp_path: Path
) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [row(id_number=""), row(number="13", head="Lê Văn Tám", id_number="")],
    )
    preview = ImportService(book).preview(path, today=TODAY)
    assert preview.summary.created == 2
    assert any("hộ khác" in text for _, text in preview.summary.remarks)


def test_duplicates_within_the_file_are_rejected(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [row(), row(name="Nguyễn Thị Mơ"), row(id_number="", born="06/09/2019")],
    )
    preview = ImportService(book).preview(path, today=TODAY)
    assert preview.summary.created == 1
    texts = [p.text for p in preview.summary.problems]
    assert texts[0].startswith("Dòng 5, cột “Số định danh”: Trùng số định danh với dòng 4")
    assert texts[1].startswith("Dòng 6, cột “Họ tên trẻ”: Trùng họ tên trong cùng hộ với dòng 4")


def test_rows_of_one_household_that_disagree_are_all_rejected(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "a.xlsx",
        [row(), row(name="Nguyễn Văn Bình", id_number="", head="Trần Văn Khác")],
    )
    preview = ImportService(book).preview(path, today=TODAY)
    assert preview.summary.rejected == 2
    assert "ghi chủ hộ khác nhau" in preview.summary.problems[0].text


def test_contradictions_with_the_book_are_rejected(book: Book, tmp_path: Path) -> None:
    service = ImportService(book)
    service.run(service.preview(_family(tmp_path), today=TODAY))
    path = write_xlsx(
        tmp_path / "b.xlsx",
        [
            row(name="Lê Văn Khác", born="01/01/2018", sex="Nam"),  # Mai's ID on someone else
            row(number="40", id_number=""),  # Mai recorded in another household
        ],
    )
    texts = [p.text for p in service.preview(path, today=TODAY).summary.problems]
    assert "đã thuộc “Nguyễn Thị Mai”" in texts[0]
    assert "đã có trong sổ ở hộ số 12 (Thôn Đông)" in texts[1]
    assert "chuyển hộ" in texts[1]


def test_hamlet_names_with_or_without_their_kind_are_the_same_hamlet(
    book: Book, tmp_path: Path
) -> None:
    HouseholdService(book).add_hamlet("Thôn Đông")
    path = write_xlsx(tmp_path / "a.xlsx", [row(hamlet="Đông")])
    preview = ImportService(book).preview(path, today=TODAY)
    assert preview.summary.new_hamlets == ()
    assert preview.summary.matched_hamlets == (("Đông", "Thôn Đông"),)


def test_another_layout_with_a_mapping(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "khac.xlsx",
        [["Thôn Đông", 12, "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "nữ", "Tày"]],
        headers=["Tên thôn", "HỘ", "Người đứng tên", "Tên bé", "Sinh", "Phái", "Dân tộc"],
    )
    service = ImportService(book)
    overview = service.overview(path)
    assert overview.needs_mapping
    assert overview.sample[0][3] == "Nguyễn Thị Mai"
    with pytest.raises(ImportFileError, match="ghép cột"):
        service.preview(path, today=TODAY)
    spec = MappingSpec(
        {
            "hamlet": "Tên thôn",
            "household_number": "HỘ",
            "head_name": "Người đứng tên",
            "full_name": "Tên bé",
            "birth_date": "Sinh",
            "sex": "Phái",
            "ethnicity": "Dân tộc",
        }
    )
    result = service.run(service.preview(path, mapping=spec, today=TODAY))
    assert result.summary.created == 1
    mai = _person(book, "Nguyễn Thị Mai")
    assert (mai.ethnicity_code, mai.sex) == ("02", 2)


def test_csv_imports_like_xlsx(book: Book, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(), row(name="Nguyễn Văn Nam", id_number="")])
    result = ImportService(book).run(ImportService(book).preview(path, today=TODAY))
    assert result.summary.created == 2


def test_a_file_with_only_headers_says_so(book: Book, tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [])
    with pytest.raises(ImportFileError, match="không có dòng dữ liệu"):
        ImportService(book).preview(path, today=TODAY)


def test_roles_without_the_import_right_are_refused(book: Book, tmp_path: Path) -> None:
    for role in (Role.VIEWER, Role.COLLABORATOR):
        book.user = CurrentUser("x", "x", "Người xem", role, frozenset())
        with pytest.raises(PermissionDenied):
            ImportService(book).preview(_family(tmp_path), today=TODAY)
