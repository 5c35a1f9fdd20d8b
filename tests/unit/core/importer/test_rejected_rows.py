"""A long list of rejected rows: exact counts, only the first rows' problems in memory, and
every rejected row in the rejected-rows file (streamed from the compact spool)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from desktop.core.importer import rows as rows_module
from desktop.core.importer.headers import detect_header
from desktop.core.importer.reader import SpreadsheetFile, read_sheet
from desktop.core.importer.rejected import ERROR_HEADER, ROW_HEADER
from desktop.core.importer.rows import RejectedSpool, RowProblem, parse_rows
from desktop.core.services.book import Book
from desktop.core.services.imports import ImportService
from tests.bench.hostile_files import junk_list
from tests.unit.core.importer.conftest import TODAY, row, write_xlsx

pytestmark = pytest.mark.today(TODAY.isoformat())

# write_xlsx puts two title rows and the header first: data rows start at row 4.
FIRST = 4


def _mixed(tmp_path: Path, junk: int) -> Path:
    """A good row, ``junk`` rows every check rejects, a duplicate of the good row, a good row."""
    bad = [row(name=f"Rác {i}", born=f"ngày {i}", sex="?", number="") for i in range(junk)]
    return write_xlsx(
        tmp_path / "dai.xlsx",
        [row(), *bad, row(), row(name="Nguyễn Văn Nam", id_number="")],
    )


def _uncapped(path: Path) -> dict[int, list[RowProblem]]:
    """The problems of every row rejected while reading, with no cap (the oracle)."""
    sheet = read_sheet(path)
    return parse_rows(sheet, detect_header(sheet).mapping(), TODAY, kept_rejected=10**9).problems


def test_counts_are_exact_while_only_the_first_rows_problems_are_kept(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows_module, "KEPT_REJECTED_ROWS", 5)
    path = _mixed(tmp_path, junk=12)
    every = _uncapped(path)
    assert len(every) == 12
    preview = ImportService(book).preview(path, today=TODAY)
    summary = preview.summary

    duplicate = FIRST + 13  # the good row written a second time: rejected by the plan
    assert summary.rejected == 13  # 12 unreadable rows and the duplicate
    assert summary.created == 2
    assert summary.total_rows == 15
    assert len(preview.parsed.problems) == 5  # held in memory
    assert preview.parsed.spool.rows == 12  # every unreadable row, compactly
    assert summary.shown_rows == 5
    assert summary.problems_capped
    assert sorted({p.row for p in summary.problems}) == list(range(FIRST + 1, FIRST + 6))
    problems_total = sum(len(found) for found in every.values()) + 1
    assert summary.problem_total == problems_total
    heading = "13 dòng lỗi, hiển thị 5 dòng đầu"
    assert summary.problems_heading() == heading
    lines = summary.lines()
    assert f"Lỗi ({heading}; các dòng này không được nhập):" in lines
    more = problems_total - len(summary.problems)
    assert f"  … và {more} lỗi khác (xem tệp các dòng bị từ chối)." in lines

    target = tmp_path / "dong-loi.xlsx"
    assert ImportService(book).write_rejected(preview, target) == 13
    sheet = load_workbook(target).active
    assert sheet is not None
    table = [[c.value for c in r] for r in sheet.iter_rows()]
    assert table[0][:3] == [ROW_HEADER, ERROR_HEADER, "Thôn/Tổ dân phố"]
    numbers = [r[0] for r in table[1:]]
    assert numbers == [*range(FIRST + 1, FIRST + 13), duplicate]  # every one, in file order
    for out in table[1:-1]:
        assert out[1] == "\n".join(p.text for p in every[out[0]])
        assert out[2 + 5] == f"Rác {out[0] - FIRST - 1}"  # the row's own cells come back
    assert table[-1][1].startswith(f"Dòng {duplicate}, cột “Số định danh”: Trùng số định danh")
    assert f"với dòng {FIRST} của tệp." in table[-1][1]
    assert sheet.freeze_panes == "C2"


def test_a_short_list_keeps_every_problem_and_says_no_more(book: Book, tmp_path: Path) -> None:
    preview = ImportService(book).preview(_mixed(tmp_path, junk=3), today=TODAY)
    summary = preview.summary
    assert summary.rejected == 4
    assert not summary.problems_capped
    assert summary.problems_heading() == "4 dòng lỗi"
    assert {p.row for p in summary.problems} == {FIRST + 1, FIRST + 2, FIRST + 3, FIRST + 4}
    assert summary.problem_total == len(summary.problems)


def test_the_spool_gives_back_every_row_and_problem_in_order() -> None:
    from datetime import datetime

    from desktop.core.importer.reader import NO_CACHED_VALUE, CellError, SheetRow

    spool = RejectedSpool()
    added = []
    for number in range(2, 1_203):  # more than two sealed batches and a partial one
        cells = (f"rác {number}", None, 3.5, datetime(2020, 1, 2), CellError("#N/A"))
        if number % 7 == 0:
            cells = (*cells, NO_CACHED_VALUE)
        problems = [RowProblem(number, "Ngày sinh", f"sai {number}.", "Hãy sửa.")]
        spool.add(SheetRow(number, cells), problems)
        added.append((SheetRow(number, cells), problems))
    assert spool.rows == 1_201
    assert spool.width == 6
    back = list(spool)
    assert back == added
    assert back[5][0].cell(5) is NO_CACHED_VALUE  # the marker is still the one marker
    assert list(spool) == added  # it can be read again
    # Compact: well under the text it holds.
    assert spool.size < sum(len(str(r.cells)) + len(p[0].message) for r, p in added) / 3


def test_rows_stream_from_the_file_with_the_same_cells_as_a_whole_read(tmp_path: Path) -> None:
    path = junk_list(tmp_path / "rac.xlsx", 300)
    whole = read_sheet(path)
    with SpreadsheetFile(path) as opened:
        stream = opened.stream()
        streamed = list(stream)
    assert streamed == whole.rows
    assert stream.expected_rows == 301
    assert stream.name == whole.name


def test_an_inline_rich_text_cell_is_read_whole(tmp_path: Path) -> None:
    """Runs are joined, phonetic guides left out, as openpyxl's own rich-text reading does."""
    source = junk_list(tmp_path / "rac.xlsx", 1)
    target = tmp_path / "giau.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b"</sheetData>",
                    '<row r="3"><c r="A3" t="inlineStr"><is><t>Thôn </t>'
                    '<r><rPr><b/></rPr><t>Đông</t></r><r><t xml:space="preserve"> Bắc</t></r>'
                    '<rPh sb="0" eb="1"><t>x</t></rPh></is></c>'
                    '<c r="B3" t="inlineStr"><is/></c></row></sheetData>'.encode(),
                )
            zout.writestr(item, data)
    last = read_sheet(target).rows[-1]
    assert last.number == 3
    assert last.cell(0) == "Thôn Đông Bắc"
    assert last.cells[1] == ""


def test_writing_the_rejected_rows_reports_progress_and_a_stop_writes_nothing(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.core.importer import rejected as rejected_module

    monkeypatch.setattr(rejected_module, "_PROGRESS_EVERY", 4)
    preview = ImportService(book).preview(_mixed(tmp_path, junk=10), today=TODAY)
    seen: list[tuple[int, int]] = []
    target = tmp_path / "dong-loi.xlsx"
    written = ImportService(book).write_rejected(
        preview, target, None, lambda done, total: seen.append((done, total))
    )
    assert written == 11  # the ten unreadable rows and the duplicate
    assert seen == [(4, 11), (8, 11), (11, 11)]
    assert target.exists()

    class Stop(Exception):
        pass

    def stop_at_eight(done: int, _total: int) -> None:
        if done >= 8:
            raise Stop

    stopped = tmp_path / "dung.xlsx"
    with pytest.raises(Stop):
        ImportService(book).write_rejected(preview, stopped, None, stop_at_eight)
    assert not stopped.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("dung")) == []
