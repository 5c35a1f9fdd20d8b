from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop import paths
from desktop.core.domain.errors import ValidationError
from desktop.core.services.book import (
    Book,
    BookFileError,
    BookSetup,
    LoginError,
    create_book,
    open_book,
    reset_password_with_recovery,
)
from tests.conftest import ADMIN_PASSWORD


def test_create_then_open(book_setup: BookSetup) -> None:
    book, recovery = create_book(book_setup)
    assert len(recovery) == 29
    assert book.commune().display_name == "Xã Hoàng Kim"
    book.close()
    again = open_book("ADMIN ", ADMIN_PASSWORD)
    assert again.user.full_name == "Nguyễn Văn Quản"
    again.close()


def test_setup_problems_are_all_reported(book_setup: BookSetup) -> None:
    bad = BookSetup(
        commune_code="1234",
        commune_name=" ",
        province_name="Thanh Hóa",
        admin_username="cán bộ",
        admin_full_name="A",
        admin_password="123",
        upstream_url="so.gov.vn",
    )
    with pytest.raises(ValidationError) as info:
        create_book(bad)
    fields = {p.field for p in info.value.problems}
    assert {
        "commune_code",
        "commune_name",
        "admin_username",
        "admin_password",
        "upstream_url",
    } <= fields
    assert not paths.book_file().exists()
    assert not paths.key_file().exists()


def test_never_overwrites_an_existing_book(book: Book, book_setup: BookSetup) -> None:
    with pytest.raises(BookFileError, match="đã có một sổ"):
        create_book(book_setup)


def test_wrong_password_locks_with_growing_delay(book: Book) -> None:
    book.close()
    now = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    for _ in range(2):
        with pytest.raises(LoginError) as info:
            open_book("admin", "sai-mat-khau-1", now=now)
        assert info.value.seconds_locked == 0
    with pytest.raises(LoginError) as info:
        open_book("admin", "sai-mat-khau-1", now=now)
    assert info.value.seconds_locked == 30
    # Even the right password waits while locked.
    with pytest.raises(LoginError, match="tạm khóa"):
        open_book("admin", ADMIN_PASSWORD, now=now + timedelta(seconds=5))
    opened = open_book("admin", ADMIN_PASSWORD, now=now + timedelta(seconds=31))
    opened.close()


def test_recovery_code_resets_password(book_setup: BookSetup) -> None:
    book, recovery = create_book(book_setup)
    book.close()
    with pytest.raises(LoginError, match="Mã khôi phục không đúng"):
        reset_password_with_recovery("admin", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "matkhau-moi-2027")
    reset_password_with_recovery("admin", recovery, "matkhau-moi-2027")
    with pytest.raises(LoginError):
        open_book("admin", ADMIN_PASSWORD)
    open_book("admin", "matkhau-moi-2027").close()


def test_foreign_database_file_is_refused(book_setup: BookSetup, tmp_path: Path) -> None:
    first, _ = create_book(book_setup)
    first.close()
    foreign = tmp_path / "foreign.db"
    shutil.copy(paths.book_file(), foreign)
    paths.book_file().unlink()
    paths.key_file().unlink()
    second, _ = create_book(book_setup)
    second.close()
    shutil.copy(foreign, paths.book_file())
    with pytest.raises(BookFileError):
        open_book("admin", ADMIN_PASSWORD)


def test_newer_database_is_refused_untouched(book: Book) -> None:
    with book.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'ffff-from-the-future'"))
    book.close()
    before = paths.book_file().read_bytes()
    with pytest.raises(BookFileError, match="phiên bản Sổ Trẻ Em mới hơn"):
        open_book("admin", ADMIN_PASSWORD)
    assert paths.book_file().read_bytes() == before


def test_older_book_is_backed_up_then_migrated(book: Book, hamlet_id: str) -> None:
    from alembic import command

    from desktop.core.services.households import HouseholdForm, HouseholdService
    from desktop.core.storage import migrate

    HouseholdService(book).save_household(
        HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="Lò Văn Pấng")
    )
    config = migrate._config()
    with book.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0001")
    book.close()
    opened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert migrate.current_revision(opened.engine) == migrate.head_revision()
        assert [r.head_name for r in HouseholdService(opened).list_households()] == ["Lò Văn Pấng"]
    finally:
        opened.close()
    from desktop.core.services.backup import read_manifest

    backups = list(paths.backups_dir().glob("truoc-nang-cap-*.stebak"))
    assert len(backups) == 1
    assert read_manifest(backups[0])["schema_revision"] == "0001"
