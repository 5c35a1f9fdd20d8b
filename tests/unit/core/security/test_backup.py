"""Backups: encrypted, rotated, verified before a restore; bad backups change nothing."""

from __future__ import annotations

import errno
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from sqlalchemy import Engine

from desktop import paths
from desktop.cli import run_cli
from desktop.core.domain.text import format_size
from desktop.core.services.backup import (
    BackupError,
    BackupKind,
    BackupService,
    daily_backup_if_due,
    prune,
    restore_file,
    verify_backup,
    write_backup,
)
from desktop.core.services.book import Book, BookSetup, create_book, open_book
from desktop.core.services.households import HouseholdForm, HouseholdService
from desktop.core.storage import backup_stream
from desktop.core.storage.keyfile import KeyFile
from tests.conftest import ADMIN_PASSWORD


def _add(book: Book, hamlet_id: str, number: str) -> str:
    return HouseholdService(book).save_household(
        HouseholdForm(hamlet_id=hamlet_id, number=number, head_name=f"Hộ số {number}")
    )


def _numbers(book: Book) -> list[str]:
    return sorted(r.number for r in HouseholdService(book).list_households())


def _book_files() -> dict[str, bytes]:
    found = {}
    for path in (paths.book_file(), paths.key_file()):
        found[path.name] = path.read_bytes()
    return found


def test_backup_is_one_encrypted_file_with_a_signed_manifest(book: Book, hamlet_id: str) -> None:
    _add(book, hamlet_id, "1")
    info = BackupService(book).backup_now()
    assert info.path.parent == paths.backups_dir() and info.path.name.startswith("thu-cong-")
    with zipfile.ZipFile(info.path) as archive:
        assert set(archive.namelist()) == {
            "manifest.json",
            "so-tre-em.dump.zlib.aes",
            "so-tre-em.keys.json",
        }
        db = archive.read("so-tre-em.dump.zlib.aes")
        manifest = json.loads(archive.read("manifest.json"))
    # Compressed, then encrypted: neither the zlib header nor any name shows.
    assert not db.startswith(b"\x78\x01") and "Hộ số".encode() not in db
    assert manifest["format"] == 3 and manifest["db_encoding"]["codec"] == "zlib"
    assert manifest["commune_code"] == "12345" and manifest["book_id"] == book.key_file.book_id
    assert manifest["schema_revision"] and len(manifest["hmac"]) == 64
    assert manifest["members"]["so-tre-em.dump.zlib.aes"]["size"] == len(db)


def test_restore_round_trip_keeps_the_replaced_files(book: Book, hamlet_id: str) -> None:
    _add(book, hamlet_id, "1")
    service = BackupService(book)
    info = service.backup_now()
    _add(book, hamlet_id, "2")
    current = paths.book_file().read_bytes()
    verified = service.verify(info.path)
    assert not verified.other_book and not verified.other_commune
    result = service.restore(verified)
    assert book.closed
    assert result.aside_dir.name.startswith("truoc-khoi-phuc-") and not result.key_file_replaced
    assert (result.aside_dir / "so-tre-em.db").exists()
    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(reopened) == ["1"]
        from desktop.core.services.audit import AuditFilter, AuditService

        restores = AuditService(reopened).page(AuditFilter(action="restore")).rows
        assert restores and restores[0].username == "admin"
        assert AuditService(reopened).verify().ok
    finally:
        reopened.close()
    assert len(current) > 0


