"""The two lists an officer edits when bringing in a former commune's book, as CSV files.

- The hamlet mapping: one row per former hamlet, ``Thôn cũ`` → ``Thôn mới`` (a hamlet of
  the new commune to merge into, or the name of the hamlet to create); the preview writes the
  proposal, the officer corrects it.
- The children who may be in both books: the preview writes every candidate pair; the
  officer puts “có” in ``Gộp`` on the rows that are the same child.

Both are read with the importer's reader (CSV in any of the encodings it knows, or .xlsx),
and every problem names its row and column. Files are written with the one safe writer, in
UTF-8 with a BOM so that Excel shows the Vietnamese letters.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from desktop.core.domain.dates import format_vn_date
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.text import clean_text, fold
from desktop.core.importer.reader import Cell, read_sheet
from desktop.core.reports.atomic import atomic_output
from desktop.core.services.merge_book import CrossDuplicate, HamletChoice


class MappedPreview(Protocol):
    """A preview with a hamlet mapping (a former book's, or a former commune's list's)."""

    @property
    def hamlets(self) -> tuple[HamletChoice, ...]: ...


class PairedPreview(Protocol):
    """A preview with the children who may be in both (MergeBookPreview, MergeListPreview)."""

    @property
    def duplicates(self) -> tuple[CrossDuplicate, ...]: ...


FORMER_HAMLET = "Thôn cũ"
NEW_HAMLET = "Thôn mới"
HAMLET_HEADERS = (FORMER_HAMLET, NEW_HAMLET, "Số hộ", "Sẽ làm")

EXISTING_ID = "Mã hồ sơ sổ này"
INCOMING_ID = "Mã hồ sơ sổ xã cũ"
CONFIRM = "Gộp"
DUPLICATE_HEADERS = (
    EXISTING_ID,
    INCOMING_ID,
    CONFIRM,
    "Họ tên (sổ này)",
    "Ngày sinh (sổ này)",
    "Nơi ở (sổ này)",
    "Họ tên (sổ xã cũ)",
    "Ngày sinh (sổ xã cũ)",
    "Nơi ở (sổ xã cũ)",
    "Lý do",
)
_YES = frozenset({"co", "x", "1", "dong y", "gop", "yes"})
_NO = frozenset({"", "khong", "0", "no"})


def _header_key(text: str) -> str:
    """ "Thôn cũ", "thon_cu", "THON CU" → "thon cu"."""
    return fold(text.replace("_", " ").replace("-", " "))


def _text(value: Cell) -> str:
    return clean_text("" if value is None else str(value))


def _columns(
    path: Path, wanted: Sequence[str]
) -> tuple[dict[str, int], list[tuple[int, list[str]]]]:
    """The columns of ``wanted`` (by header) and the data rows (number, texts) of a file."""
    sheet = read_sheet(path)
    if not sheet.rows:
        raise ValidationError(FieldProblem("file", f"Tệp {path.name} không có dòng nào."))
    header = sheet.rows[0]
    found: dict[str, int] = {}
    for index, cell in enumerate(header.cells):
        key = _header_key(_text(cell))
        for name in wanted:
            if key == _header_key(name) and name not in found:
                found[name] = index
    missing = [name for name in wanted if name not in found]
    if missing:
        raise ValidationError(
            FieldProblem(
                "file",
                f"Tệp {path.name}, dòng {header.number}: thiếu cột "
                + ", ".join(f"“{m}”" for m in missing)
                + " (dòng đầu của tệp phải là tên các cột).",
                header.number,
            )
        )
    rows = [
        (row.number, [_text(row.cell(found[name])) for name in wanted])
        for row in sheet.rows[1:]
        if any(_text(c) for c in row.cells)
    ]
    return found, rows


def read_hamlet_map(path: Path, hamlets: Sequence[HamletChoice]) -> dict[str, str]:
    """Former hamlet id → the new commune's hamlet, from a file with ``Thôn cũ``/``Thôn mới``.

    ``hamlets`` are the former book's hamlets (the preview's). Every problem is named by its
    row and column; a former hamlet left out is the service's to report.
    """
    _, rows = _columns(path, (FORMER_HAMLET, NEW_HAMLET))
    by_key: dict[str, str] = {}
    for hamlet in hamlets:
        by_key.setdefault(fold(hamlet.former_name), hamlet.former_id)
    names = ", ".join(f"“{h.former_name}”" for h in hamlets)
    targets: dict[str, str] = {}
    first_row: dict[str, int] = {}
    problems: list[FieldProblem] = []
    for number, (former, new) in rows:
        where = f"Tệp {path.name}, dòng {number}"
        if not former:
            problems.append(
                FieldProblem(FORMER_HAMLET, f"{where}, cột “{FORMER_HAMLET}”: chưa ghi.", number)
            )
            continue
        former_id = by_key.get(fold(former))
        if former_id is None:
            problems.append(
                FieldProblem(
                    FORMER_HAMLET,
                    f"{where}, cột “{FORMER_HAMLET}”: sổ xã cũ không có thôn “{former}” "
                    f"(các thôn của sổ xã cũ: {names}).",
                    number,
                )
            )
            continue
        if former_id in first_row:
            problems.append(
                FieldProblem(
                    FORMER_HAMLET,
                    f"{where}, cột “{FORMER_HAMLET}”: thôn “{former}” đã ghi ở dòng "
                    f"{first_row[former_id]}; mỗi thôn cũ chỉ ghi một dòng.",
                    number,
                )
            )
            continue
        first_row[former_id] = number
        if not new:
            problems.append(
                FieldProblem(
                    NEW_HAMLET,
                    f"{where}, cột “{NEW_HAMLET}”: chưa ghi thôn mới cho thôn “{former}” (tên "
                    "thôn đã có để gộp vào, hoặc tên thôn sẽ thêm).",
                    number,
                )
            )
            continue
        targets[former_id] = new
    if problems:
        raise ValidationError(problems)
    return targets


def read_confirmed_pairs(path: Path) -> list[tuple[str, str]]:
    """The pairs marked “có” in ``Gộp``: (id in this book, id in the former book)."""
    _, rows = _columns(path, (EXISTING_ID, INCOMING_ID, CONFIRM))
    pairs: list[tuple[str, str]] = []
    problems: list[FieldProblem] = []
    for number, (existing_id, incoming_id, confirm) in rows:
        where = f"Tệp {path.name}, dòng {number}"
        answer = fold(confirm)
        if answer in _NO:
            continue
        if answer not in _YES:
            problems.append(
                FieldProblem(
                    CONFIRM,
                    f"{where}, cột “{CONFIRM}”: “{confirm}” không rõ; ghi “có” để gộp hai hồ "
                    "sơ, hoặc để trống.",
                    number,
                )
            )
            continue
        for column, value in ((EXISTING_ID, existing_id), (INCOMING_ID, incoming_id)):
            if not value:
                problems.append(
                    FieldProblem(column, f"{where}, cột “{column}”: chưa ghi mã hồ sơ.", number)
                )
        if existing_id and incoming_id:
            pairs.append((existing_id, incoming_id))
    if problems:
        raise ValidationError(problems)
    return pairs


def _csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _write(path: Path, data: bytes) -> None:
    with atomic_output(path) as partial:
        partial.write_bytes(data)


def write_hamlet_map(path: Path, preview: MappedPreview) -> int:
    """The proposed mapping, one row per former hamlet, for the officer to correct."""
    rows = [
        (h.former_name, h.target_name, str(h.households), h.action_text) for h in preview.hamlets
    ]
    _write(path, _csv_bytes(HAMLET_HEADERS, rows))
    return len(rows)


def write_duplicates(path: Path, preview: PairedPreview) -> int:
    """The children who may be in both books, with an empty ``Gộp`` column to fill in."""
    rows = [
        (
            d.existing_id,
            d.incoming_id,
            "",
            d.existing_name,
            format_vn_date(d.existing_birth),
            d.existing_place,
            d.incoming_name,
            format_vn_date(d.incoming_birth),
            d.incoming_place,
            d.reason_text,
        )
        for d in preview.duplicates
    ]
    _write(path, _csv_bytes(DUPLICATE_HEADERS, rows))
    return len(rows)
