"""Read a spreadsheet (.xlsx or .csv) into rows of plain cell values, streaming.

Excel files are read with openpyxl's streaming parser (the read-only mode's), so a large file
never becomes a full in-memory workbook. Cached results of formulas are read; a formula cell
without a cached result is marked ``NO_CACHED_VALUE`` so that its row can say so. Merged
cells are filled with their top-left value (a household column merged down over its
children is the usual case). Blank rows are dropped but every row keeps the number the
spreadsheet program shows, so messages point at the right row.

CSV files are decoded as UTF-8 (with or without BOM) or UTF-16 (Excel's “Unicode text”);
anything else is read as Windows-1258 and said so. A file saved through a wrong encoding
(“Nguyá»…n”) or in the old TCVN3 font encoding is refused with what to do.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Final

MAX_FILE_MB: Final = 25
MAX_FILE_BYTES: Final = MAX_FILE_MB * 1024 * 1024
MAX_ROWS: Final = 100_000
MAX_COLUMNS: Final = 200
# Excel's own limit for one cell; a longer value is not something a person typed.
MAX_CELL_CHARS: Final = 32_767
# The archive is checked before anything is parsed: an .xlsx is a zip, and a small zip can
# declare (and hold) gigabytes of XML. zipfile never reads past a member's declared size.
MAX_MEMBER_MB: Final = 200
MAX_SHARED_STRINGS_MB: Final = 60  # held in memory whole, unlike the streamed sheet
MAX_UNCOMPRESSED_MB: Final = 300
MAX_RATIO: Final = 100  # for members over 1 MB; real sheets compress 5-20 times
# Reading stops after this many blank rows in a row (a sheet "used" down to row 1,048,576).
MAX_BLANK_RUN: Final = 1_000

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt", ".tsv")


class ImportFileError(Exception):
    """The file cannot be read as a spreadsheet; ``message_vi`` says why and what to do."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


class _NoCachedValue:
    """A formula cell whose file holds no computed result (written by a program, not Excel)."""

    _instance: _NoCachedValue | None = None

    def __new__(cls) -> _NoCachedValue:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_CACHED_VALUE"


NO_CACHED_VALUE: Final = _NoCachedValue()


@dataclass(frozen=True)
class CellError:
    """An error value shown in a cell by Excel (#N/A, #VALUE!, #REF! …)."""

    code: str


Cell = str | int | float | bool | datetime | date | time | CellError | _NoCachedValue | None


@dataclass(frozen=True)
class SheetRow:
    """One non-blank row: its number as the spreadsheet shows it (from 1) and its cells."""

    number: int
    cells: tuple[Cell, ...]

    def cell(self, column: int) -> Cell:
        """The value in ``column`` (0-based), None beyond the row's end."""
        return self.cells[column] if 0 <= column < len(self.cells) else None


@dataclass
class Sheet:
    """The non-blank rows of one sheet of a file."""

    file_name: str
    kind: str  # "xlsx" | "csv"
    name: str  # the sheet's name ("" for CSV)
    rows: list[SheetRow]
    sheet_names: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # e.g. how a CSV was decoded
    complete: bool = True  # False when only the first rows were read


def is_blank(value: Cell) -> bool:
    """True for an empty cell (None or only white space)."""
    return value is None or (isinstance(value, str) and not value.strip())


# -- what kind of file ----------------------------------------------------------------------

_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",") + " MB"


