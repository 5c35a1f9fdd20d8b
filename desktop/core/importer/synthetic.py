"""Render a synthetic commune as an import-template file (tests, benchmarks, training)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from desktop.core.domain.dates import format_vn_date
from desktop.core.importer.fields import TEMPLATE_HEADERS
from desktop.core.reports.atomic import atomic_output
from desktop.core.synthetic import SyntheticCommune

_POVERTY = {"HN01": "Nghèo", "HN02": "Cận nghèo", "HN03": "Không"}
_SEX = {1: "Nam", 2: "Nữ", 3: "Chưa xác định"}


def _schooling(birth: date, today: date) -> str:
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    if age < 3:
        return "Nhà trẻ" if age >= 1 else "Chưa đi học"
    if age < 6:
        return "Mẫu giáo"
    if age < 11:
        return "Tiểu học"
    return "THCS"


def commune_rows(commune: SyntheticCommune) -> Iterator[list[str]]:
    """The template rows of every child of ``commune``, household by household."""
    from desktop.core.services import codes

    ethnic = {c.code: c.name for c in codes.ethnic_groups()}
    hamlets = {h.id: h.name for h in commune.hamlets}
    for household in commune.households:
        for person in household.members:
            values = {
                "Thôn/Tổ dân phố": hamlets[household.hamlet_id],
                "Số hộ": household.number,
                "Họ tên chủ hộ": household.head_name,
                "Địa chỉ": household.address,
                "Hoàn cảnh hộ": _POVERTY.get(household.poverty_code, "Không"),
                "Họ tên trẻ": person.full_name,
                "Ngày sinh": format_vn_date(person.birth_date),
                "Giới tính": _SEX[person.sex],
                "Dân tộc": ethnic.get(person.ethnicity_code, "Kinh"),
                "Số định danh": person.id_number or "",
                "Khai sinh": "Có" if person.id_number else "Chưa",
                "Thẻ BHYT": "Có" if person.id_number else "Không",
                "Học tập": _schooling(person.birth_date, commune.today),
                "Hoàn cảnh đặc biệt": "",
                "Họ tên cha": "",
                "Họ tên mẹ": "",
                "Người chăm sóc": "",
                "Ghi chú": person.notes,
            }
            yield [values[h] for h in TEMPLATE_HEADERS]


def write_commune(commune: SyntheticCommune, path: Path, title_rows: bool = True) -> int:
    """Write ``commune`` to ``path`` (.xlsx or .csv) in the template layout; the rows written."""
    rows = 0
    if path.suffix.lower() == ".csv":
        with atomic_output(path) as tmp, tmp.open("w", encoding="utf-8-sig", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(TEMPLATE_HEADERS)
            for values in commune_rows(commune):
                writer.writerow(values)
                rows += 1
        return rows
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Danh sách")
    if title_rows:
        sheet.append(["DANH SÁCH TRẺ EM (dữ liệu mẫu)"])
        sheet.append([f"Ngày lập: {format_vn_date(commune.today)}"])
        sheet.append([])
    sheet.append(list(TEMPLATE_HEADERS))
    for values in commune_rows(commune):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value or None)
            cell.number_format = "@"
            cells.append(cell)
        sheet.append(cells)
        rows += 1
    with atomic_output(path) as tmp:
        workbook.save(tmp)
    return rows
