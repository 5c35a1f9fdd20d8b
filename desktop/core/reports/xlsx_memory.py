"""openpyxl keeps each sheet's XML in memory, compressed, never in a temporary file.

openpyxl writes every worksheet's XML to a temporary file (``%TEMP%/openpyxl.*``) before it
zips the workbook, even when the workbook itself goes into a buffer to be encrypted
(``protect.protected_output``). That file holds the sheet in clear — children's names, ID
numbers, a rejected-rows list — and stays behind if the process is killed. ``install()``
replaces that file with a zlib-compressed buffer in memory (a list of blocks: a 99,000-row
sheet is a few MB, not its 100+ MB of XML), and streams it into the archive at save time.

openpyxl is pinned below 4; ``tests/unit/core/reports/test_xlsx_memory.py`` checks that no
temporary file is created and that the workbook still opens.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook

_CHUNK = 1 << 20


class CompressedSheet:
    """A write-only, in-memory file for one sheet's XML (what openpyxl's writer writes to)."""

    def __init__(self) -> None:
        self._blocks: list[bytes] = []
        self._packer: Any = zlib.compressobj(1)
        self._sealed = False
        self.size = 0  # bytes of XML written

    def write(self, data: bytes | str) -> int:
        """Compress ``data`` into the buffer."""
        if self._sealed:
            raise ValueError("I/O operation on closed file.")
        raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        block = self._packer.compress(raw)
        if block:
            self._blocks.append(block)
        self.size += len(raw)
        return len(raw)

    def flush(self) -> None:
        """Nothing to flush: the buffer is memory."""

    def chunks(self) -> Iterator[bytes]:
        """The XML again, a megabyte at a time (the buffer is sealed on the first call)."""
        if not self._sealed:
            self._blocks.append(self._packer.flush())
            self._sealed = True
        unpacker = zlib.decompressobj()
        for block in self._blocks:
            data = unpacker.decompress(block)
            for start in range(0, len(data), _CHUNK):
                yield data[start : start + _CHUNK]
        tail = unpacker.flush()
        if tail:
            yield tail

    def getvalue(self) -> bytes:
        """The whole XML (for small sheets and tests)."""
        return b"".join(self.chunks())


@functools.cache
def install() -> None:
    """Make openpyxl write sheets to ``CompressedSheet`` buffers (once per process)."""
    from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
    from openpyxl.worksheet import _write_only, _writer
    from openpyxl.writer import excel

    class MemoryWorksheetWriter(_writer.WorksheetWriter):  # type: ignore[misc]
        def __init__(self, ws: Any, out: Any = None) -> None:
            super().__init__(ws, CompressedSheet() if out is None else out)

        def read(self) -> bytes:
            self.close()
            out = self.out
            return out.getvalue() if isinstance(out, CompressedSheet) else super().read()

        def cleanup(self) -> None:
            if not isinstance(self.out, CompressedSheet):
                super().cleanup()

    def write_worksheet(self: Any, ws: Any) -> None:
        # openpyxl 3.1's ExcelWriter.write_worksheet, with the sheet streamed from memory.
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        if self.workbook.write_only:
            if not ws.closed:
                ws.close()
            writer = ws._writer
        else:
            writer = MemoryWorksheetWriter(ws)
            writer.write()
        ws._rels = writer._rels
        out = writer.out
        if isinstance(out, CompressedSheet):
            with self._archive.open(ws.path[1:], "w", force_zip64=True) as member:
                for chunk in out.chunks():
                    member.write(chunk)
        else:
            self._archive.write(out, ws.path[1:])
        self.manifest.append(ws)
        writer.cleanup()

    _write_only.WorksheetWriter = MemoryWorksheetWriter
    excel.WorksheetWriter = MemoryWorksheetWriter
    excel.ExcelWriter.write_worksheet = write_worksheet


def new_workbook(*, write_only: bool = False) -> Workbook:
    """A new openpyxl workbook whose sheets are never written to a temporary file."""
    install()
    from openpyxl import Workbook

    return Workbook(write_only=write_only)