def file_kind(path: Path) -> str:
    """ "xlsx" or "csv" for a file the importer can read; ImportFileError otherwise."""
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(4096)
    except FileNotFoundError:
        raise ImportFileError(f"Không tìm thấy tệp “{name}”.") from None
    except IsADirectoryError:
        raise ImportFileError(f"“{name}” là một thư mục, không phải tệp bảng tính.") from None
    except OSError as exc:
        raise ImportFileError(
            f"Không mở được tệp “{name}”: {exc.strerror or exc}. Nếu tệp đang mở trong "
            "Excel, hãy đóng Excel rồi thử lại."
        ) from None
    if size == 0:
        raise ImportFileError(f"Tệp “{name}” trống (0 byte).")
    if size > MAX_FILE_BYTES:
        raise ImportFileError(
            f"Tệp “{name}” nặng {_size_text(size)}, vượt giới hạn {MAX_FILE_MB} MB của chức năng "
            "nhập. Danh sách trẻ em của một xã thường dưới 5 MB: hãy xóa các trang, hình ảnh "
            "không cần thiết, hoặc tách tệp theo thôn rồi nhập từng tệp."
        )
    suffix = path.suffix.lower()
    if head.startswith(_ZIP):
        return _zip_kind(path)
    if head.startswith(_OLE):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00e\x00d\x00" in _read_some(path):
            raise ImportFileError(
                f"Tệp “{name}” là tệp Excel có đặt mật khẩu. Hãy mở tệp bằng Excel, bỏ mật khẩu "
                "(Tệp → Thông tin → Bảo vệ sổ làm việc), lưu lại rồi nhập."
            )
        raise ImportFileError(
            f"Tệp “{name}” là tệp Excel 97–2003 (.xls) hoặc Word cũ (.doc). Hãy mở bằng Excel và "
            "lưu lại dạng “Sổ làm việc Excel (.xlsx)” rồi nhập tệp .xlsx đó."
        )
    if head.startswith(b"%PDF"):
        raise ImportFileError(
            f"Tệp “{name}” là tệp PDF, không phải bảng tính. Hãy dùng tệp Excel (.xlsx) hoặc CSV."
        )
    if _looks_binary(head):
        raise ImportFileError(
            f"Tệp “{name}” không phải bảng tính (nội dung không phải chữ). Hãy chọn tệp Excel "
            "(.xlsx) hoặc CSV."
        )
    if suffix in XLSX_SUFFIXES or suffix == ".xls":
        raise ImportFileError(
            f"Tệp “{name}” có đuôi {suffix} nhưng không phải tệp Excel (nội dung là văn bản "
            "thường). Nếu đây là danh sách dạng CSV, hãy đổi đuôi tệp thành .csv."
        )
    return "csv"


def _read_some(path: Path, limit: int = 1 << 20) -> bytes:
    with path.open("rb") as handle:
        return handle.read(limit)


