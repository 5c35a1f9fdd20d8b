"""Reading spreadsheets: xlsx and csv, title rows, merged cells, formulas, bad files."""

from __future__ import annotations

import codecs
import os
import unicodedata
import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from desktop.core.importer import reader
from desktop.core.importer.reader import NO_CACHED_VALUE, CellError, ImportFileError, read_sheet
from tests.unit.core.importer.conftest import row, set_cached_values, write_csv, write_xlsx


def test_xlsx_rows_keep_the_spreadsheet_row_numbers_and_skip_blank_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [row(), ["", "", ""], row(name="Trần Văn B")])
    sheet = read_sheet(path)
    assert sheet.kind == "xlsx"
    assert sheet.name == "Danh sách"
    # Row 1 title, row 2 empty (skipped), row 3 header, 4 and 6 data, 5 blank (skipped).
    assert [r.number for r in sheet.rows] == [1, 3, 4, 6]
    assert sheet.rows[-1].cell(5) == "Trần Văn B"
    assert sheet.rows[-1].cell(99) is None


def test_merged_household_cells_are_filled_down(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "merged.xlsx",
        [row(name="Con Một"), row(hamlet="", number="", head="", name="Con Hai")],
        title_rows=(),
    )
    from openpyxl import load_workbook

    workbook = load_workbook(path)
    ws = workbook.active
    assert ws is not None
    for column in "ABC":
        ws.merge_cells(f"{column}2:{column}3")
    workbook.save(path)
    sheet = read_sheet(path)
    second = sheet.rows[2]
    assert second.cell(0) == "Thôn Đông"
    assert second.cell(1) == "12"
    assert second.cell(2) == "Nguyễn Văn Hùng"
    assert second.cell(5) == "Con Hai"


def test_formula_cells_give_their_cached_value_or_say_there_is_none(tmp_path: Path) -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append(["a", "b", "c"])
    ws.append([2, "=A2*2", "=A2*3"])
    ws.append(["#N/A", None, None])
    path = tmp_path / "formulas.xlsx"
    workbook.save(path)
    set_cached_values(path, {"B2": "4"})
    sheet = read_sheet(path)
    assert sheet.rows[1].cells[:3] == (2, 4, NO_CACHED_VALUE)
    assert sheet.rows[2].cell(0) == CellError("#N/A")


def test_date_cells_are_dates(tmp_path: Path) -> None:
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.append(["Ngày sinh"])
    ws.append([datetime(2019, 9, 5)])
    path = tmp_path / "dates.xlsx"
    workbook.save(path)
    assert read_sheet(path).rows[1].cell(0) == datetime(2019, 9, 5)


def test_limit_reads_only_the_first_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [row()] * 50, title_rows=())
    sheet = read_sheet(path, limit=10)
    assert len(sheet.rows) == 10
    assert not sheet.complete


def test_too_many_rows_are_refused_with_a_clear_message(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [row()] * 30, title_rows=())
    with pytest.raises(ImportFileError, match="hơn 20 dòng"):
        read_sheet(path, max_rows=20)
    csv_path = write_csv(tmp_path / "a.csv", [row()] * 30)
    with pytest.raises(ImportFileError, match="tách tệp"):
        read_sheet(csv_path, max_rows=20)


