"""Bringing a former commune's template Excel list into the new commune's book (issue 17)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.importer.reader import ImportFileError
from desktop.core.importer.rejected import ERROR_HEADER
from desktop.core.services.backup import BackupKind, list_backups
from desktop.core.services.book import Book, open_book
from desktop.core.services.merge_book import HAMLET_CREATE, HAMLET_MERGE
from desktop.core.services.merge_book_files import read_hamlet_map
from desktop.core.services.merge_list import MergeListPreview, MergeListService
from desktop.core.services.users import NewUser, UserService
from desktop.core.storage.models import (
    AuditEntry,
    ChangeEvent,
    GuardianLink,
    Hamlet,
    Household,
    MergeRecord,
    Person,
)
from tests.unit.core.importer.conftest import TODAY, row, write_xlsx
from tests.unit.core.services.former_lists import MAI_ID, fill_new_book, former_list

pytestmark = pytest.mark.today(TODAY.isoformat())

# The mapping the officer settles on: Thôn Đông joins Thôn Đông, Xóm Chợ joins Thôn Tây,
# Xóm Bến becomes a new hamlet under a new name.
MAPPING = {"Thôn Đông": "thôn đông", "Xóm Chợ": "Thôn Tây", "Xóm Bến": "Thôn Bến Mới"}


def _count(book: Book, model: type[Any], *where: Any) -> int:
    with book.read() as session:
        query = select(func.count()).select_from(model)
        for condition in where:
            query = query.where(condition)
        return int(session.scalar(query) or 0)


def _counts(book: Book) -> dict[str, int]:
    return {
        m.__tablename__: _count(book, m)
        for m in (Hamlet, Household, Person, GuardianLink, ChangeEvent, MergeRecord)
    }


@pytest.fixture
def new_book(book: Book, tmp_path: Path) -> Book:
    fill_new_book(book, tmp_path)
    return book


def _preview(
    book: Book, path: Path, targets: dict[str, str] | None = None
) -> tuple[MergeListService, MergeListPreview]:
    service = MergeListService(book)
    former = service.former("11111", "xã Minh Hưng")
    imported = service.read(path)
    return service, service.preview(former, imported, targets)


def _targets(preview: MergeListPreview, by_name: dict[str, str]) -> dict[str, str]:
    return {h.former_id: by_name[h.former_name] for h in preview.hamlets}


def _pairs(preview: MergeListPreview, name: str) -> list[tuple[str, str]]:
    return [(d.existing_id, d.incoming_id) for d in preview.duplicates if d.incoming_name == name]


def _person_id(book: Book, name: str) -> str:
    with book.read() as session:
        return str(
            session.scalars(
                select(Person.id).where(Person.full_name == name, Person.deleted.is_(False))
            ).one()
        )


def test_the_preview_counts_maps_and_lists_the_children_in_both(
    new_book: Book, tmp_path: Path
) -> None:
    before = _counts(new_book)
    _service, preview = _preview(new_book, former_list(tmp_path))
    # 6 rows: row 9 rejected; 5 persons in 4 households would come, all children.
    assert preview.imported.plan.total_rows == 6
    assert preview.rejected == 1
    (problem,) = preview.problems
    assert problem.row == 9 and problem.column == "Ngày sinh"
    assert problem.text.startswith("Dòng 9, cột “Ngày sinh”:")
    assert (preview.households, preview.persons, preview.children) == (4, 5, 5)
    assert (preview.already_households, preview.already_persons) == (0, 0)
    # Proposed by name: Thôn Đông joins its namesake, the two others are created.
    hamlets = {h.former_name: h for h in preview.hamlets}
    assert [h.former_name for h in preview.hamlets] == ["Thôn Đông", "Xóm Bến", "Xóm Chợ"]
    assert hamlets["Thôn Đông"].action == HAMLET_MERGE
    assert hamlets["Thôn Đông"].target_name == "Thôn Đông"
    assert (hamlets["Thôn Đông"].households, hamlets["Xóm Chợ"].households) == (1, 2)
    assert hamlets["Xóm Chợ"].action == hamlets["Xóm Bến"].action == HAMLET_CREATE
    assert hamlets["Xóm Bến"].action_text == "giữ nguyên, thêm thôn “Xóm Bến”"
    assert preview.hamlets_created == 2
    # Mai by ID number (and her name, birth date and mother), Bình by name, birth date and
    # mother alone; nobody else.
    reasons = {d.incoming_name: d.reason_text for d in preview.duplicates}
    assert reasons == {
        "Nguyễn Thị Mai": "trùng số định danh, trùng họ tên, ngày sinh và tên cha/mẹ",
        "Trần Văn Bình": "trùng họ tên, ngày sinh và tên cha/mẹ",
    }
    mai = next(d for d in preview.duplicates if d.incoming_name == "Nguyễn Thị Mai")
    assert mai.existing_id == _person_id(new_book, "Nguyễn Thị Mai")
    assert mai.incoming_place == "dòng 6, hộ số 5 (Lê Thị Lan), Xóm Chợ, xã Minh Hưng cũ"
    assert mai.existing_place == "hộ số 12 (Nguyễn Văn Hùng), Thôn Đông"
    assert preview.warnings == (
        "1 thôn của danh sách trùng tên với thôn đã có trong sổ nên được đề xuất gộp vào thôn "
        "đó. Nếu là hai thôn khác nhau (ví dụ “Thôn 1” của hai xã cũ), hãy ghi tên khác ở cột "
        "“Thôn mới”.",
        "1 hộ của danh sách trùng số hộ với hộ đã có trong thôn “Thôn Đông”: số hộ được giữ "
        "nguyên; hãy đánh lại số hộ sau khi gộp.",
    )
    text = "\n".join(preview.lines())
    assert "Danh sách của xã Minh Hưng cũ (mã 11111): ds-minh-hung.xlsx" in text
    assert "Số dòng dữ liệu: 6, trong đó 1 dòng có lỗi (không chuyển sang)." in text
    assert "  Hộ gia đình: 4" in text
    assert "  Xóm Chợ (2 hộ) → giữ nguyên, thêm thôn “Xóm Chợ”" in text
    assert "Có thể đã có trong sổ (2 cặp, cần xác nhận):" in text
    assert "Dòng 9, cột “Ngày sinh”" in text
    assert _counts(new_book) == before  # a preview writes nothing


def test_apply_brings_the_list_once_with_history_and_only_confirmed_merges(
    new_book: Book, tmp_path: Path
) -> None:
    path = former_list(tmp_path)
    before = _counts(new_book)
    service, proposal = _preview(new_book, path)
    targets = _targets(proposal, MAPPING)
    preview = service.preview(proposal.former, proposal.imported, targets)
    hamlets = {h.former_name: h for h in preview.hamlets}
    assert hamlets["Xóm Chợ"].action_text == "gộp vào thôn “Thôn Tây” đã có"
    assert hamlets["Xóm Bến"].action_text == "đổi tên, thêm thôn “Thôn Bến Mới”"
    mai_here = _person_id(new_book, "Nguyễn Thị Mai")
    binh_here = _person_id(new_book, "Trần Văn Bình")
    confirmed = _pairs(preview, "Nguyễn Thị Mai")  # Bình is left for the officer to check

    result = service.apply(preview, targets, confirmed)

    assert (result.households, result.persons, result.hamlets_created) == (4, 5, 1)
    assert result.history_lines == 4 and result.merged_pairs == 1
    after = _counts(new_book)
    assert after["hamlets"] == before["hamlets"] + 1
    assert after["households"] == before["households"] + 4
    assert after["persons"] == before["persons"] + 5
    assert after["merge_records"] == before["merge_records"] + 1
    with new_book.read() as session:
        names = set(session.scalars(select(Hamlet.name)))
        assert names == {"Thôn Đông", "Thôn Tây", "Thôn Bến Mới"}
        by_hamlet = dict(
            session.execute(
                select(Hamlet.name, func.count(Household.id))
                .join(Household, Household.hamlet_id == Hamlet.id)
                .group_by(Hamlet.name)
            ).all()
        )
        assert by_hamlet == {"Thôn Đông": 2, "Thôn Tây": 3, "Thôn Bến Mới": 1}
        # Each household brought in carries the former commune on its history.
        events = list(session.scalars(select(ChangeEvent).where(ChangeEvent.event_code == "BD09")))
        assert len(events) == 4
        assert {e.place for e in events} == {"xã Minh Hưng cũ"}
        assert events[0].details.startswith(
            "Thuộc xã Minh Hưng cũ (mã 11111). Chuyển sang sổ Xã Hoàng Kim khi gộp sổ ngày "
            "30/06/2026, người gộp: Nguyễn Văn Quản"
        )
        # Mai: one live record, this book's, with the list's record folded into it.
        mais = list(session.scalars(select(Person).where(Person.id_number == MAI_ID)))
        live = [p for p in mais if not p.deleted]
        assert [p.id for p in live] == [mai_here]
        (merged,) = [p for p in mais if p.deleted]
        assert merged.status == "merged" and merged.merged_into_id == mai_here
        # Bình was not confirmed: two records, never silently joined.
        binhs = session.scalars(
            select(Person).where(Person.full_name == "Trần Văn Bình", Person.deleted.is_(False))
        ).all()
        assert len(binhs) == 2 and binh_here in {p.id for p in binhs}
        # One audit line says which list came, from where, by whom.
        (line,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "merge_list"))
        details = json.loads(line.after or "{}")
    assert details["file"] == "ds-minh-hung.xlsx"
    assert details["from_commune_code"] == "11111"
    assert details["from_commune"] == "xã Minh Hưng"
    assert details["by"].startswith("Nguyễn Văn Quản (")
    assert (details["rows"], details["rows_rejected"], details["persons_created"]) == (6, 1, 5)
    assert details["merged_pairs"] == [list(confirmed[0])]
    assert details["hamlets"] == {
        "Thôn Đông": "Thôn Đông",
        "Xóm Bến": "Thôn Bến Mới",
        "Xóm Chợ": "Thôn Tây",
    }
    # A backup first, of the merge's kind.
    assert result.backup_file is not None and result.backup_file.exists()
    assert details["backup_before"] == result.backup_file.name
    kinds = [b.info.kind for b in list_backups() if b.info]
    assert BackupKind.MERGE in kinds
    assert "Đã gộp danh sách của xã Minh Hưng cũ: 4 hộ, 5 nhân khẩu, 1 thôn mới" in (
        result.message_vi()
    )

    # The same list, the same mapping and pairs again: nothing is created twice.
    service, proposal = _preview(new_book, path)
    again = service.preview(proposal.former, proposal.imported, targets)
    assert again.nothing_new and again.duplicates == ()
    assert (again.already_households, again.already_persons) == (4, 5)
    second = service.apply(again, targets, confirmed)
    assert second.backup_file is None and second.persons == 0
    assert second.message_vi() == (
        "Danh sách của xã Minh Hưng cũ đã được gộp từ trước: không có gì mới, sổ không thay đổi."
    )
    assert _counts(new_book) == after


def test_a_fixed_row_comes_alone_the_next_time(new_book: Book, tmp_path: Path) -> None:
    service, proposal = _preview(new_book, former_list(tmp_path))
    targets = _targets(proposal, MAPPING)
    service.apply(service.preview(proposal.former, proposal.imported, targets), targets)
    after = _counts(new_book)
    fixed = former_list(tmp_path, "ds-da-sua.xlsx", bad_birth="28/02/2019")
    service, proposal = _preview(new_book, fixed, None)
    preview = service.preview(proposal.former, proposal.imported, targets)
    assert preview.rejected == 0
    assert (preview.households, preview.persons, preview.hamlets_created) == (0, 1, 0)
    result = service.apply(preview, targets)
    assert (result.households, result.persons, result.history_lines) == (0, 1, 0)
    assert _counts(new_book)["persons"] == after["persons"] + 1
    with new_book.read() as session:
        hai = session.scalars(select(Person).where(Person.full_name == "Hà Văn Hải")).one()
        home = session.get(Household, hai.household_id)
        assert home is not None and home.head_name == "Hà Văn Sơn"


def test_the_hamlet_map_file_feeds_the_mapping(new_book: Book, tmp_path: Path) -> None:
    service, proposal = _preview(new_book, former_list(tmp_path))
    csv_file = tmp_path / "thon.csv"
    csv_file.write_text(
        "Thôn cũ,Thôn mới\r\nthon dong,Thôn Đông\r\nXóm Chợ,Thôn Tây\r\nXóm Bến,Xóm Bến\r\n",
        encoding="utf-8-sig",
    )
    targets = read_hamlet_map(csv_file, proposal.hamlets)
    preview = service.preview(proposal.former, proposal.imported, targets)
    assert {h.former_name: h.target_name for h in preview.hamlets} == {
        "Thôn Đông": "Thôn Đông",
        "Xóm Bến": "Xóm Bến",
        "Xóm Chợ": "Thôn Tây",
    }
    csv_file.write_text("Thôn cũ,Thôn mới\r\nXóm Chùa,Thôn Tây\r\n", encoding="utf-8-sig")
    with pytest.raises(ValidationError) as caught:
        read_hamlet_map(csv_file, proposal.hamlets)
    assert caught.value.problems[0].message == (
        "Tệp thon.csv, dòng 2, cột “Thôn cũ”: sổ xã cũ không có thôn “Xóm Chùa” (các thôn của "
        "sổ xã cũ: “Thôn Đông”, “Xóm Bến”, “Xóm Chợ”)."
    )


def test_the_former_commune_must_be_named_rightly(new_book: Book) -> None:
    service = MergeListService(new_book)
    for code, name, message in (
        ("12345", "xã Minh Hưng",
         "Mã xã cũ: 12345 là mã của chính Xã Hoàng Kim đang dùng. Hãy ghi mã của xã cũ (trước "
         "ngày 01/07/2025) mà danh sách này thuộc về."),
        ("1111", "xã Minh Hưng", "Mã xã cũ: Mã xã “1111” phải gồm đúng 5 chữ số, ví dụ 12345."),
        ("11111", "  xã ",
         "Tên xã cũ: chưa ghi. Hãy ghi tên xã cũ, ví dụ “xã Minh Hưng”: tên này được ghi vào "
         "lịch sử mỗi hộ (“thuộc xã Minh Hưng cũ”)."),
    ):  # fmt: skip
        with pytest.raises(ValidationError) as caught:
            service.former(code, name)
        assert [p.message for p in caught.value.problems] == [message]
    assert service.former("11111", "Minh Hưng").display_name == "xã Minh Hưng"
    assert service.former(" 22222 ", "PHƯỜNG An Lạc").display_name == "phường An Lạc"
    # One commune, one id: every list of Minh Hưng lands on the same records.
    assert service.former("11111", "xã Minh Hưng").book_id == (
        service.former("11111", "Xã Minh Hưng").book_id
    )


def test_a_hamlet_left_out_or_blank_is_refused(new_book: Book, tmp_path: Path) -> None:
    service, proposal = _preview(new_book, former_list(tmp_path))
    targets = _targets(proposal, MAPPING)
    cho = next(h for h in proposal.hamlets if h.former_name == "Xóm Chợ")
    del targets[cho.former_id]
    before = _counts(new_book)
    with pytest.raises(ValidationError) as caught:
        service.apply(proposal, targets)
    assert [p.message for p in caught.value.problems] == [
        "Thôn “Xóm Chợ” của xã cũ (2 hộ) chưa được ghép với thôn nào của xã mới. Hãy ghi thôn "
        "mới cho thôn này."
    ]
    targets[cho.former_id] = "  "
    with pytest.raises(ValidationError) as caught:
        service.preview(proposal.former, proposal.imported, targets)
    assert "được ghép với một thôn để trống" in caught.value.problems[0].message
    assert _counts(new_book) == before
    assert list_backups() == [] or all(b.info.kind != BackupKind.MERGE for b in list_backups())


def test_two_spellings_of_one_hamlet_are_refused(new_book: Book, tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "hai-cach-ghi.xlsx",
        [
            row(hamlet="Thôn Bắc", number="1", id_number=""),
            row(hamlet="Bắc", number="2", name="Lê Văn Bảy", id_number=""),
        ],
    )
    service = MergeListService(new_book)
    imported = service.read(path)
    with pytest.raises(ValidationError) as caught:
        service.preview(service.former("11111", "xã Minh Hưng"), imported)
    (problem,) = caught.value.problems
    assert problem.row == 5
    assert problem.message == (
        "Cột “Thôn/Tổ dân phố”: danh sách ghi “Thôn Bắc” (dòng 4) và “Bắc” (dòng 5); không rõ "
        "là một thôn hay hai thôn khác nhau. Hãy sửa cột này cho thống nhất (cùng một thôn thì "
        "ghi cùng một tên) rồi xem trước lại. Chưa có gì được ghi."
    )


def test_two_hamlets_of_the_list_given_one_new_name_become_one(
    new_book: Book, tmp_path: Path
) -> None:
    service, proposal = _preview(new_book, former_list(tmp_path))
    targets = _targets(
        proposal, {"Thôn Đông": "Thôn Đông", "Xóm Chợ": "thôn mới", "Xóm Bến": "Thôn Mới"}
    )
    preview = service.preview(proposal.former, proposal.imported, targets)
    hamlets = {h.former_name: h for h in preview.hamlets}
    assert hamlets["Xóm Bến"].action == HAMLET_CREATE
    assert hamlets["Xóm Chợ"].action_text == "gộp cùng thôn cũ khác vào thôn mới “Thôn Mới”"
    result = service.apply(preview, targets)
    assert result.hamlets_created == 1
    with new_book.read() as session:
        (new,) = session.scalars(select(Hamlet).where(Hamlet.name_key == "thon moi"))
        assert _count(new_book, Household, Household.hamlet_id == new.id) == 3


def test_a_damaged_or_empty_file_writes_nothing(new_book: Book, tmp_path: Path) -> None:
    before = _counts(new_book)
    damaged = tmp_path / "hong.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    service = MergeListService(new_book)
    with pytest.raises(ImportFileError) as caught:
        service.read(damaged)
    assert caught.value.message_vi.startswith(
        "Tệp “hong.xlsx” bị hỏng hoặc chưa tải về đầy đủ (không mở được như tệp Excel)."
    )
    empty = write_xlsx(tmp_path / "trong.xlsx", [])
    with pytest.raises(ImportFileError) as caught:
        service.read(empty)
    assert caught.value.message_vi == (
        "Tệp “trong.xlsx” không có dòng dữ liệu nào dưới dòng tiêu đề (dòng 3)."
    )
    assert _counts(new_book) == before


def test_the_rejected_rows_are_written_back_with_their_error(
    new_book: Book, tmp_path: Path
) -> None:
    service, preview = _preview(new_book, former_list(tmp_path))
    target = tmp_path / "dong-loi.xlsx"
    assert service.write_rejected(preview, target) == 1
    sheet = load_workbook(target).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    header = values[0]
    error = values[1][header.index(ERROR_HEADER)]
    assert isinstance(error, str) and "Ngày sinh" in error
    assert "Hà Văn Hải" in values[1]


def test_a_second_run_proposes_where_the_first_put_the_households(
    new_book: Book, tmp_path: Path
) -> None:
    path = former_list(tmp_path)
    service, proposal = _preview(new_book, path)
    targets = _targets(proposal, MAPPING)
    service.apply(service.preview(proposal.former, proposal.imported, targets), targets)
    after = _counts(new_book)
    # The wizard proposes again by itself: Xóm Chợ's households are in Thôn Tây now, Xóm Bến
    # is the hamlet made the first time; nothing is created, not even an empty hamlet.
    _service, again = _preview(new_book, path)
    where = {h.former_name: h.target_name for h in again.hamlets}
    assert where == {"Thôn Đông": "Thôn Đông", "Xóm Bến": "Thôn Bến Mới", "Xóm Chợ": "Thôn Tây"}
    assert again.nothing_new and again.hamlets_created == 0
    result = service.apply(again, None)
    assert result.backup_file is None
    # Mapped otherwise the second time: still nothing, since every household is here.
    other = _targets(again, {"Thôn Đông": "Thôn Đông", "Xóm Chợ": "Xóm Chợ", "Xóm Bến": "Bến"})
    moved = service.preview(again.former, again.imported, other)
    assert moved.nothing_new
    assert service.apply(moved, other).persons == 0
    assert _counts(new_book) == after


def test_only_administrators_bring_a_list(book: Book) -> None:
    UserService(book).add_user(NewUser("canbo2", "Cán bộ", Role.OFFICER, "mk-can-bo-2026"))
    officer = open_book("canbo2", "mk-can-bo-2026")
    try:
        with pytest.raises(PermissionDenied):
            MergeListService(officer).former("11111", "xã Minh Hưng")
    finally:
        officer.close()


def test_the_lists_date_counts_and_later_16th_birthdays_are_recorded(
    new_book: Book, tmp_path: Path
) -> None:
    # On 01/01/2026 Tâm was 15; she turned 16 on 15/03/2026, before today (30/06/2026).
    path = write_xlsx(
        tmp_path / "ds-cu.xlsx",
        [row(hamlet="Xóm Mới", number="2", name="Đỗ Thị Tâm", born="15/03/2010", id_number="")],
    )
    service = MergeListService(new_book)
    former = service.former("11111", "xã Minh Hưng")
    imported = service.read(path, as_of=date(2026, 1, 1))
    preview = service.preview(former, imported)
    assert preview.children == 1
    assert "Số liệu tính đến ngày: 01/01/2026" in preview.lines()
    result = service.apply(preview, None)
    assert result.sixteenth_birthdays == 1
    with new_book.read() as session:
        tam = session.scalars(select(Person).where(Person.full_name == "Đỗ Thị Tâm")).one()
        codes = {
            (e.event_code, e.event_date)
            for e in session.scalars(select(ChangeEvent).where(ChangeEvent.person_id == tam.id))
        }
    assert ("BD05", date(2026, 3, 15)) in codes
    with pytest.raises(ImportFileError) as caught:
        service.read(path, as_of=date(2026, 7, 1))
    assert caught.value.message_vi.startswith(
        "Số liệu tính đến ngày: 01/07/2026 ở sau hôm nay (30/06/2026)."
    )


def test_a_list_brought_in_is_a_former_commune_with_its_own_earlier_reports(
    new_book: Book, tmp_path: Path
) -> None:
    from desktop.core.services.former_communes import former_commune, former_communes
    from desktop.core.services.indicators import IndicatorService

    service, proposal = _preview(new_book, former_list(tmp_path))
    targets = _targets(proposal, MAPPING)
    preview = service.preview(proposal.former, proposal.imported, targets)
    service.apply(preview, targets, [])
    listed = {f.code: f for f in former_communes(new_book)}
    assert set(listed) == {"11111"}
    minh_hung = listed["11111"]
    assert minh_hung.name == "xã Minh Hưng" and minh_hung.merged_on == TODAY
    assert len(minh_hung.households) == 4
    # The 2025 report of xã Minh Hưng (cũ) counts the children of the list's households only.
    report = IndicatorService(new_book, former_commune(new_book, "11111"))
    counted = set(report.member_ids("2025", "TK0101"))
    with new_book.read() as session:
        in_list = set(
            session.scalars(select(Person.id).where(Person.household_id.in_(minh_hung.households)))
        )
    assert counted and counted <= in_list
    assert counted != set(IndicatorService(new_book).member_ids("2025", "TK0101"))
