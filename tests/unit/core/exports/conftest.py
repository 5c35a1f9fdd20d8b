"""A small commune imported through the template, for the export and printing tests."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from desktop.core.services.book import Book
from desktop.core.services.imports import ImportService
from desktop.core.storage.models import Hamlet, Person
from tests.unit.core.importer.conftest import row, write_xlsx

TODAY = date(2026, 6, 30)


@pytest.fixture
def commune(book: Book, tmp_path: Path) -> Book:
    """Two hamlets, three households, five persons (a head of 41, four children)."""
    path = write_xlsx(
        tmp_path / "xa.xlsx",
        [
            row(name="Nguyễn Thị Mai"),
            row(name="Nguyễn Văn Hùng", born="14/03/1985", sex="Nam", id_number="038085001234",
                registered="", insurance="", schooling="", father="", mother=""),
            row(name="Nguyễn Văn Nam", born="21/11/2012", sex="Nam", id_number="",
                schooling="Tiểu học", special="4"),
            row(number="2", head="Lê Văn Tám", address="Số 9, Thôn Đông", poverty="Không",
                name="Lê Thị Bé", born="02/02/2021", id_number="038221000001",
                mother="Trần Thị Hoa", father=""),
            row(hamlet="Bản Nà Lùng", number="3", head="Hoàng Văn Sáng", address="",
                poverty="Nghèo", name="Hoàng Thị Dua", born="10/10/2015", ethnicity="Hmông",
                id_number="", registered="Chưa", insurance="Không", schooling="Tiểu học",
                father="", mother=""),
        ],
    )  # fmt: skip
    service = ImportService(book)
    result = service.run(service.preview(path, today=TODAY))
    assert result.summary.rejected == 0
    return book


def person_id(book: Book, name: str) -> str:
    with book.read() as session:
        return str(session.scalars(select(Person.id).where(Person.full_name == name)).one())


def hamlet_id(book: Book, name: str) -> str:
    with book.read() as session:
        return str(session.scalars(select(Hamlet.id).where(Hamlet.name == name)).one())


def pdf_text(path: Path) -> str:
    """All the text of a PDF, pages joined."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
