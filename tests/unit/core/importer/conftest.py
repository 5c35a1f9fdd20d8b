"""Helpers for the importer tests: spreadsheets written on the fly, template rows."""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from desktop.core.importer.fields import TEMPLATE_HEADERS

TODAY = date(2026, 6, 30)

BASE_ROW: dict[str, Any] = {
    "Thôn/Tổ dân phố": "Thôn Đông",
    "Số hộ": "12",
    "Họ tên chủ hộ": "Nguyễn Văn Hùng",
    "Địa chỉ": "Số 5, Thôn Đông",
    "Hoàn cảnh hộ": "Cận nghèo",
    "Họ tên trẻ": "Nguyễn Thị Mai",
    "Ngày sinh": "05/09/2019",
    "Giới tính": "Nữ",
    "Dân tộc": "Kinh",
    "Số định danh": "038319004567",
    "Khai sinh": "Có",
    "Thẻ BHYT": "Có",
    "Học tập": "Mẫu giáo",
    "Hoàn cảnh đặc biệt": "",
    "Họ tên cha": "Nguyễn Văn Hùng",
    "Họ tên mẹ": "Lê Thị Lan",
    "Người chăm sóc": "",
    "Ghi chú": "",
}


def row(**changes: Any) -> list[Any]:
    """A template row (list in header order); keyword names use _ for spaces, e.g. Ho_ten_tre."""
    values = dict(BASE_ROW)
    for key, value in changes.items():
        header = _HEADER_BY_ARG.get(key, key)
        assert header in values, header
        values[header] = value
    return [values[h] for h in TEMPLATE_HEADERS]


_HEADER_BY_ARG = {
    "hamlet": "Thôn/Tổ dân phố",
    "number": "Số hộ",
    "head": "Họ tên chủ hộ",
    "address": "Địa chỉ",
    "poverty": "Hoàn cảnh hộ",
    "name": "Họ tên trẻ",
    "born": "Ngày sinh",
    "sex": "Giới tính",
    "ethnicity": "Dân tộc",
    "id_number": "Số định danh",
    "registered": "Khai sinh",
    "insurance": "Thẻ BHYT",
    "schooling": "Học tập",
    "special": "Hoàn cảnh đặc biệt",
    "father": "Họ tên cha",
    "mother": "Họ tên mẹ",
    "carer": "Người chăm sóc",
    "notes": "Ghi chú",
}


def write_xlsx(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    headers: Sequence[str] = TEMPLATE_HEADERS,
    title_rows: Sequence[str] = ("DANH SÁCH TRẺ EM THÔN ĐÔNG", ""),
    sheet: str = "Danh sách",
) -> Path:
    """An .xlsx with optional title rows, the header row, then ``rows``."""
    workbook = Workbook()
    ws = workbook.active
    assert ws is not None
    ws.title = sheet
    for title in title_rows:
        ws.append([title or None])
    ws.append(list(headers))
    for values in rows:
        ws.append([None if v == "" else v for v in values])
    workbook.save(path)
    return path


def write_csv(
    path: Path,
    rows: Sequence[Sequence[Any]],
    *,
    encoding: str = "utf-8",
    delimiter: str = ",",
    headers: Sequence[str] = TEMPLATE_HEADERS,
) -> Path:
    """A CSV file in ``encoding`` (``utf-8-sig`` for a BOM)."""
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(headers)
        for values in rows:
            writer.writerow(["" if v is None else v for v in values])
    return path


def set_cached_values(path: Path, values: dict[str, str]) -> None:
    """Give formula cells a cached result, as Excel does when it saves (openpyxl cannot)."""
    with zipfile.ZipFile(path) as source:
        members = {name: source.read(name) for name in source.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = members[name].decode("utf-8")
    for ref, value in values.items():
        xml, count = re.subn(
            rf'(<c r="{ref}"[^>]*>\s*<f>[^<]*</f>)\s*(?:<v\s*/>|<v>\s*</v>)?',
            rf"\1<v>{value}</v>",
            xml,
        )
        assert count == 1, ref
    members[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for member, data in members.items():
            target.writestr(member, data)
