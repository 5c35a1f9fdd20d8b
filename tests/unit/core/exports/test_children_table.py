"""The children list goes to Excel as shown: the ids given, in their order."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from desktop.core.reports.xlsx_list import render_list_xlsx
from desktop.core.services.book import Book
from desktop.core.services.exports import ExportService
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService


def test_children_table_keeps_the_order_and_the_names(
    book: Book, hamlet_id: str, tmp_path: Path
) -> None:
    household_id = HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="3",
            head_name="Hoàng Văn Chủ",
            children=[
                ChildForm("Hoàng Thị Ánh", date(2018, 2, 3), 2),
                ChildForm("Hoàng Văn Bảo", date(2016, 7, 8), 1),
            ],
        ),
        today=date(2026, 11, 22),
    )
    children = HouseholdService(book).get_household(household_id).children
    ids = [c.id for c in children if c.id][::-1]
    table = ExportService(book).children_table(ids)
    rows = list(table.rows)
    assert [r[1] for r in rows] == [next(c.full_name for c in children if c.id == i) for i in ids]
    assert rows[0][4] == "Thôn Đông" and rows[0][5] == "3"
    target = tmp_path / "tre-em.xlsx"
    render_list_xlsx(table, target)
    sheet = load_workbook(target).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert "Hoàng Thị Ánh" in values and "Hoàng Văn Bảo" in values
