"""Printed pages: a hamlet's book pages, the blank collection form, a child's profile."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, landscape
from sqlalchemy import select

from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.reports.book_pages import (
    BookHousehold,
    BookMember,
    HamletBook,
    render_hamlet_book,
)
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.exports import ExportService
from desktop.core.storage.models import AuditEntry
from tests.unit.core.exports.conftest import TODAY, hamlet_id, pdf_text, person_id

# The book and its rules are judged on TODAY: the clock is pinned there (tests/conftest.py).
pytestmark = pytest.mark.today(TODAY.isoformat())


def _size(path: Path) -> tuple[float, float]:
    box = PdfReader(path).pages[0].mediabox
    return float(box.width), float(box.height)


def test_the_book_pages_of_a_hamlet(commune: Book, tmp_path: Path) -> None:
    service = ExportService(commune)
    data = service.hamlet_book(hamlet_id(commune, "Thôn Đông"), TODAY)
    assert (data.province, data.commune, data.hamlet) == ("Thanh Hóa", "Xã Hoàng Kim", "Thôn Đông")
    assert data.number_range == ("2", "12")  # numbered order, not text order
    first = data.households[1]
    assert [m.name for m in first.members] == [
        "Nguyễn Văn Hùng",
        "Nguyễn Văn Nam",
        "Nguyễn Thị Mai",
    ]
    assert first.members[0].relation == "Chủ hộ"
    assert first.members[1].special == "4"
    # Household 2 has no row for its head: the head's name is printed first all the same.
    assert [m.name for m in data.households[0].members] == ["Lê Văn Tám", "Lê Thị Bé"]

    target = tmp_path / "so-thon-dong.pdf"
    written = service.write_hamlet_book(hamlet_id(commune, "Thôn Đông"), target, on=TODAY)
    assert written.rows == 5
    assert _size(target) == pytest.approx(landscape(A4))
    text = pdf_text(target)
    for expected in (
        "SỔ THEO DÕI TRẺ EM TRONG HỘ GIA ĐÌNH",
        "Tỉnh/thành phố: Thanh Hóa",
        "Xã/phường/đặc khu: Xã Hoàng Kim",
        "Thôn/tổ dân phố: Thôn Đông",
        "Từ hộ số: 2",
        "Đến hộ số: 12",
        "Hộ số 12 — Chủ hộ: Nguyễn Văn Hùng",
        "Nguyễn Thị Mai",
        "038319004567",
        "THEO DÕI CÁC THAY ĐỔI",
        "CỘNG TÁC VIÊN",
    ):
        assert expected in text, expected


def test_book_pages_hide_what_the_role_may_not_see(commune: Book, tmp_path: Path) -> None:
    user = commune.user
    commune.user = CurrentUser(user.id, user.username, user.full_name, Role.OFFICER)
    data = ExportService(commune).hamlet_book(hamlet_id(commune, "Thôn Đông"), TODAY)
    assert data.hidden_columns == frozenset()
    commune.user = CurrentUser("v", "viewer", "Người xem", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        ExportService(commune).hamlet_book(hamlet_id(commune, "Thôn Đông"), TODAY)


def test_hidden_columns_are_not_printed(tmp_path: Path) -> None:
    book = HamletBook(
        province="Thanh Hóa",
        commune="Xã Hoàng Kim",
        hamlet="Thôn Đông",
        collaborator="Lê Thị Cộng",
        households=[
            BookHousehold("1", "Nguyễn Văn A", members=[BookMember("Nguyễn Văn A", id_number="X")])
        ],
        hidden_columns=frozenset({"id_number", "special"}),
    )
    target = tmp_path / "a.pdf"
    render_hamlet_book(book, target)
    text = pdf_text(target)
    assert "Số định danh" not in text
    assert "HCĐB (nhóm)" not in text
    assert "Lê Thị Cộng" in text


def test_a_long_hamlet_runs_over_pages_with_the_header_repeated(tmp_path: Path) -> None:
    households = [
        BookHousehold(
            str(n),
            f"Chủ Hộ Số {n}",
            address=f"Số {n}, Thôn Đông",
            members=[
                BookMember(f"Trẻ Thứ {n}-{k}", sex="Nam", birth="01/01/2015") for k in range(4)
            ],
        )
        for n in range(1, 41)
    ]
    target = tmp_path / "dai.pdf"
    render_hamlet_book(HamletBook("T", "X", "Thôn Đông", "", households), target)
    pages = PdfReader(target).pages
    assert len(pages) > 3
    for page in pages[1:]:
        text = page.extract_text() or ""
        assert "Họ và tên" in text  # the column headers repeat
        assert "SỔ THEO DÕI TRẺ EM" in text  # the running header


def test_the_blank_collection_form(commune: Book, tmp_path: Path) -> None:
    target = tmp_path / "phieu.pdf"
    ExportService(commune).write_blank_form(target, hamlet_id(commune, "Bản Nà Lùng"), rows=25)
    text = pdf_text(target)
    assert "PHIẾU THU THẬP THÔNG TIN TRẺ EM VÀ HỘ GIA ĐÌNH" in text
    assert "Thôn/tổ dân phố: Bản Nà Lùng" in text
    assert "Họ tên cha, mẹ /" in text
    assert "25" in text
    assert "Trẻ em mồ côi cả cha và mẹ" in text  # the legend of the 14 groups
    assert "Nguyễn" not in text  # no personal data on a blank form
    with pytest.raises(Exception, match="từ 1 đến 500"):
        ExportService(commune).write_blank_form(target, rows=0)


def test_a_childs_profile(commune: Book, tmp_path: Path) -> None:
    service = ExportService(commune)
    target = tmp_path / "ho-so.pdf"
    service.write_child_profile(person_id(commune, "Nguyễn Văn Nam"), target, on=TODAY)
    assert _size(target) == pytest.approx(A4)
    text = pdf_text(target)
    for expected in (
        "ỦY BAN NHÂN DÂN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "PHIẾU THÔNG TIN TRẺ EM",
        "Nguyễn Văn Nam",
        "21/11/2012",
        "Hộ số 12, Thôn Đông",
        "Nguyễn Văn Hùng",
        "Lê Thị Lan",
        "Trẻ em khuyết tật",
        "Có thẻ (chưa ghi số thẻ)",
        "NGƯỜI LẬP PHIẾU",
        "./.",
    ):
        assert expected in text, expected


def test_exports_are_recorded_in_the_audit_trail(commune: Book, tmp_path: Path) -> None:
    ExportService(commune).write_hamlet_book(
        hamlet_id(commune, "Thôn Đông"), tmp_path / "a.pdf", on=TODAY
    )
    with commune.read() as session:
        lines = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).all()
    assert [line.after for line in lines][-1].startswith('{"file":')
    assert '"what":"book-pages"' in lines[-1].after
