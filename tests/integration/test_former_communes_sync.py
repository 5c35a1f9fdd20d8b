"""The record of which former commune each household came from survives the server: a new
computer of the commune, enrolled after the merge, pulls it and produces the same reports."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.core.services.book import Book, BookSetup, create_book
from desktop.core.services.former_communes import former_commune, former_communes
from desktop.core.services.indicators import IndicatorService
from desktop.core.sync_service import SyncService
from tests.conftest import ADMIN_PASSWORD, ADMIN_USER
from tests.integration.conftest import ServerProcess
from tests.unit.core.services.former_hand_books import merge_two_former_books

pytestmark = pytest.mark.today("2026-08-15")


def _communes(book: Book) -> list[tuple[str, str, str, frozenset[str]]]:
    return [(f.code, f.name, f.merged_on.isoformat(), f.households) for f in former_communes(book)]


def test_a_new_computer_gets_the_former_communes_from_the_server(
    book: Book, sync_server: ServerProcess, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    merged = merge_two_former_books(book, monkeypatch, tmp_path / "xa-cu")
    service = SyncService(book)
    service.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
    assert service.push().remaining == 0
    before = _communes(book)
    assert [c[0] for c in before] == ["11111", "22222"]
    counted = {
        code: set(IndicatorService(book, former_commune(book, code)).member_ids("2024", "TK0101"))
        for code in ("11111", "22222", "12345")
    }
    assert counted["22222"] == {merged.ids["b1"], merged.ids["mover"], merged.ids["twin"]}

    # Another computer of the commune: a new book, enrolled, pulls everything.
    home = tmp_path / "may-moi"
    home.mkdir()
    monkeypatch.setenv("SOTREEM_HOME", str(home))
    other, _recovery = create_book(
        BookSetup(
            commune_code="12345",
            commune_name="Hoàng Kim",
            province_name="Thanh Hóa",
            admin_username=ADMIN_USER,
            admin_full_name="Nguyễn Văn Quản",
            admin_password=ADMIN_PASSWORD,
        )
    )
    try:
        pulled = SyncService(other)
        pulled.enroll(sync_server.url, sync_server.issue_enrollment_code("12345"))
        pulled.sync()
        assert _communes(other) == before
        for code, children in counted.items():
            scoped = IndicatorService(other, former_commune(other, code))
            assert set(scoped.member_ids("2024", "TK0101")) == children, code
    finally:
        other.close()
        assert os.environ["SOTREEM_HOME"] == str(home)