def _rewrite(source: Path, target: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for name in old.namelist():
            new.writestr(name, change.get(name, old.read(name)))


def test_tampered_manifest_is_refused(book: Book, hamlet_id: str, tmp_path: Path) -> None:
    info = BackupService(book).backup_now()
    with zipfile.ZipFile(info.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    manifest["commune_name"] = "Xã Khác"
    forged = tmp_path / "gia.stebak"
    _rewrite(info.path, forged, {"manifest.json": json.dumps(manifest).encode()})
    before = _book_files()
    with pytest.raises(BackupError, match="đã bị sửa đổi"):
        BackupService(book).verify(forged)
    assert _book_files() == before
    assert not list(paths.data_dir().glob(".khoi-phuc-*"))


def test_tampered_database_is_refused(book: Book, tmp_path: Path) -> None:
    info = BackupService(book).backup_now()
    with zipfile.ZipFile(info.path) as archive:
        db = bytearray(archive.read("so-tre-em.dump.zlib.aes"))
    db[len(db) // 2] ^= 0xFF
    forged = tmp_path / "gia.stebak"
    _rewrite(info.path, forged, {"so-tre-em.dump.zlib.aes": bytes(db)})
    with pytest.raises(BackupError, match="không khớp mã kiểm tra"):
        BackupService(book).verify(forged)


def test_truncated_backup_is_refused(book: Book, tmp_path: Path) -> None:
    info = BackupService(book).backup_now()
    cut = tmp_path / "cut.stebak"
    cut.write_bytes(info.path.read_bytes()[: info.size // 2])
    before = _book_files()
    with pytest.raises(BackupError, match="bị hỏng hoặc không đầy đủ"):
        BackupService(book).verify(cut)
    assert _book_files() == before
    not_a_backup = tmp_path / "anh.stebak"
    not_a_backup.write_bytes(b"\x89PNG not a zip")
    with pytest.raises(BackupError, match="không phải bản sao lưu"):
        BackupService(book).verify(not_a_backup)


def _other_commune_backup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    other_home = tmp_path / "xa-khac"
    other_home.mkdir()
    monkeypatch.setenv("SOTREEM_HOME", str(other_home))
    other, code = create_book(
        BookSetup("54321", "Bản Khác", "Lai Châu", "admin", "Người Khác", "khac-mat-khau-99")
    )
    HouseholdService(other).add_hamlet("Bản Nà")
    info = BackupService(other).backup_now(tmp_path)
    other.close()
    return info.path, code


def test_backup_of_another_commune_needs_its_code_and_a_confirmation(
    book: Book, hamlet_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = paths.data_dir()
    foreign, code = _other_commune_backup(tmp_path, monkeypatch)
    monkeypatch.setenv("SOTREEM_HOME", str(home))
    service = BackupService(book)
    with pytest.raises(BackupError, match="của một sổ khác") as caught:
        service.verify(foreign)
    assert caught.value.needs_secret
    with pytest.raises(BackupError, match="Mã khôi phục không mở được"):
        service.verify(foreign, secret="AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
    verified = service.verify(foreign, secret=code)
    assert verified.other_book and verified.other_commune
    before = _book_files()
    with pytest.raises(BackupError, match=r"mã 54321.*không phải của xã đang dùng \(mã 12345\)"):
        service.restore(verified)
    assert _book_files() == before and not book.closed
    verified = service.verify(foreign, secret=code)
    result = service.restore(verified, confirm_other_commune=True)
    assert result.key_file_replaced
    assert KeyFile.load(paths.key_file()).commune_code == "54321"
    opened = open_book("admin", "khac-mat-khau-99")
    assert opened.commune().code == "54321"
    opened.close()


def test_full_disk_during_backup_leaves_nothing_behind(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    usb = tmp_path / "usb"
    usb.mkdir()
    earlier = BackupService(book).backup_now(usb)
    real = backup_stream.dump

    def full_disk(engine: Engine, out: IO[bytes], *args: Any, **kwargs: Any) -> None:
        real(engine, _Limited(out, 2_000), *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(backup_stream, "dump", full_disk)
    with pytest.raises(BackupError, match="Không đủ chỗ trống") as caught:
        BackupService(book).backup_now(usb)
    assert "không tệp nào bị ghi đè" in caught.value.message_vi
    assert sorted(p.name for p in usb.iterdir()) == [earlier.path.name]
    assert earlier.path.read_bytes()[:2] == b"PK"
    assert not [p for p in paths.backups_dir().iterdir() if p.name.startswith(".")]


class _Limited(io.RawIOBase):
    """A file that runs out of space after ``limit`` bytes."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self._inner = inner
        self._left = limit

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        if len(chunk) > self._left:
            raise OSError(errno.ENOSPC, "No space left on device")
        self._left -= len(chunk)
        return self._inner.write(chunk)

    def flush(self) -> None:
        self._inner.flush()


def test_daily_backup_once_a_day_and_before_import(book: Book) -> None:
    now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first = daily_backup_if_due(book, now)
    assert first is not None and first.kind == "tu-dong"
    assert daily_backup_if_due(book, now + timedelta(hours=3)) is None
    assert daily_backup_if_due(book, now + timedelta(days=1)) is not None
    before_import = BackupService(book).backup_before("import")
    assert before_import.path.name.startswith("truoc-nhap-")


def test_rotation_keeps_days_weeks_months_and_recent_others(tmp_path: Path) -> None:
    tmp_path = tmp_path / "sao-luu"
    tmp_path.mkdir()
    start = datetime(2025, 1, 1, 8, 0)
    names = []
    for day in range(400):
        stamp = (start + timedelta(days=day)).strftime("%Y%m%d-%H%M%S")
        names.append(f"tu-dong-{stamp}.stebak")
    names += [f"truoc-nhap-2026010{i}-080000.stebak" for i in range(1, 9)]
    names += ["ghi-chu.txt", "truoc-nang-cap-20250101-000000-0001.db"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = prune(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir())
    daily = [n for n in kept if n.startswith("tu-dong-")]
    last = start + timedelta(days=399)
    assert f"tu-dong-{last:%Y%m%d}-080000.stebak" in daily
    assert len(daily) <= 7 + 4 + 12 and len(daily) >= 12
    months = {n[8:14] for n in daily}
    assert len(months) == 12
    assert [n for n in kept if n.startswith("truoc-nhap-")] == [
        f"truoc-nhap-2026010{i}-080000.stebak" for i in range(4, 9)
    ]
    assert "ghi-chu.txt" in kept and "truoc-nang-cap-20250101-000000-0001.db" in kept
    assert len(removed) == len(names) - len(kept)


def test_lost_pc_restore_with_the_recovery_code(
    book_setup: BookSetup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    opened, code = create_book(book_setup)
    hamlet = HouseholdService(opened).add_hamlet("Thôn Đông").id
    _add(opened, hamlet, "7")
    usb = tmp_path / "usb"
    info = BackupService(opened).backup_now(usb)
    opened.close()
    new_pc = tmp_path / "may-moi"
    new_pc.mkdir()
    monkeypatch.setenv("SOTREEM_HOME", str(new_pc))
    with pytest.raises(BackupError, match="Mã khôi phục không mở được"):
        restore_file(info.path, secret="0000-0000-0000-0000-0000-0000")
    assert not paths.book_file().exists()
    result = restore_file(info.path, secret=code.lower().replace("-", " "))
    assert result.key_file_replaced
    restored = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(restored) == ["7"]
    finally:
        restored.close()


def test_cli_backup_and_restore_of_a_truncated_book(
    book: Book,
    hamlet_id: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _add(book, hamlet_id, "3")
    book.close()
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    assert run_cli(["backup", "--to", str(tmp_path / "usb")]) == 0
    out = capsys.readouterr().out
    assert "Đã sao lưu vào" in out
    made = next((tmp_path / "usb").glob("thu-cong-*.stebak"))
    assert f"({format_size(made.stat().st_size)}, đã mã hóa)." in out
    assert " byte" not in out
    # The book file is cut in half (a power cut while copying it, a bad disk …).
    data = paths.book_file().read_bytes()
    paths.book_file().write_bytes(data[: len(data) // 2])
    assert run_cli(["report", "population"]) == 1
    assert "Hãy khôi phục từ bản sao lưu" in capsys.readouterr().err
    assert run_cli(["restore", str(made)]) == 0
    out = capsys.readouterr().out
    assert "Đã khôi phục" in out and "truoc-khoi-phuc-" in out
    aside = next(paths.backups_dir().glob("truoc-khoi-phuc-*"))
    assert (aside / "so-tre-em.db").stat().st_size == len(data) // 2  # the damaged file is kept
    restored = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(restored) == ["3"]
    finally:
        restored.close()
    monkeypatch.setenv("SOTREEM_RECOVERY_CODE", "0000-0000-0000-0000-0000-0000")
    assert run_cli(["restore", str(made), "--recovery-code"]) == 1
    assert "Mã khôi phục không mở được" in capsys.readouterr().err


def test_backup_is_refused_to_viewers(book: Book, hamlet_id: str) -> None:
    from desktop.core.domain.permissions import PermissionDenied
    from desktop.core.domain.roles import Role
    from desktop.core.services.users import NewUser, UserService

    UserService(book).add_user(NewUser("xem", "Xem", Role.VIEWER, "mk-doc-so-2026"))
    viewer = open_book("xem", "mk-doc-so-2026")
    try:
        with pytest.raises(PermissionDenied, match="sao lưu"):
            BackupService(viewer).backup_now()
        with pytest.raises(PermissionDenied, match="khôi phục"):
            BackupService(viewer).verify(Path("x.stebak"))
    finally:
        viewer.close()
    assert BackupKind.DAILY.value == "tu-dong"


def test_an_old_uncompressed_backup_still_restores(book: Book, hamlet_id: str) -> None:
    from desktop.core.services.backup import FORMAT_V1, write_backup

    _add(book, hamlet_id, "1")
    old = write_backup(
        book.engine, book.key_file, book.unwrapped_key(), kind=BackupKind.MANUAL, fmt=FORMAT_V1
    )
    with zipfile.ZipFile(old.path) as archive:
        assert "so-tre-em.db" in archive.namelist()
        assert json.loads(archive.read("manifest.json"))["format"] == 1
    _add(book, hamlet_id, "2")
    service = BackupService(book)
    service.restore(service.verify(old.path))
    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(reopened) == ["1"]
    finally:
        reopened.close()


def test_a_format_2_lzma_backup_still_restores(book: Book, hamlet_id: str) -> None:
    from desktop.core.services.backup import FORMAT_V2, write_backup

    _add(book, hamlet_id, "1")
    old = write_backup(
        book.engine, book.key_file, book.unwrapped_key(), kind=BackupKind.MANUAL, fmt=FORMAT_V2
    )
    with zipfile.ZipFile(old.path) as archive:
        assert "so-tre-em.dump.xz.aes" in archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["format"] == 2 and manifest["db_encoding"]["codec"] == "xz"
    _add(book, hamlet_id, "2")
    service = BackupService(book)
    service.restore(service.verify(old.path))
    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(reopened) == ["1"]
    finally:
        reopened.close()


def test_compressed_backup_restores_every_row_and_is_small(book: Book) -> None:
    from desktop.core.services.demo import populate_demo

    populate_demo(book, 300, seed=5)
    book.close()
    opened = open_book("admin", ADMIN_PASSWORD)
    before = _numbers(opened)
    service = BackupService(opened)
    info = service.backup_now()
    assert info.size < 0.4 * paths.book_file().stat().st_size
    service.restore(service.verify(info.path))
    reopened = open_book("admin", ADMIN_PASSWORD)
    try:
        assert _numbers(reopened) == before
        from desktop.core.services.audit import AuditService

        assert AuditService(reopened).verify().ok
    finally:
        reopened.close()


def _fake(folder: Path, name: str, size: int) -> Path:
    path = folder / name
    path.write_bytes(b"x" * size)
    return path


def test_rotation_keeps_the_folder_under_the_limit_never_dropping_a_newest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "sao-luu"
    folder.mkdir()
    for day in range(1, 8):
        _fake(folder, f"tu-dong-202611{day:02d}-080000.stebak", 100)
    for day in (1, 2, 3):
        _fake(folder, f"thu-cong-202611{day:02d}-100000.stebak", 300)
    _fake(folder, "truoc-nhap-20261101-090000.stebak", 500)
    _fake(folder, ".tu-dong-20261108-080000.stebak.x1y2.dang-ghi", 50)  # an interrupted backup
    removed = prune(folder, limit_bytes=1500)
    kept = sorted(p.name for p in folder.iterdir())
    assert sum((folder / n).stat().st_size for n in kept) <= 1500
    # The newest of every kind stays, even the big lone import backup.
    assert "tu-dong-20261107-080000.stebak" in kept
    assert "thu-cong-20261103-100000.stebak" in kept
    assert "truoc-nhap-20261101-090000.stebak" in kept
    # The oldest go first; the leftover of the interrupted backup is cleaned up.
    assert "thu-cong-20261101-100000.stebak" not in kept
    assert not [n for n in kept if n.endswith(".dang-ghi")]
    assert len(removed) == 11 - len(kept)
    # A limit below the newest of each kind keeps exactly those.
    prune(folder, limit_bytes=1)
    assert sorted(p.name for p in folder.iterdir()) == [
        "thu-cong-20261103-100000.stebak",
        "truoc-nhap-20261101-090000.stebak",
        "tu-dong-20261107-080000.stebak",
    ]


def test_the_limit_is_set_by_an_administrator_and_shown(book: Book) -> None:
    service = BackupService(book)
    usage = service.disk_usage()
    main = paths.book_file()
    wal = main.with_name(main.name + "-wal")
    on_disk = main.stat().st_size + (wal.stat().st_size if wal.exists() else 0)
    assert usage.limit_is_default and usage.limit == 5 * on_disk and usage.book == on_disk
    first = service.backup_now()
    assert service.disk_usage().used == first.size
    assert service.set_limit_mb(700) == 700
    usage = service.disk_usage()
    assert not usage.limit_is_default and usage.limit == 700 * 1_000_000
    with pytest.raises(BackupError, match="Giới hạn dung lượng"):
        service.set_limit_mb(-1)


def test_of_backups_made_in_the_same_second_the_last_made_is_the_newest(tmp_path: Path) -> None:
    """``…-090000-2`` and ``…-090000-10`` were made after ``…-090000`` (the counter says so)."""
    folder = tmp_path / "sao-luu"
    folder.mkdir()
    for name in ("", "-2", "-10"):
        _fake(folder, f"truoc-nhap-20261101-090000{name}.stebak", 500)
    prune(folder, limit_bytes=1)
    assert [p.name for p in folder.iterdir()] == ["truoc-nhap-20261101-090000-10.stebak"]


def test_the_default_limit_counts_what_is_still_in_the_write_ahead_log(
    book: Book, hamlet_id: str
) -> None:
    """Right after many writes most of the book can sit in its -wal file, not in the file."""
    for number in range(1, 41):
        _add(book, hamlet_id, str(number))
    main = paths.book_file()
    wal = main.with_name(main.name + "-wal")
    assert wal.exists() and wal.stat().st_size > 0
    usage = BackupService(book).disk_usage()
    assert usage.book == main.stat().st_size + wal.stat().st_size
    assert usage.limit == 5 * usage.book > 5 * main.stat().st_size


def test_a_backup_of_an_older_schema_still_verifies(book: Book, hamlet_id: str) -> None:
    """Checking a backup reads only what every revision has: an older backup is not refused
    because its commune settings lack a column added since (it is upgraded once in use)."""
    from alembic import command
    from alembic.config import Config

    from desktop.core.storage import migrate

    _add(book, hamlet_id, "7")
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
    with book.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0006_report_decisions")  # before the enrolment columns
    older = migrate.current_revision(book.engine)
    assert older is not None and older != migrate.head_revision()
    info = write_backup(book.engine, book.key_file, book.unwrapped_key(), kind=BackupKind.MANUAL)
    verified = verify_backup(
        info.path,
        master_key=book.unwrapped_key(),
        current_book_id=book.key_file.book_id,
        current_commune_code="12345",
    )
    try:
        assert verified.info.schema_revision == older
        assert verified.integrity == "ok"
    finally:
        verified.discard()
