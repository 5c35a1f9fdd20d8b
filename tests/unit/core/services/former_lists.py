"""Small hand-made lists for bringing a former commune's Excel list into a book (issue 17).

The new commune's book (Xã Hoàng Kim, 12345) gets its own children from ``own_list``
through the ordinary import; ``former_list`` is the template list of the former commune
Minh Hưng: 6 data rows (rows 4–9 of the sheet, under two title rows and the header row),
one of which (row 9) has an impossible date of birth.
"""

from __future__ import annotations

from pathlib import Path

from desktop.core.services.book import Book
from desktop.core.services.imports import ImportService
from tests.unit.core.importer.conftest import row, write_xlsx

# Mai is in both: same ID number. Bình is in both: same name, birth date and mother.
MAI_ID = "038319004567"


def own_list(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "so-moi.xlsx",
        [
            row(),  # Nguyễn Thị Mai, Thôn Đông hộ 12
            row(hamlet="Thôn Tây", number="3", head="Trần Văn Lực", address="", poverty="",
                name="Trần Văn Bình", born="10/10/2015", sex="Nam", id_number="",
                father="Trần Văn Lực", mother="Phạm Thị Hoa"),
        ],
    )  # fmt: skip


def fill_new_book(book: Book, tmp_path: Path) -> None:
    """Import the new commune's own list into ``book``."""
    service = ImportService(book)
    service.run(service.preview(own_list(tmp_path)))


def former_rows(*, bad_birth: str = "31/02/2019") -> list[list[object]]:
    return [
        # Row 4, 5: Thôn Đông hộ 12 — the same number as a household of the new book.
        row(number="12", head="Lê Văn Tư", address="", poverty="Nghèo", name="Lê Thị Hồng",
            born="01/02/2018", id_number="", father="Lê Văn Tư", mother="Đinh Thị Na"),
        row(number="12", head="Lê Văn Tư", address="", poverty="Nghèo", name="Lê Văn Quang",
            born="03/04/2020", sex="Nam", id_number="", father="Lê Văn Tư", mother="Đinh Thị Na"),
        # Row 6: Mai moved to Minh Hưng with her mother: same ID number.
        row(hamlet="Xóm Chợ", number="5", head="Lê Thị Lan", address="", poverty="",
            father="", mother="Lê Thị Lan"),
        # Row 7: Bình, written in both books (same name, date of birth, mother; no ID).
        row(hamlet="Xóm Chợ", number="7", head="Phạm Thị Hoa", address="", poverty="",
            name="Trần Văn Bình", born="10/10/2015", sex="Nam", id_number="", father="",
            mother="Phạm Thị Hoa"),
        # Row 8, 9: Xóm Bến hộ 1; row 9's date of birth does not exist.
        row(hamlet="Xóm Bến", number="1", head="Hà Văn Sơn", address="", poverty="",
            name="Hà Thị Thu", born="2016", id_number="", father="Hà Văn Sơn", mother=""),
        row(hamlet="Xóm Bến", number="1", head="Hà Văn Sơn", address="", poverty="",
            name="Hà Văn Hải", born=bad_birth, sex="Nam", id_number="", father="Hà Văn Sơn",
            mother=""),
    ]  # fmt: skip


def former_list(tmp_path: Path, name: str = "ds-minh-hung.xlsx", **kwargs: str) -> Path:
    return write_xlsx(tmp_path / name, former_rows(**kwargs))