def test_a_file_over_the_size_cap_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "lon.xlsx"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: nothing is written
    with pytest.raises(ImportFileError) as caught:
        read_sheet(path)
    assert "50,0 MB" in caught.value.message_vi
    assert f"{reader.MAX_FILE_MB} MB" in caught.value.message_vi


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("doc.xlsx", "Đây là một bức thư, không phải bảng tính.\n", "không phải tệp Excel"),
        ("anh.xlsx", bytes(range(256)) * 8, "không phải bảng tính"),
        ("random.csv", os.urandom(4096), "không phải bảng tính"),
        ("baocao.csv", b"%PDF-1.7\n" + os.urandom(200), "tệp PDF"),
        ("cu.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "97–2003"),
        ("trong.xlsx", b"", "trống"),
        ("hong.xlsx", b"PK\x03\x04" + os.urandom(300), "bị hỏng"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(
    tmp_path: Path, name: str, content: str | bytes, expected: str
) -> None:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    with pytest.raises(ImportFileError) as caught:
        read_sheet(path)
    assert expected in caught.value.message_vi
    assert name in caught.value.message_vi


def test_a_word_document_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "danh-sach.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(ImportFileError, match="văn bản Word"):
        read_sheet(path)


def test_a_missing_file_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFileError, match="Không tìm thấy"):
        read_sheet(tmp_path / "khong-co.xlsx")
    with pytest.raises(ImportFileError, match="thư mục"):
        read_sheet(tmp_path)


def test_an_unknown_sheet_name_lists_the_sheets(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "a.xlsx", [row()])
    with pytest.raises(ImportFileError, match="Các trang: Danh sách"):
        read_sheet(path, "Trang 9")


# -- CSV ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_csv_in_unicode_encodings(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "a.csv", [row()], encoding=encoding)
    sheet = read_sheet(path)
    assert sheet.kind == "csv"
    assert sheet.rows[0].cell(0) == "Thôn/Tổ dân phố"
    assert sheet.rows[1].cell(5) == "Nguyễn Thị Mai"
    assert sheet.notices == []


def test_csv_with_semicolons_and_commas_inside_addresses(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "a.csv", [row(address="Số 5, xóm 2, Thôn Đông")], delimiter=";")
    sheet = read_sheet(path)
    assert sheet.rows[1].cell(3) == "Số 5, xóm 2, Thôn Đông"
    assert sheet.rows[1].cell(5) == "Nguyễn Thị Mai"


def test_windows_1258_csv_is_read_and_said_so(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    # Windows-1258 writes Vietnamese with combining tone marks.
    text = "Họ tên trẻ,Ngày sinh\nNguyễn Thị Mai,05/09/2019\n"
    decomposed = unicodedata.normalize("NFD", text)
    path.write_bytes(codecs.encode(_cp1258_compatible(decomposed), "cp1258"))
    sheet = read_sheet(path)
    assert unicodedata.normalize("NFC", str(sheet.rows[1].cell(0))) == "Nguyễn Thị Mai"
    assert "Windows-1258" in sheet.notices[0]


def _cp1258_compatible(text: str) -> str:
    # Windows-1258 has precomposed â, ê, ô, ơ, ư, ă, đ and combining tones only.
    out = []
    for char in unicodedata.normalize("NFD", text):
        out.append(char)
    composed = unicodedata.normalize("NFC", "".join(out))
    result = []
    for char in composed:
        try:
            char.encode("cp1258")
            result.append(char)
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", char)
            partial = unicodedata.normalize("NFC", base + "".join(m for m in marks[:-1]))
            try:
                partial.encode("cp1258")
                result.append(partial + marks[-1])
            except UnicodeEncodeError:
                result.append(base + "".join(marks))
    return "".join(result)


def test_utf8_read_through_a_western_code_page_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    broken = "Họ tên trẻ\nNguyễn Thị Mai\n".encode().decode("cp1252", errors="replace")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ImportFileError) as caught:
        read_sheet(path)
    assert "sai bảng mã" in caught.value.message_vi
    assert "CSV UTF-8" in caught.value.message_vi


def test_tcvn3_csv_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    # "Nguyễn Thị Mai, Hoàng Văn Sáng" as the .VnTime font encodes it.
    path.write_bytes("Hä tªn\nNguyÔn ThÞ Mai\nHoµng V¨n S¸ng\nTrÇn ThÞ Hoa\n".encode("cp1252"))
    with pytest.raises(ImportFileError, match="TCVN3"):
        read_sheet(path)


def test_a_csv_with_a_bad_quote_says_where(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text('a,b\n"x,y\n', encoding="utf-8")
    sheet = read_sheet(path)  # an unclosed quote runs to the end: one odd row, no crash
    assert sheet.rows[0].cells == ("a", "b")
