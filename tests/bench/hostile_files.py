"""Hostile spreadsheets built on the fly with zipfile (never kept as files in the repository).

- ``cell_bomb``: a small .xlsx whose one cell expands to ``cell_mb`` MB (shared string or
  inline string).
- ``blank_rows_bomb``: a template header, three real rows, then ``blank_rows`` rows of
  empty styled cells (~60 bytes of XML each).
- ``junk_list``: the template header and ``rows`` rows of junk that every check rejects.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

_OOXML = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OOXML}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OOXML}.worksheet+xml"/>'
    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_OOXML}.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Danh sách" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
_SHEET_TAIL = "</sheetData></worksheet>"
_EMPTY_STRINGS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" '
    'uniqueCount="0"></sst>'
)
_CHUNK = 1 << 20


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _row(number: int, values: Iterable[str]) -> str:
    cells = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
        for i, v in enumerate(values)
        if v
    )
    return f'<row r="{number}">{cells}</row>'


def _write(path: Path, sheet: Iterator[str], shared: Iterator[str] | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        for name, parts in (("xl/sharedStrings.xml", shared), ("xl/worksheets/sheet1.xml", sheet)):
            if parts is None:
                zf.writestr(name, _EMPTY_STRINGS)
                continue
            with zf.open(name, "w", force_zip64=True) as member:
                for part in parts:
                    member.write(part.encode("utf-8"))
    return path


def _repeat(text: str, megabytes: int) -> Iterator[str]:
    block = text * (_CHUNK // len(text))
    for _ in range(megabytes):
        yield block


def _headers() -> list[str]:
    from desktop.core.importer.fields import TEMPLATE_HEADERS

    return list(TEMPLATE_HEADERS)


def cell_bomb(path: Path, cell_mb: int = 400, *, shared: bool = True) -> Path:
    """A header row and one cell of ``cell_mb`` MB ("A" repeated), in the shared strings."""
    headers = _headers()

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD + _row(1, headers)
        if shared:
            yield '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
        else:
            yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
            yield from _repeat("A", cell_mb)
            yield "</t></is></c></row>"
        yield _SHEET_TAIL

    def strings() -> Iterator[str]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
            'uniqueCount="1"><si><t>'
        )
        yield from _repeat("A", cell_mb)
        yield "</t></si></sst>"

    return _write(path, sheet(), strings() if shared else None)


def _real_rows() -> list[list[str]]:
    headers = _headers()
    people = [("Nguyễn Văn An", "01/02/2015"), ("Trần Thị Bình", "15/08/2017"),
              ("Lê Minh Châu", "30/11/2019")]  # fmt: skip
    rows = []
    for number, (name, born) in enumerate(people, start=1):
        values = dict.fromkeys(headers, "")
        values.update({
            "Thôn/Tổ dân phố": "Thôn Đông", "Số hộ": f"H{number:03d}",
            "Họ tên chủ hộ": f"Chủ hộ {number}", "Họ tên trẻ": name, "Ngày sinh": born,
            "Giới tính": "Nữ" if number % 2 == 0 else "Nam", "Dân tộc": "Kinh",
        })  # fmt: skip
        rows.append([values[h] for h in headers])
    return rows


def blank_rows_bomb(path: Path, blank_rows: int = 3_000_000) -> Path:
    """A header, three real rows, then ``blank_rows`` rows of empty styled cells."""
    headers = _headers()

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD + _row(1, headers)
        for number, values in enumerate(_real_rows(), start=2):
            yield _row(number, values)
        batch: list[str] = []
        for number in range(5, 5 + blank_rows):
            batch.append(f'<row r="{number}"><c r="A{number}" s="0"/><c r="B{number}"/></row>')
            if len(batch) == 10_000:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch) + _SHEET_TAIL

    return _write(path, sheet())


def junk_list(path: Path, rows: int = 99_000) -> Path:
    """The template header and ``rows`` rows of junk: every row is rejected."""
    headers = _headers()

    def sheet() -> Iterator[str]:
        yield _SHEET_HEAD + _row(1, headers)
        batch: list[str] = []
        for number in range(2, 2 + rows):
            junk = [f"rác {number} {i} %$#@!" for i in range(len(headers))]
            junk[headers.index("Ngày sinh")] = f"ngày {number}"
            batch.append(_row(number, junk))
            if len(batch) == 2_000:
                yield "".join(batch)
                batch.clear()
        yield "".join(batch) + _SHEET_TAIL

    return _write(path, sheet())