def _looks_binary(head: bytes) -> bool:
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D, 0x0C))
    return controls > max(2, len(head) // 100)


def _zip_kind(path: Path) -> str:
    name = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = (
                archive.read("mimetype")[:100].decode("ascii", "replace")
                if "mimetype" in names
                else ""
            )
    except (zipfile.BadZipFile, OSError, KeyError):
        raise ImportFileError(
            f"Tệp “{name}” bị hỏng hoặc chưa tải về đầy đủ (không mở được như tệp Excel). "
            "Hãy mở thử bằng Excel; nếu mở được, lưu lại dạng .xlsx rồi nhập."
        ) from None
    if "xl/workbook.xml" in names:
        _check_archive(path)
        return "xlsx"
    if "word/document.xml" in names:
        raise ImportFileError(
            f"Tệp “{name}” là văn bản Word, không phải bảng tính. Nếu danh sách nằm trong một "
            "bảng của Word, hãy chép bảng sang Excel và lưu dạng .xlsx."
        )
    if "opendocument.spreadsheet" in mimetype:
        raise ImportFileError(
            f"Tệp “{name}” là bảng tính OpenDocument (.ods). Hãy mở bằng LibreOffice hoặc Excel "
            "và lưu lại dạng .xlsx."
        )
    raise ImportFileError(f"Tệp “{name}” là tệp nén (zip) nhưng không phải tệp Excel (.xlsx).")


_MB = 1024 * 1024


def _check_archive(path: Path) -> None:
    """Refuse an .xlsx whose declared contents are too large or compressed too well."""
    name = path.name
    refuse = (
        f"Tệp “{name}” có nội dung giải nén quá lớn hoặc bất thường ({{what}}), có thể là tệp "
        "bị hỏng hoặc tệp cố ý gây treo máy. Chưa có gì được nhập. Nếu đây là danh sách thật, "
        "hãy mở bằng Excel, xóa các trang, hình ảnh và vùng định dạng thừa, lưu lại rồi nhập."
    )
    with zipfile.ZipFile(path) as archive:
        members = archive.infolist()
    total = 0
    for member in members:
        size, packed = member.file_size, max(member.compress_size, 1)
        total += size
        limit = MAX_SHARED_STRINGS_MB if member.filename.endswith("sharedStrings.xml") else None
        limit = limit or MAX_MEMBER_MB
        if size > limit * _MB:
            what = f"phần “{member.filename[:60]}” nở ra {_size_text(size)}, tối đa {limit} MB"
            raise ImportFileError(refuse.format(what=what))
        if size > _MB and size / packed > MAX_RATIO:
            what = f"phần “{member.filename[:60]}” nén {size // packed} lần, tối đa {MAX_RATIO} lần"
            raise ImportFileError(refuse.format(what=what))
    if total > MAX_UNCOMPRESSED_MB * _MB:
        what = f"tổng cộng {_size_text(total)}, tối đa {MAX_UNCOMPRESSED_MB} MB"
        raise ImportFileError(refuse.format(what=what))


class _CellTooLong(Exception):
    def __init__(self, row: int, column: int, length: int) -> None:
        super().__init__(row, column, length)
        self.row, self.column, self.length = row, column, length


# A cell that holds anything (a value, an inline string, a formula) has a closing tag; an
# empty styled cell is self-closed (<c r="A5" s="1"/>). Plain byte searches, which run at
# memory speed where a regex over 180 MB of tags takes seconds.
_DATA_TAGS = (b"</c>", b":c>")
_MERGE_REF = re.compile(rb"<(?:\w+:)?mergeCell\s+ref=\"([A-Z]+[0-9]+:[A-Z]+[0-9]+)\"")


def _scan_rest(archive: Any, part: str, from_row: int) -> tuple[bool, list[str]]:
    """From row ``from_row`` on: (does any cell hold a value?, the sheet's merged ranges).

    A plain byte scan of the decompressed part, many times faster than parsing it: used
    after a long run of blank rows, which is where a sheet "used" to its last row ends.
    """
    start = re.compile(rb"<(?:\w+:)?row\b[^>]*\br=\"%d\"" % from_row)
    data_after, found_start, in_data = False, False, True
    spans: list[str] = []
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            block = tail + chunk
            if in_data:
                end = block.find(b"</sheetData>")
                scope = block if end < 0 else block[:end]
                if not found_start:
                    begin = start.search(scope)
                    if begin is not None:
                        found_start = True
                        scope = scope[begin.start() :]
                if found_start and any(tag in scope for tag in _DATA_TAGS):
                    data_after = True
                if end >= 0:
                    in_data = False
            if b"mergeCell" in block:
                spans.extend(m.group(1).decode("ascii") for m in _MERGE_REF.finditer(block))
            # Keep the end of the block, from its last tag on, so that a tag cut by the
            # chunk boundary is seen whole next time (and a whole one is not seen twice).
            cut = block.rfind(b"<", max(0, len(block) - 400))
            tail = block[cut:] if cut >= 0 else b""
    # Row numbers not where expected (an unusual writer): judge the whole part, to be safe.
    return data_after or not found_start, spans


# -- Excel ------------------------------------------------------------------------------------


def _excel_failure(name: str) -> ImportFileError:
    return ImportFileError(
        f"Không đọc được tệp Excel “{name}”: tệp có thể bị hỏng. Hãy mở bằng Excel, lưu lại "
        "dạng .xlsx rồi nhập."
    )


@dataclass
class _Workbook:
    """An .xlsx opened once: what the streaming parser needs, and its worksheets' parts."""

    archive: Any  # zipfile.ZipFile
    shared_strings: Any
    epoch: Any
    date_formats: Any
    timedelta_formats: Any
    sheets: list[tuple[str, str, str]]  # (name, part in the archive, state)

    def close(self) -> None:
        self.archive.close()


def _open_workbook(path: Path) -> _Workbook:
    from openpyxl.reader.excel import ExcelReader

    class Reader(ExcelReader):  # type: ignore[misc]
        """openpyxl's reader without its worksheet objects.

        A read-only worksheet measures its sheet on creation, which reads a whole sheet
        that has no <dimension> element; the streaming parser below does not need it.
        """

        found: list[tuple[str, str, str]]

        def read_worksheets(self) -> None:
            self.found = [
                (str(sheet.name), str(rel.target), str(sheet.state or "visible"))
                for sheet, rel in self.parser.find_sheets()
                if rel.target in self.valid_files and "chartsheet" not in str(rel.Type)
            ]

    try:
        loaded = Reader(path, read_only=True, keep_vba=False, data_only=True, keep_links=False)
        with warnings.catch_warnings():
            # Print titles name worksheets this reader does not create; they are not needed.
            warnings.filterwarnings("ignore", "Defined names for sheet index", UserWarning)
            loaded.read()
    except Exception:  # openpyxl raises many kinds on a broken file
        raise _excel_failure(path.name) from None
    workbook = loaded.wb
    return _Workbook(
        archive=loaded.archive,
        shared_strings=loaded.shared_strings,
        epoch=workbook.epoch,
        date_formats=workbook._date_formats,
        timedelta_formats=workbook._timedelta_formats,
        sheets=loaded.found,
    )


def _cell_parser() -> type:
    from openpyxl.utils.cell import coordinate_to_tuple
    from openpyxl.worksheet._reader import FORMULA_TAG, INLINE_STRING, WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS

    text_tag = f"{{{SHEET_MAIN_NS}}}t"
    run_tag = f"{{{SHEET_MAIN_NS}}}r"

    class CellParser(WorkSheetParser):  # type: ignore[misc]
        """openpyxl's streaming parser, keeping track of formulas without a cached value."""

        def parse_cell(self, element: Any) -> dict[str, Any]:
            if element.get("t") == "inlineStr":
                cell = self._inline_cell(element)
            else:
                cell = super().parse_cell(element)
            value = cell["value"]
            if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                raise _CellTooLong(int(cell["row"]), int(cell["column"]), len(value))
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["value"] = NO_CACHED_VALUE
            elif cell["data_type"] == "e" and cell["value"] is not None:
                cell["value"] = CellError(str(cell["value"]))
            return cell

        def _inline_cell(self, element: Any) -> dict[str, Any]:
            # openpyxl builds a rich-text object tree for every inline string only to join
            # its texts again; a list written by a program (every cell inline) spends a
            # quarter of its reading time there. The same text, read directly: the plain
            # <t> and the <t> of each run <r>, phonetic guides (<rPh>) left out.
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            style_id = element.get("s", 0)
            value: str | None = None
            data_type = "inlineStr"
            child = element.find(INLINE_STRING)
            if child is not None:
                data_type = "s"
                parts = []
                for part in child:
                    if part.tag == text_tag:
                        parts.append(part.text or "")
                    elif part.tag == run_tag:
                        parts.append(part.findtext(text_tag) or "")
                value = "".join(parts)
            return {
                "row": row,
                "column": column,
                "value": value,
                "data_type": data_type,
                "style_id": int(style_id) if style_id else 0,
            }

    return CellParser


def _find_sheet(workbook: _Workbook, name: str, sheet: str | None) -> tuple[str, str]:
    """The (title, archive part) of the sheet asked for, or of the first visible one."""
    names = [n for n, _part, _state in workbook.sheets]
    if not workbook.sheets:
        raise ImportFileError(f"Tệp Excel “{name}” không có trang tính nào.")
    if sheet is None:
        visible = [s for s in workbook.sheets if s[2] == "visible"] or workbook.sheets
        title, part, _state = visible[0]
        return title, part
    found = [s for s in workbook.sheets if s[0] == sheet]
    if not found:
        raise ImportFileError(
            f"Tệp “{name}” không có trang “{sheet}”. Các trang: {', '.join(names)}."
        )
    title, part, _state = found[0]
    return title, part


@dataclass
class _Outcome:
    """What a pass over a sheet found besides its rows (known once the rows are read)."""

    complete: bool = True
    notices: list[str] = field(default_factory=list)
    spans: list[str] = field(default_factory=list)  # merged ranges, when the end was reached


def _xlsx_rows(
    workbook: _Workbook,
    name: str,
    title: str,
    part: str,
    *,
    max_rows: int,
    limit: int | None,
    outcome: _Outcome,
) -> Iterator[tuple[int, list[Cell]]]:
    """The non-blank rows of a worksheet part, one at a time, as (number, values).

    Raises ImportFileError (a cell too long, too many rows, data after a long blank run,
    a broken file) while the rows stream: the caller has written nothing yet.
    """
    parser_class = _cell_parser()
    blank_run, last_row, kept = 0, 0, 0
    stopped_at: int | None = None
    resume_at = 0
    try:
        source = workbook.archive.open(part)
        parser = parser_class(
            source,
            workbook.shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook.date_formats,
            timedelta_formats=workbook.timedelta_formats,
        )
        try:
            for number, cells in parser.parse():
                values: list[Cell] = []
                for item in cells:
                    column = int(item["column"])
                    if column > MAX_COLUMNS:
                        continue
                    while len(values) < column - 1:
                        values.append(None)
                    values.append(item["value"])
                if all(is_blank(v) for v in values):
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN and kept:
                        if limit is not None:  # only the first rows were asked for
                            outcome.complete = False
                            break
                        stopped_at, resume_at = last_row, int(number) + 1
                        break
                    continue
                blank_run, last_row = 0, int(number)
                kept += 1
                if kept > max_rows:
                    raise ImportFileError(_too_many_rows(name, max_rows))
                yield int(number), values
                if limit is not None and kept >= limit:
                    outcome.complete = False
                    break
            merged = parser.merged_cells if outcome.complete and stopped_at is None else None
        finally:
            source.close()
        if merged is not None:
            outcome.spans = [str(span.ref) for span in merged.mergeCell]
        if stopped_at is not None:
            data_after, outcome.spans = _scan_rest(workbook.archive, part, resume_at)
            blank = f"{MAX_BLANK_RUN:,}".replace(",", ".")
            if data_after:
                raise ImportFileError(
                    f"Trang “{title}” của tệp “{name}” có hơn {blank} dòng trống liên tiếp sau "
                    f"dòng {stopped_at}, rồi lại có dữ liệu. Hãy xóa các dòng trống đó trong "
                    "Excel, lưu lại rồi nhập. Chưa có gì được nhập."
                )
            outcome.notices.append(
                f"Trang “{title}”: sau dòng {stopped_at} chỉ còn dòng trống; đã dừng đọc ở đó."
            )
    except ImportFileError:
        raise
    except _CellTooLong as exc:
        from openpyxl.utils.cell import get_column_letter

        length = f"{exc.length:,}".replace(",", ".")
        most = f"{MAX_CELL_CHARS:,}".replace(",", ".")
        raise ImportFileError(
            f"Ô {get_column_letter(exc.column)}{exc.row} (dòng {exc.row}) của tệp “{name}” dài "
            f"{length} ký tự, quá giới hạn {most} ký tự của một ô Excel. "
            "Hãy sửa ô đó rồi nhập lại. Chưa có gì được nhập."
        ) from None
    except Exception:
        raise _excel_failure(name) from None


def _read_xlsx(
    workbook: _Workbook, name: str, sheet: str | None, max_rows: int, limit: int | None
) -> Sheet:
    from openpyxl.utils.cell import range_boundaries

    title, part = _find_sheet(workbook, name, sheet)
    outcome = _Outcome()
    rows = dict(
        _xlsx_rows(workbook, name, title, part, max_rows=max_rows, limit=limit, outcome=outcome)
    )
    if outcome.spans:
        _fill_merged(rows, outcome.spans, range_boundaries)
    return Sheet(
        file_name=name,
        kind="xlsx",
        name=title,
        rows=[SheetRow(n, tuple(v)) for n, v in sorted(rows.items())],
        sheet_names=[n for n, _part, _state in workbook.sheets],
        notices=outcome.notices,
        complete=outcome.complete,
    )


def _scan_part(archive: Any, part: str) -> tuple[list[str], int]:
    """A worksheet part's merged ranges and how many rows it has, by a plain byte scan.

    Merged ranges are written after the rows, so a pass that streams the rows needs them
    first; the scan runs at memory speed, far faster than parsing.
    """
    spans: dict[str, None] = {}
    rows = 0
    tail = b""
    with archive.open(part) as source:
        while chunk := source.read(1 << 20):
            block = tail + chunk
            rows += chunk.count(b"<row ") + chunk.count(b"<row>")
            if b"mergeCell" in block:
                spans.update((m.group(1).decode("ascii"), None) for m in _MERGE_REF.finditer(block))
            cut = block.rfind(b"<", max(0, len(block) - 400))
            tail = block[cut:] if cut >= 0 else b""
    return list(spans), rows


class _MergeFill:
    """Gives the cells of merged ranges their top-left value while rows stream by."""

    def __init__(self, spans: list[str]) -> None:
        from openpyxl.utils.cell import range_boundaries

        bounds = [range_boundaries(span) for span in spans]
        # (first row, last row, first column, last column), by first row.
        self._waiting = sorted((b[1], b[3], b[0], b[2]) for b in bounds if None not in b)
        self._active: list[tuple[int, int, int, Cell]] = []  # (last row, cols…, value)

    def fill(self, number: int, row: list[Cell]) -> None:
        """Complete ``row`` (number ``number``, not blank) in place."""
        if not self._waiting and not self._active:
            return
        self._active = [a for a in self._active if a[0] >= number]
        while self._waiting and self._waiting[0][0] <= number:
            min_row, max_row, min_col, max_col = self._waiting.pop(0)
            if min_row < number or max_row < number:
                continue  # its top row was blank: nothing to give
            value = row[min_col - 1] if min_col - 1 < len(row) else None
            if not is_blank(value):
                self._active.append((max_row, min_col, max_col, value))
        for _last, min_col, max_col, value in self._active:
            for column in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                while len(row) < column:
                    row.append(None)
                if is_blank(row[column - 1]):
                    row[column - 1] = value


class RowStream:
    """The non-blank rows of one sheet, read one at a time (a whole sheet is never held).

    Iterate once; ``notices`` is complete after the last row. ``expected_rows`` is an
    estimate of the rows (for a progress bar). Reading errors are ImportFileError, raised
    while iterating.
    """

    def __init__(self, opened: SpreadsheetFile, sheet: str | None, max_rows: int) -> None:
        self._opened = opened
        self._max_rows = max_rows
        self.notices: list[str] = []
        name = opened.path.name
        if opened._text is not None:
            self.name = ""
            self.notices.extend(opened._text.notices)
            self.expected_rows = opened._text.text.count("\n") + 1
            return
        if opened._workbook is None:
            raise ImportFileError(f"Tệp “{name}” đã đóng.")
        self.name, self._part = _find_sheet(opened._workbook, name, sheet)
        self._spans, self.expected_rows = _scan_part(opened._workbook.archive, self._part)

    def __iter__(self) -> Iterator[SheetRow]:
        opened = self._opened
        name = opened.path.name
        if opened._text is not None:
            yield from _csv_rows(opened._text, name, self._max_rows, None, [True])
            return
        assert opened._workbook is not None
        outcome = _Outcome()
        merges = _MergeFill(self._spans)
        for number, values in _xlsx_rows(
            opened._workbook,
            name,
            self.name,
            self._part,
            max_rows=self._max_rows,
            limit=None,
            outcome=outcome,
        ):
            merges.fill(number, values)
            yield SheetRow(number, tuple(values))
        self.notices.extend(outcome.notices)


def _fill_merged(rows: dict[int, list[Cell]], spans: list[str], bounds: Any) -> None:
    """Give every cell of a merged range its top-left value (blank rows stay blank)."""
    for span in spans:
        min_col, min_row, max_col, max_row = bounds(span)
        top = rows.get(min_row)
        value = top[min_col - 1] if top is not None and min_col - 1 < len(top) else None
        if is_blank(value):
            continue
        for number in range(min_row, max_row + 1):
            row = rows.get(number)
            if row is None:
                continue
            for column in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                while len(row) < column:
                    row.append(None)
                if is_blank(row[column - 1]):
                    row[column - 1] = value


def _too_many_rows(name: str, max_rows: int) -> str:
    limit = f"{max_rows:,}".replace(",", ".")
    return (
        f"Tệp “{name}” có hơn {limit} dòng, vượt giới hạn của một lần nhập. Hãy tách tệp "
        "theo thôn rồi nhập từng tệp."
    )


# -- CSV --------------------------------------------------------------------------------------

# UTF-8 text that went through a Western code page once (“Nguyá»…n” for “Nguyễn”).
_MOJIBAKE = re.compile(r"(?:á»|áº|Æ°|Æ¡|Ä‘|Ä\x90|Ã[\x80-\xbf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ¡-¿])")
# Letters of the old TCVN3 (ABC) font encoding as Windows-1258 shows them.
_TCVN3 = re.compile(r"[¸µ¶·¹¨»¾¼½Æ©ÊÇËÌ®ª¬«íìîïñ¦§¡¢£¤¥]")
_VIETNAMESE_LETTERS = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
_VIETNAMESE = re.compile(f"[{_VIETNAMESE_LETTERS}{_VIETNAMESE_LETTERS.upper()}]")


def _decode(raw: bytes, name: str) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was read with."""
    if raw.startswith(codecs.BOM_UTF8):
        try:
            return raw[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError:
            raise ImportFileError(
                f"Tệp CSV “{name}” ghi là UTF-8 nhưng có ký tự hỏng. Hãy mở bằng Excel và lưu lại "
                "dạng “CSV UTF-8” hoặc .xlsx."
            ) from None
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            raise ImportFileError(f"Tệp “{name}” có ký tự hỏng (UTF-16).") from None
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        raise ImportFileError(
            f"Không nhận ra bảng mã của tệp CSV “{name}”. Hãy mở bằng Excel và lưu lại dạng "
            "“CSV UTF-8 (phân tách bằng dấu phẩy)” hoặc .xlsx."
        ) from None
    return text, "Windows-1258"


def _check_text(text: str, encoding: str, name: str) -> list[str]:
    sample = text[:200_000]
    bad = _MOJIBAKE.search(sample)
    if bad is not None:
        word = _word_around(sample, bad.start())
        raise ImportFileError(
            f"Tệp CSV “{name}” đã bị sai bảng mã khi lưu: chữ có dấu hiện thành “{word}”. "
            "Hãy mở tệp gốc bằng Excel và lưu lại dạng “CSV UTF-8 (phân tách bằng dấu phẩy)” "
            "hoặc .xlsx, rồi nhập lại. Chưa có gì được nhập."
        )
    if encoding == "Windows-1258":
        tcvn3 = len(_TCVN3.findall(sample))
        letters = len(_VIETNAMESE.findall(unicodedata.normalize("NFC", sample)))
        if tcvn3 > max(3, letters):
            match = _TCVN3.search(sample)
            word = _word_around(sample, match.start()) if match else ""
            raise ImportFileError(
                f"Tệp CSV “{name}” dùng bảng mã cũ TCVN3 (phông chữ .VnTime), ví dụ “{word}”. "
                "Hãy chuyển sang Unicode (ví dụ bằng công cụ chuyển mã của Unikey) rồi lưu "
                "dạng “CSV UTF-8” hoặc .xlsx."
            )
        return [
            f"Tệp CSV “{name}” không lưu theo UTF-8; đã đọc theo bảng mã Windows-1258 "
            "(tiếng Việt). Hãy kiểm tra dấu tiếng Việt trong phần xem trước; nếu sai, hãy lưu "
            "lại tệp dạng “CSV UTF-8” hoặc .xlsx."
        ]
    return []


def _word_around(text: str, at: int) -> str:
    start = at
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in ',;\t"':
        start -= 1
    end = at
    while end < len(text) and not text[end].isspace() and text[end] not in ',;\t"':
        end += 1
    return text[start:end][:40]


def _delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:60] if line.strip()]
    sample = "\n".join(lines)
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t"):
        try:
            counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=candidate) if r]
        except csv.Error:
            continue
        wide = [c for c in counts if c > 1]
        if not wide:
            continue
        mode = max(set(wide), key=wide.count)
        score = (wide.count(mode), mode)
        if score > best_score:
            best, best_score = candidate, score
    return best


@dataclass(frozen=True)
class _Text:
    """A CSV file decoded once: its text, delimiter and what was said about its encoding."""

    text: str
    delimiter: str
    notices: tuple[str, ...]


def _decode_csv(path: Path) -> _Text:
    name = path.name
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFileError(f"Không mở được tệp “{name}”: {exc.strerror or exc}.") from None
    text, encoding = _decode(raw, name)
    notices = _check_text(text, encoding, name)
    if "\x00" in text:
        raise ImportFileError(f"Tệp “{name}” không phải bảng tính (có ký tự nhị phân).")
    return _Text(text, _delimiter(text), tuple(notices))


def _csv_rows(
    decoded: _Text, name: str, max_rows: int, limit: int | None, complete: list[bool]
) -> Iterator[SheetRow]:
    """The non-blank rows of a decoded CSV, one at a time; ``complete[0]`` set False early."""
    reader: Iterator[list[str]] = csv.reader(
        io.StringIO(decoded.text, newline=""), delimiter=decoded.delimiter
    )
    kept = 0
    try:
        for number, record in enumerate(reader, start=1):
            cells: tuple[Cell, ...] = tuple(
                (value if value.strip() else None) for value in record[:MAX_COLUMNS]
            )
            if all(is_blank(v) for v in cells):
                continue
            kept += 1
            if kept > max_rows:
                raise ImportFileError(_too_many_rows(name, max_rows))
            yield SheetRow(number, cells)
            if limit is not None and kept >= limit:
                complete[0] = False
                break
    except csv.Error as exc:
        raise ImportFileError(
            f"Tệp CSV “{name}” sai cấu trúc ở dòng {reader_line(exc)}. Hãy mở bằng Excel và lưu "
            "lại dạng .xlsx."
        ) from None


def _read_csv(decoded: _Text, name: str, max_rows: int, limit: int | None) -> Sheet:
    complete = [True]
    rows = list(_csv_rows(decoded, name, max_rows, limit, complete))
    return Sheet(
        file_name=name,
        kind="csv",
        name="",
        rows=rows,
        sheet_names=[""],
        notices=list(decoded.notices),
        complete=complete[0],
    )


def reader_line(exc: csv.Error) -> str:
    """The line number a csv.Error mentions, or “?”."""
    found = re.search(r"line (\d+)", str(exc))
    return found.group(1) if found else "?"


class SpreadsheetFile:
    """A spreadsheet opened once, whose sheets can then be read one by one.

    Use as a context manager; ``kind`` is "xlsx" or "csv" (a CSV has one sheet named "").
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = file_kind(path)
        self._workbook: _Workbook | None = None
        self._text: _Text | None = None
        if self.kind == "xlsx":
            self._workbook = _open_workbook(path)
        else:
            self._text = _decode_csv(path)

    def __enter__(self) -> SpreadsheetFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None

    @property
    def sheet_names(self) -> list[str]:
        """The worksheets' names, in order ([""] for a CSV)."""
        if self._workbook is None:
            return [""]
        return [name for name, _part, _state in self._workbook.sheets]

    def read(
        self, sheet: str | None = None, *, max_rows: int = MAX_ROWS, limit: int | None = None
    ) -> Sheet:
        """Read one sheet (the first visible one by default); ``limit`` stops early."""
        if self._text is not None:
            return _read_csv(self._text, self.path.name, max_rows, limit)
        if self._workbook is None:
            raise ImportFileError(f"Tệp “{self.path.name}” đã đóng.")
        return _read_xlsx(self._workbook, self.path.name, sheet, max_rows, limit)

    def stream(self, sheet: str | None = None, *, max_rows: int = MAX_ROWS) -> RowStream:
        """The rows of one sheet, one at a time, while the file stays open."""
        return RowStream(self, sheet, max_rows)


def sheet_names(path: Path) -> list[str]:
    """The worksheet names of a file, in order ([""] for a CSV)."""
    with SpreadsheetFile(path) as opened:
        return opened.sheet_names


def read_sheet(
    path: Path, sheet: str | None = None, *, max_rows: int = MAX_ROWS, limit: int | None = None
) -> Sheet:
    """Read one sheet of a file (the first by default); ``limit`` stops after so many rows."""
    with SpreadsheetFile(path) as opened:
        return opened.read(sheet, max_rows=max_rows, limit=limit)
