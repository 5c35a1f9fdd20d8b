"""Any list to .xlsx: titles, text that stays text, dates, a password, the audit trail."""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

import msoffcrypto
import pytest
from openpyxl import load_workbook

from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.reports.protect import ExportProtection
from desktop.core.reports.xlsx_list import ListColumn, ListTable, render_list_xlsx, sheet_title
from desktop.core.services.book import Book, CurrentUser
from desktop.core.services.exports import ExportService

TABLE = ListTable(
    title="DANH SÁCH TRẺ EM",
    issuer="ỦY BAN NHÂN DÂN XÃ HOÀNG KIM",
    subtitle="Lập ngày 30/06/2026",
    columns=(ListColumn("TT", 5, "number"), ListColumn("Họ tên"), ListColumn("Ngày sinh", 12),
             ListColumn("Số định danh", 15)),
    rows=[(1, "Nguyễn Thị Mai", date(2019, 9, 5), "038319004567"),
          (2, "Lê Văn Bé", None, "")],
    notes=("Ghi chú: số liệu đến ngày 30/06/2026.",),
)  # fmt: skip


def test_a_list_is_written_with_title_header_rows_and_notes(tmp_path: Path) -> None:
    target = tmp_path / "ds.xlsx"
    assert render_list_xlsx(TABLE, target) == 2
    sheet = load_workbook(target).active
    assert sheet is not None
    values = [[c.value for c in r] for r in sheet.iter_rows()]
    # The national header: the unit on the left, the national title and motto on the right.
    assert values[0][:3] == [
        "ỦY BAN NHÂN DÂN XÃ HOÀNG KIM",
        None,
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    ]
    assert values[1][2] == "Độc lập - Tự do - Hạnh phúc"
    assert values[2][0] == "DANH SÁCH TRẺ EM"
    assert values[5] == ["TT", "Họ tên", "Ngày sinh", "Số định danh"]
    assert values[6][1:] == ["Nguyễn Thị Mai", datetime(2019, 9, 5), "038319004567"]
    assert sheet.cell(row=7, column=3).number_format == "dd/mm/yyyy"
    assert sheet.cell(row=7, column=4).number_format == "@"
    assert values[-1][0] == "Ghi chú: số liệu đến ngày 30/06/2026."
    assert sheet.freeze_panes == "A7"


def test_a_list_with_a_password_opens_only_with_it(tmp_path: Path) -> None:
    target = tmp_path / "kin.xlsx"
    render_list_xlsx(TABLE, target, ExportProtection("mat-khau-tep-1"))
    with target.open("rb") as handle:
        office = msoffcrypto.OfficeFile(handle)
        assert office.is_encrypted()
        office.load_key(password="mat-khau-tep-1")
        plain = io.BytesIO()
        office.decrypt(plain)
    sheet = load_workbook(plain).active
    assert sheet is not None
    assert sheet.cell(row=7, column=2).value == "Nguyễn Thị Mai"


def test_sheet_titles_are_valid_excel_names() -> None:
    assert sheet_title("Danh sách: trẻ em [thôn 1/2]?") == "Danh sách  trẻ em  thôn 1 2"
    assert len(sheet_title("x" * 80)) == 31
    assert sheet_title("  ") == "Danh sách"


def test_the_households_list_export(book: Book, hamlet_id: str, tmp_path: Path) -> None:
    from desktop.core.services.households import HouseholdForm, HouseholdService

    HouseholdService(book).save_household(
        HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="Nguyễn Văn Hộ")
    )
    service = ExportService(book)
    done = service.export_list(service.households_table(), tmp_path / "ho.xlsx", what="households")
    assert done.rows == 1 and not done.protected
    sheet = load_workbook(done.path).active
    assert sheet is not None
    assert [c.value for c in sheet[6]][:4] == ["TT", "Thôn/Tổ dân phố", "Số hộ", "Họ tên chủ hộ"]
    assert [c.value for c in sheet[7]][1:4] == ["Thôn Đông", "1", "Nguyễn Văn Hộ"]


def test_personal_lists_need_the_export_right(book: Book, tmp_path: Path) -> None:
    book.user = CurrentUser("v", "viewer", "Người xem", Role.VIEWER)
    with pytest.raises(PermissionDenied):
        ExportService(book).export_list(TABLE, tmp_path / "a.xlsx")
    # A list without personal data (e.g. the figures of a report) is allowed.
    assert ExportService(book).export_list(TABLE, tmp_path / "b.xlsx", personal=False).rows == 2


def test_a_list_without_an_issuer_gets_the_communes_under_the_national_header(
    book: Book, tmp_path: Path
) -> None:
    bare = ListTable(title="DANH SÁCH THỬ", columns=(ListColumn("Họ tên"),), rows=[("An",)])
    done = ExportService(book).export_list(bare, tmp_path / "thu.xlsx", personal=False)
    sheet = load_workbook(done.path).active
    assert sheet is not None
    column = [c.value for c in sheet["A"]]
    assert column[:4] == [
        "ỦY BAN NHÂN DÂN XÃ HOÀNG KIM",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "DANH SÁCH THỬ",
    ]
