"""Encrypted backups (one ``.stebak`` file each), rotation, and a restore that verifies first.

A backup (format 3) is a ZIP holding three members:

- ``so-tre-em.dump.zlib.aes``: the book's content, one consistent snapshot, compressed with
  zlib and then encrypted (AES-256-CTR, key derived from the book's key and a per-backup
  nonce) — see storage/backup_stream.py; about an eighth of the book's size;
- ``so-tre-em.keys.json``: the key file (password and recovery-code wraps, no secret in clear);
- ``manifest.json``: commune, book id, schema revision, app version, time, kind, the SHA-256
  of each member, and an HMAC-SHA256 over all of that keyed from the master key — so a
  tampered backup is detected without trusting anything inside the file.

Restoring checks everything (HMAC, hashes, that SQLCipher opens the copy, PRAGMA
integrity_check, same commune, schema not newer than this app) before it touches the book;
the replaced files are kept in ``sao-luu/truoc-khoi-phuc-<time>/``.

Format 2 backups held the same content compressed with LZMA, as ``so-tre-em.dump.xz.aes``
(LZMA took five times zlib's CPU for a backup 2 % of the book smaller). Format 1 backups
(written before compression) held ``so-tre-em.db`` instead: a page-for-page copy of the
SQLCipher file. Both still verify and restore.

A backup is written under a temporary name (``.<name>.stebak.<random>.dang-ghi``, by the
safe file writer desktop/core/files.py), fsynced, checked and only then renamed to its name;
leftovers of an interrupted backup never carry that name, are never listed, and are removed at
the next backup. The rotation keeps the backups folder under a size limit the administrator
sets (default: 5 × the book), dropping the oldest of each kind first but never the newest of
any kind.
"""

from __future__ import annotations

import enum
import errno
import hashlib
import hmac
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Engine

from desktop import paths
from desktop.core import files
from desktop.core.domain.permissions import Action
from desktop.core.services.audit import record_event
from desktop.core.services.unlocked import Book
from desktop.core.storage import audit_hook, backup_files, backup_stream, migrate
from desktop.core.storage.audit_hook import AuditAction, NewEntry
from desktop.core.storage.engine import BookFileError, make_engine, make_session_factory
from desktop.core.storage.keyfile import KeyFile, KeyFileError, WrongSecret
from sync import clock

log = logging.getLogger(__name__)

APP_VERSION = "0.1.0"
FORMAT = 3  # content compressed with zlib, then encrypted
FORMAT_V2 = 2  # the same with LZMA (xz): still restored; written only by tests
FORMAT_V1 = 1  # page copy, not compressed: still restored; written only by tests
FORMATS = frozenset({FORMAT_V1, FORMAT_V2, FORMAT})
SUFFIX = ".stebak"
PARTIAL_SUFFIX = files.TEMP_SUFFIX  # ".<name>.stebak.<random>.dang-ghi" while being written
DB_MEMBER = "so-tre-em.db"
DUMP_MEMBER = "so-tre-em.dump.zlib.aes"
DUMP_MEMBER_V2 = "so-tre-em.dump.xz.aes"
# The compressed member of each content format, and its codec (storage/backup_stream.py).
DUMP_MEMBERS = {FORMAT: (DUMP_MEMBER, "zlib"), FORMAT_V2: (DUMP_MEMBER_V2, "xz")}
KEYS_MEMBER = "so-tre-em.keys.json"
MANIFEST_MEMBER = "manifest.json"
_CHUNK = 1024 * 1024

# Rotation: daily backups thinned grandfather-father-son; the others keep their last few.
KEEP_DAILY = 7
KEEP_WEEKLY = 4
KEEP_MONTHLY = 12
KEEP_OTHER = 5
KEEP_MANUAL = 10
# Default limit of the backups folder's total size, in multiples of the book's size.
DEFAULT_LIMIT_FACTOR = 5
MAX_LIMIT_MB = 10_000_000
MB = 1_000_000  # the screen shows sizes in decimal MB


class BackupKind(enum.StrEnum):
    """Why a backup was made; the value starts its file name."""

    DAILY = "tu-dong"
    MANUAL = "thu-cong"
    MIGRATION = "truoc-nang-cap"
    IMPORT = "truoc-nhap"
    MERGE = "truoc-gop-so"  # before a former commune's book is brought in


KIND_LABELS = {
    BackupKind.DAILY: "Tự động hằng ngày",
    BackupKind.MANUAL: "Sao lưu tay",
    BackupKind.MIGRATION: "Trước khi nâng cấp",
    BackupKind.IMPORT: "Trước khi nhập dữ liệu",
    BackupKind.MERGE: "Trước khi gộp sổ xã cũ",
}

_NAME = re.compile(
    r"^(?P<kind>"
    + "|".join(re.escape(kind.value) for kind in BackupKind)
    + r")-(?P<stamp>\d{8}-\d{6})(?:-(?P<n>\d+))?"
    + re.escape(SUFFIX)
    + "$"
)


class BackupError(Exception):
    """A backup or restore could not be done; ``message_vi`` says why and what to do."""

    def __init__(self, message_vi: str, *, needs_secret: bool = False) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        # True when the backup belongs to another book: its own password or recovery code
        # is needed to check it.
        self.needs_secret = needs_secret


@dataclass(frozen=True)
class BackupInfo:
    """One backup file, as listed and as written in its manifest."""

    path: Path
    kind: str
    created_at: datetime  # aware UTC
    commune_code: str
    commune_name: str
    book_id: str
    schema_revision: str | None
    app_version: str
    size: int

    @property
    def kind_label(self) -> str:
        """The kind in Vietnamese."""
        try:
            return KIND_LABELS[BackupKind(self.kind)]
        except ValueError:
            return self.kind


@dataclass(frozen=True)
class BackupDiskUsage:
    """Bytes the backups folder takes, its limit, and the book's own size."""

    used: int
    limit: int
    limit_is_default: bool
    book: int


@dataclass(frozen=True)
class BackupListing:
    """A file in the backups folder: its facts, or why it cannot be read."""

    path: Path
    info: BackupInfo | None
    problem: str = ""


@dataclass(frozen=True)
class VerifiedBackup:
    """A backup that passed every check; ``db_file`` is its database, ready to be swapped in."""

    info: BackupInfo
    db_file: Path
    key_file_bytes: bytes
    other_book: bool
    other_commune: bool
    current_commune: str | None
    integrity: str = "ok"
    _key: bytes = field(default=b"", repr=False)

    def database_key(self) -> bytes:
        """The key of the extracted database (to read it, e.g. a former commune's book)."""
        return self._key

    def discard(self) -> None:
        """Remove the extracted database (when the restore is not carried out)."""
        _remove_db_files(self.db_file)


@dataclass(frozen=True)
class RestoreResult:
    """Where the replaced files were put, and whether the key file was replaced too."""

    aside_dir: Path
    key_file_replaced: bool
    info: BackupInfo


# -- helpers ---------------------------------------------------------------------------------


def _mac_key(master_key: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"sotreem-backup-manifest-v1"
    ).derive(master_key)


def _canonical(manifest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in manifest.items() if k != "hmac"}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _manifest_mac(manifest: dict[str, Any], master_key: bytes) -> str:
    return hmac.new(_mac_key(master_key), _canonical(manifest), hashlib.sha256).hexdigest()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _local_stamp(now: datetime) -> str:
    return clock.to_local(now).strftime("%Y%m%d-%H%M%S")


def _unique_path(folder: Path, kind: BackupKind, now: datetime) -> Path:
    base = f"{kind.value}-{_local_stamp(now)}"
    candidate = folder / f"{base}{SUFFIX}"
    counter = 2
    while candidate.exists():
        candidate = folder / f"{base}-{counter}{SUFFIX}"
        counter += 1
    return candidate


def _fsync_dir(folder: Path) -> None:
    # Makes the rename durable on POSIX; Windows has no directory handles to sync.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_db_files(db_file: Path) -> None:
    for leftover in (db_file, Path(f"{db_file}-wal"), Path(f"{db_file}-shm")):
        leftover.unlink(missing_ok=True)


def _disk_message(target: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return (
            f"Không đủ chỗ trống trong {target} để sao lưu. Bản sao lưu chưa được tạo và không "
            "tệp nào bị ghi đè. Hãy xóa bớt tệp, hoặc chọn ổ đĩa/USB khác còn trống rồi thử lại."
        )
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return (
            f"Không có quyền ghi vào {target}. Bản sao lưu chưa được tạo. "
            "Hãy chọn thư mục khác (hoặc tháo khóa chống ghi của USB) rồi thử lại."
        )
    return (
        f"Không ghi được bản sao lưu vào {target} ({exc.strerror or exc}). Bản sao lưu chưa "
        "được tạo và không tệp nào bị ghi đè. Hãy kiểm tra ổ đĩa/USB rồi thử lại."
    )


# -- writing ---------------------------------------------------------------------------------


Progress = Callable[[int, int], None]


class _HashingWriter:
    """Passes bytes on to ``target`` and hashes them (the member's SHA-256 and size)."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._target.write(data)


def book_bytes() -> int:
    """The book's size on disk: the file and its write-ahead log (WAL mode keeps recent
    writes there until a checkpoint; right after an import most of the book can be in it)."""
    total = 0
    main = paths.book_file()
    for path in (main, main.with_name(main.name + "-wal")):
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def _book_size(engine: Engine) -> int:
    return book_bytes()


def write_backup(
    engine: Engine,
    key_file: KeyFile,
    master_key: bytes,
    *,
    kind: BackupKind,
    target_dir: Path | None = None,
    commune_name: str = "",
    now: datetime | None = None,
    progress: Progress | None = None,
    fmt: int = FORMAT,
) -> BackupInfo:
    """Write one backup of the open database to ``target_dir`` (default: the backups folder).

    ``fmt`` is FORMAT (compressed content) in the app; FORMAT_V2 and FORMAT_V1 are kept so
    tests can make the backups older versions wrote.
    """
    now = now or clock.now()
    folder = target_dir if target_dir is not None else paths.backups_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        paths.backups_dir().mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BackupError(_disk_message(folder, exc)) from exc
    final = _unique_path(folder, kind, now)
    key_bytes = key_file.path.read_bytes()
    manifest: dict[str, Any] = {
        "format": fmt,
        "kind": kind.value,
        "created_at": now.astimezone(UTC).isoformat(),
        "commune_code": key_file.commune_code,
        "commune_name": commune_name,
        "book_id": key_file.book_id,
        "schema_revision": backup_files.current_revision(engine),
        "app_version": APP_VERSION,
        "book_size": _book_size(engine),
    }
    seq, head = backup_files.audit_head(engine)
    manifest["audit_head"] = {"seq": seq, "hash": head}
    work: Path | None = None
    try:
        # The one safe file writer: a temporary name (never listed), flushed, then renamed.
        with files.atomic_output(final) as partial:
            with (
                partial.open("wb") as handle,
                zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive,
            ):
                if fmt == FORMAT_V1:
                    work = Path(tempfile.mkdtemp(prefix=".dang-sao-luu-", dir=folder))
                    db_entry = _write_page_copy(archive, engine, master_key, work)
                    db_name = DB_MEMBER
                else:
                    db_name, codec = DUMP_MEMBERS[fmt]
                    nonce = backup_stream.new_nonce()
                    manifest["db_encoding"] = {
                        "codec": codec, "cipher": "aes-256-ctr", "nonce": nonce.hex()
                    }  # fmt: skip
                    with archive.open(db_name, "w", force_zip64=True) as dst:
                        writer = _HashingWriter(dst)
                        backup_stream.dump(engine, writer, master_key, nonce, progress, codec=codec)  # type: ignore[arg-type]
                    db_entry = {"sha256": writer.digest.hexdigest(), "size": writer.size}
                manifest["members"] = {
                    db_name: db_entry,
                    KEYS_MEMBER: {"sha256": hashlib.sha256(key_bytes).hexdigest(),
                                  "size": len(key_bytes)},
                }  # fmt: skip
                manifest["hmac"] = _manifest_mac(manifest, master_key)
                archive.writestr(KEYS_MEMBER, key_bytes)
                archive.writestr(
                    MANIFEST_MEMBER, json.dumps(manifest, ensure_ascii=False, indent=1)
                )
            with zipfile.ZipFile(partial) as archive:
                if archive.testzip() is not None:
                    raise BackupError(
                        f"Bản sao lưu ghi ra {folder} bị lỗi khi đọc lại. Hãy thử ổ đĩa/USB khác."
                    )
            # Never overwrite: the name was free a moment ago and a backup name has seconds.
            if final.exists():
                raise BackupError(f"Tệp {final.name} vừa xuất hiện; hãy thử lại.")
    except OSError as exc:
        raise BackupError(_disk_message(folder, exc)) from exc
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
    return BackupInfo(
        path=final,
        kind=kind.value,
        created_at=now.astimezone(UTC),
        commune_code=key_file.commune_code,
        commune_name=commune_name,
        book_id=key_file.book_id,
        schema_revision=manifest["schema_revision"],
        app_version=APP_VERSION,
        size=final.stat().st_size,
    )


def _write_page_copy(
    archive: zipfile.ZipFile, engine: Engine, master_key: bytes, work: Path
) -> dict[str, Any]:
    """Format 1's database member: a page copy of the SQLCipher file."""
    snapshot = work / DB_MEMBER
    backup_files.snapshot(engine, snapshot, master_key)
    with snapshot.open("rb") as src, archive.open(DB_MEMBER, "w", force_zip64=True) as dst:
        while chunk := src.read(_CHUNK):
            dst.write(chunk)
    return {"sha256": _sha256_file(snapshot), "size": snapshot.stat().st_size}


def backup_before_migration(engine: Engine, key_file: KeyFile, master_key: bytes) -> BackupInfo:
    """The automatic backup made before the schema of a user's book is upgraded."""
    try:
        info = write_backup(engine, key_file, master_key, kind=BackupKind.MIGRATION)
    except BackupError as exc:
        # No upgrade without a backup: the book stays as it is, and the officer is told.
        raise BookFileError(
            "Cần sao lưu trước khi nâng cấp dữ liệu nhưng chưa sao lưu được: "
            f"{exc.message_vi} Dữ liệu chưa bị thay đổi."
        ) from exc
    prune(paths.backups_dir())
    return info


def daily_backup_due(now: datetime | None = None) -> bool:
    """True unless today's automatic backup exists (a failed or abandoned one does not)."""
    today = clock.to_local(now or clock.now()).date()
    return not any(
        kind == BackupKind.DAILY and stamp.date() == today
        for _path, kind, stamp in _named_backups(paths.backups_dir())
    )


def daily_backup_if_due(
    book: Book, now: datetime | None = None, progress: Progress | None = None
) -> BackupInfo | None:
    """Make today's automatic backup unless one exists (after the first login of the day)."""
    now = now or clock.now()
    if not daily_backup_due(now):
        return None
    return BackupService(book).backup(BackupKind.DAILY, now=now, progress=progress)


# -- listing and rotation ----------------------------------------------------------------


def _named_backups(folder: Path) -> list[tuple[Path, BackupKind, datetime]]:
    """The backups in ``folder``, newest first.

    Two backups made in the same second are ``…-090000.stebak`` then ``…-090000-2.stebak``
    (``_unique_path``): the counter, not the name's spelling, says which is newer.
    """
    found: list[tuple[Path, BackupKind, datetime, int]] = []
    if not folder.is_dir():
        return []
    for path in folder.iterdir():
        match = _NAME.match(path.name)
        if match is None or not path.is_file():
            continue
        stamp = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
        found.append((path, BackupKind(match["kind"]), stamp, int(match["n"] or 1)))
    found.sort(key=lambda item: (item[2], item[3]), reverse=True)
    return [(path, kind, stamp) for path, kind, stamp, _n in found]


def _keep_gfs(daily: list[tuple[Path, datetime]]) -> set[Path]:
    """Grandfather-father-son over the daily backups (newest first in ``daily``)."""
    keep: set[Path] = set()
    days: dict[date, Path] = {}
    weeks: dict[tuple[int, int], Path] = {}
    months: dict[tuple[int, int], Path] = {}
    for path, stamp in daily:
        days.setdefault(stamp.date(), path)
        iso = stamp.isocalendar()
        weeks.setdefault((iso.year, iso.week), path)
        months.setdefault((stamp.year, stamp.month), path)
    keep.update(days[k] for k in sorted(days, reverse=True)[:KEEP_DAILY])
    keep.update(weeks[k] for k in sorted(weeks, reverse=True)[:KEEP_WEEKLY])
    keep.update(months[k] for k in sorted(months, reverse=True)[:KEEP_MONTHLY])
    return keep


def remove_leftovers(folder: Path) -> list[Path]:
    """Delete what interrupted backups left (``.<name>.tam`` files, work folders)."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for path in folder.iterdir():
        leftover = (path.name.startswith(".") and path.name.endswith((PARTIAL_SUFFIX, ".tam"))) or (
            path.name.startswith(".dang-sao-luu-") and path.is_dir()
        )
        if not leftover:
            continue
        try:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            log.warning("Could not remove what an interrupted backup left")
    return removed


def backups_disk_usage(folder: Path | None = None) -> int:
    """Bytes taken by the backup files in ``folder`` (default: the backups folder)."""
    total = 0
    for path, _kind, _stamp in _named_backups(folder or paths.backups_dir()):
        try:
            total += path.stat().st_size
        except OSError:
            continue
    return total


def default_limit_bytes() -> int:
    """The default size limit of the backups folder: DEFAULT_LIMIT_FACTOR × the book."""
    return DEFAULT_LIMIT_FACTOR * book_bytes()


def prune(folder: Path, limit_bytes: int | None = None) -> list[Path]:
    """Delete backups the rotation no longer keeps; the files removed.

    First the count rotation (grandfather-father-son for daily backups, the last few of the
    other kinds); then, while the total is over ``limit_bytes`` (default: 5 × the book), the
    oldest backup of the kind with the most bytes — never the newest of any kind.
    """
    remove_leftovers(folder)
    listed = _named_backups(folder)
    daily = [(p, s) for p, k, s in listed if k == BackupKind.DAILY]
    keep = _keep_gfs(daily)
    for kind, count in (
        (BackupKind.MIGRATION, KEEP_OTHER),
        (BackupKind.IMPORT, KEEP_OTHER),
        (BackupKind.MERGE, KEEP_OTHER),
        (BackupKind.MANUAL, KEEP_MANUAL),
    ):
        keep.update([p for p, k, _ in listed if k == kind][:count])
    limit = default_limit_bytes() if limit_bytes is None else limit_bytes
    kept = [(p, k) for p, k, _s in listed if p in keep]  # newest first
    if limit > 0:
        keep -= set(_over_limit(kept, limit))
    removed = []
    for path, _kind, _stamp in listed:
        if path not in keep:
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                log.warning("Could not remove an old backup")
    return removed


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _over_limit(kept: list[tuple[Path, BackupKind]], limit: int) -> list[Path]:
    """Which of ``kept`` (newest first) to drop so the rest fits in ``limit`` bytes."""
    sizes = {path: _size(path) for path, _kind in kept}
    total = sum(sizes.values())
    by_kind: dict[BackupKind, list[Path]] = {}
    for path, kind in kept:
        by_kind.setdefault(kind, []).append(path)
    dropped: list[Path] = []
    while total > limit:
        # Kinds that still have more than their newest backup; take from the biggest share.
        candidates = [k for k, files in by_kind.items() if len(files) > 1]
        if not candidates:
            break
        kind = max(candidates, key=lambda k: sum(sizes[p] for p in by_kind[k]))
        oldest = by_kind[kind].pop()
        dropped.append(oldest)
        total -= sizes[oldest]
    return dropped


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file (not yet verified); BackupError if unreadable."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            db_member = next(
                (name for name, _codec in DUMP_MEMBERS.values() if name in names), DB_MEMBER
            )
            missing = {MANIFEST_MEMBER, db_member, KEYS_MEMBER} - names
            if missing:
                raise BackupError(
                    f"Tệp {path.name} thiếu phần {', '.join(sorted(missing))}: không phải bản sao "
                    "lưu đầy đủ của Sổ Trẻ Em. Không có gì bị thay đổi."
                )
            manifest = json.loads(archive.read(MANIFEST_MEMBER).decode("utf-8"))
    except FileNotFoundError as exc:
        raise BackupError(f"Không tìm thấy tệp {path}.") from exc
    except (zipfile.BadZipFile, EOFError, ValueError, KeyError, OSError) as exc:
        raise BackupError(
            f"Tệp {path.name} bị hỏng hoặc không đầy đủ (có thể bị cắt ngang khi chép) hoặc "
            "không phải bản sao lưu của Sổ Trẻ Em. Không có gì bị thay đổi; hãy chọn bản sao "
            "lưu khác."
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("format") not in FORMATS:
        raise BackupError(
            f"Tệp {path.name} không đúng định dạng sao lưu của phiên bản này. "
            "Không có gì bị thay đổi."
        )
    return manifest


def _info(path: Path, manifest: dict[str, Any]) -> BackupInfo:
    try:
        return BackupInfo(
            path=path,
            kind=str(manifest["kind"]),
            created_at=datetime.fromisoformat(str(manifest["created_at"])),
            commune_code=str(manifest["commune_code"]),
            commune_name=str(manifest.get("commune_name", "")),
            book_id=str(manifest["book_id"]),
            schema_revision=manifest.get("schema_revision"),
            app_version=str(manifest.get("app_version", "")),
            size=path.stat().st_size,
        )
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise BackupError(
            f"Phần mô tả của tệp {path.name} bị hỏng. Không có gì bị thay đổi."
        ) from exc


def list_backups(folder: Path | None = None) -> list[BackupListing]:
    """Backup files in ``folder`` (default: the backups folder), newest first."""
    folder = folder or paths.backups_dir()
    listings = []
    # A partial backup is ".<name>.stebak.<random>.dang-ghi": never listed, never taken for one.
    found = [p for p in folder.glob(f"*{SUFFIX}") if not p.name.startswith(".")]
    for path in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True):
        try:
            listings.append(BackupListing(path, _info(path, read_manifest(path))))
        except BackupError as exc:
            listings.append(BackupListing(path, None, exc.message_vi))
    return listings


# -- verifying and restoring ----------------------------------------------------------------


def _backup_key_file(path: Path, key_bytes: bytes) -> KeyFile:
    try:
        data = json.loads(key_bytes.decode("utf-8"))
    except ValueError as exc:
        raise BackupError(f"Tệp khóa trong {path.name} bị hỏng. Không có gì bị thay đổi.") from exc
    return KeyFile(path, data)


def _unlock_backup(path: Path, key_bytes: bytes, secret: str | None, username: str | None) -> bytes:
    if not secret:
        raise BackupError(
            f"Bản sao lưu {path.name} là của một sổ khác (hoặc máy này chưa có sổ). Để kiểm tra "
            "nó, hãy nhập mã khôi phục của sổ đó, hoặc tên đăng nhập và mật khẩu đã dùng khi "
            "sao lưu.",
            needs_secret=True,
        )
    backup_keys = _backup_key_file(path, key_bytes)
    try:
        if username:
            return backup_keys.unlock(username.strip().lower(), secret)
        return backup_keys.unlock_with_recovery(secret)
    except (WrongSecret, KeyError, ValueError, TypeError):
        what = "Mật khẩu" if username else "Mã khôi phục"
        raise BackupError(
            f"{what} không mở được bản sao lưu {path.name}. Hãy kiểm tra lại (mã khôi phục của "
            "đúng sổ đã sao lưu). Không có gì bị thay đổi.",
            needs_secret=True,
        ) from None


def verify_backup(
    path: Path,
    *,
    master_key: bytes | None,
    current_book_id: str | None,
    current_commune_code: str | None,
    secret: str | None = None,
    username: str | None = None,
) -> VerifiedBackup:
    """Check a backup completely, without touching the book; BackupError says what is wrong.

    The manifest's MAC is checked with the open book's key when the backup claims to be of
    this book; otherwise (another book, or no book on this PC) with the key unwrapped from
    the backup's own key file by ``secret`` (its recovery code, or ``username``'s password).
    """
    manifest = read_manifest(path)
    info = _info(path, manifest)
    same_book = master_key is not None and info.book_id == current_book_id
    try:
        with zipfile.ZipFile(path) as archive:
            key_bytes = archive.read(KEYS_MEMBER)
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as exc:
        raise BackupError(
            f"Tệp {path.name} bị hỏng hoặc không đầy đủ. Không có gì bị thay đổi."
        ) from exc
    if same_book:
        assert master_key is not None
        key = master_key
    else:
        key = _unlock_backup(path, key_bytes, secret, username)
    claimed = str(manifest.get("hmac", ""))
    if not hmac.compare_digest(claimed, _manifest_mac(manifest, key)):
        raise BackupError(
            f"Bản sao lưu {path.name} đã bị sửa đổi hoặc không phải của sổ này (mã kiểm tra "
            "không khớp). Không dùng được tệp này; không có gì bị thay đổi."
        )
    members = manifest.get("members", {})
    if hashlib.sha256(key_bytes).hexdigest() != members.get(KEYS_MEMBER, {}).get("sha256"):
        raise BackupError(f"Tệp khóa trong {path.name} đã bị sửa đổi. Không có gì bị thay đổi.")
    if _backup_key_file(path, key_bytes).book_id != info.book_id:
        raise BackupError(f"Tệp khóa trong {path.name} không khớp với dữ liệu. Không dùng được.")
    extracted = paths.data_dir() / f".khoi-phuc-{os.getpid()}-{_local_stamp(clock.now())}.db"
    _remove_db_files(extracted)
    try:
        if manifest.get("format") == FORMAT_V1:
            _extract_page_copy(path, extracted, members)
        else:
            _rebuild_from_dump(path, extracted, members, manifest, key)
        try:
            facts = backup_files.inspect_database(extracted, key)
        except BookFileError as exc:
            raise BackupError(f"{exc.message_vi} Không có gì bị thay đổi.") from exc
        if facts.integrity != "ok":
            raise BackupError(
                f"Dữ liệu trong {path.name} không qua kiểm tra toàn vẹn ({facts.integrity}). "
                "Hãy chọn bản sao lưu khác; không có gì bị thay đổi."
            )
        if facts.book_id != info.book_id or facts.commune_code != info.commune_code:
            raise BackupError(
                f"Dữ liệu trong {path.name} không khớp với phần mô tả. Không có gì bị thay đổi."
            )
        if facts.revision is not None and facts.revision not in migrate.known_revisions():
            raise BackupError(
                f"Bản sao lưu {path.name} được tạo bởi phiên bản Sổ Trẻ Em mới hơn phiên bản "
                "đang cài. Hãy cài phiên bản mới nhất rồi khôi phục; không có gì bị thay đổi."
            )
    except BaseException:
        _remove_db_files(extracted)
        raise
    return VerifiedBackup(
        info=info,
        db_file=extracted,
        key_file_bytes=key_bytes,
        other_book=current_book_id is not None and info.book_id != current_book_id,
        other_commune=(
            current_commune_code is not None and info.commune_code != current_commune_code
        ),
        current_commune=current_commune_code,
        _key=key,
    )


def _damaged(path: Path) -> str:
    return f"Dữ liệu trong {path.name} bị hỏng hoặc bị cắt ngang. Không có gì bị thay đổi."


def _altered(path: Path) -> str:
    return (
        f"Dữ liệu trong {path.name} đã bị sửa đổi hoặc hỏng (không khớp mã kiểm tra). "
        "Không có gì bị thay đổi."
    )


def _extract_page_copy(path: Path, extracted: Path, members: dict[str, Any]) -> None:
    """Format 1: the member is the SQLCipher file itself."""
    try:
        digest = hashlib.sha256()
        with (
            zipfile.ZipFile(path) as archive,
            archive.open(DB_MEMBER) as src,
            extracted.open("xb") as dst,
        ):
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
    except (zipfile.BadZipFile, EOFError) as exc:
        raise BackupError(_damaged(path)) from exc
    except OSError as exc:
        raise BackupError(_disk_message(paths.data_dir(), exc)) from exc
    if digest.hexdigest() != members.get(DB_MEMBER, {}).get("sha256"):
        raise BackupError(_altered(path))


def _rebuild_from_dump(
    path: Path, extracted: Path, members: dict[str, Any], manifest: dict[str, Any], key: bytes
) -> None:
    """Formats 2 and 3: check the encrypted member's hash first, then decrypt and rebuild."""
    member, codec = DUMP_MEMBERS[int(manifest["format"])]
    try:
        digest = hashlib.sha256()
        with zipfile.ZipFile(path) as archive, archive.open(member) as src:
            while chunk := src.read(_CHUNK):
                digest.update(chunk)
        if digest.hexdigest() != members.get(member, {}).get("sha256"):
            raise BackupError(_altered(path))
        nonce = bytes.fromhex(str(manifest.get("db_encoding", {}).get("nonce", "")))
        with zipfile.ZipFile(path) as archive, archive.open(member) as src:
            backup_stream.load(src, extracted, key, nonce, codec=codec)
        with extracted.open("rb+") as handle:
            os.fsync(handle.fileno())
    except (zipfile.BadZipFile, EOFError, ValueError, backup_stream.StreamError) as exc:
        raise BackupError(_damaged(path)) from exc
    except OSError as exc:
        raise BackupError(_disk_message(paths.data_dir(), exc)) from exc


def _write_atomically(target: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".keys-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def restore_verified(
    verified: VerifiedBackup,
    *,
    username: str,
    confirm_other_commune: bool = False,
    now: datetime | None = None,
) -> RestoreResult:
    """Swap a verified backup in; the book must be closed. The replaced files are kept aside."""
    info = verified.info
    if verified.other_commune and not confirm_other_commune:
        verified.discard()
        raise BackupError(
            f"Bản sao lưu này là của {info.commune_name or 'xã khác'} (mã {info.commune_code}), "
            f"không phải của xã đang dùng (mã {verified.current_commune}). Chỉ khôi phục khi "
            "chắc chắn muốn thay cả sổ bằng sổ của xã đó. Không có gì bị thay đổi."
        )
    now = now or clock.now()
    db_path, key_path = paths.book_file(), paths.key_file()
    aside = paths.backups_dir() / f"truoc-khoi-phuc-{_local_stamp(now)}"
    counter = 2
    while aside.exists():
        aside = paths.backups_dir() / f"truoc-khoi-phuc-{_local_stamp(now)}-{counter}"
        counter += 1
    current_keys_ok = _key_file_matches(key_path, info.book_id)
    try:
        aside.mkdir(parents=True)
        for source in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), key_path):
            if source.exists():
                shutil.copy2(source, aside / source.name)
                with (aside / source.name).open("rb+") as handle:
                    os.fsync(handle.fileno())
        _fsync_dir(aside)
    except OSError as exc:
        verified.discard()
        raise BackupError(
            f"Không cất được dữ liệu hiện tại sang {aside} trước khi khôi phục "
            f"({exc.strerror or exc}). Không có gì bị thay đổi."
        ) from exc
    # The old WAL must not meet the new file: SQLite would replay it onto the restored pages.
    # Both are safe in the aside folder already.
    for stale in (Path(f"{db_path}-wal"), Path(f"{db_path}-shm")):
        stale.unlink(missing_ok=True)
    os.replace(verified.db_file, db_path)
    _fsync_dir(db_path.parent)
    key_replaced = False
    if not current_keys_ok:
        _write_atomically(key_path, verified.key_file_bytes)
        key_replaced = True
    _record_restore(verified, username, aside, key_replaced)
    return RestoreResult(aside, key_replaced, info)


def _key_file_matches(key_path: Path, book_id: str) -> bool:
    try:
        return KeyFile.load(key_path).book_id == book_id
    except KeyFileError:
        return False


def _record_restore(verified: VerifiedBackup, username: str, aside: Path, keys: bool) -> None:
    engine = make_engine(paths.book_file(), verified._key)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            audit_hook.record(
                session,
                [
                    NewEntry(
                        username,
                        AuditAction.RESTORE.value,
                        "backup",
                        verified.info.book_id,
                        None,
                        {
                            "file": verified.info.path.name,
                            "created_at": verified.info.created_at.isoformat(),
                            "kind": verified.info.kind,
                            "replaced_files_kept_in": aside.name,
                            "key_file_replaced": keys,
                        },
                    )
                ],
            )
    finally:
        engine.dispose()


class BackupService:
    """Backups of an open book: automatic, manual, before import; restore (administrators)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def backup(
        self,
        kind: BackupKind,
        target_dir: Path | None = None,
        now: datetime | None = None,
        progress: Progress | None = None,
    ) -> BackupInfo:
        """Write a backup of ``kind``; rotate the backups folder; record it in the audit trail."""
        book = self._book
        commune = book.commune()
        info = write_backup(
            book.engine,
            book.key_file,
            book.unwrapped_key(),
            kind=kind,
            target_dir=target_dir,
            commune_name=commune.display_name,
            now=now,
            progress=progress,
        )
        if target_dir is None or target_dir.resolve() == paths.backups_dir().resolve():
            prune(paths.backups_dir(), self.limit_bytes())
        record_event(
            book,
            AuditAction.BACKUP,
            table_name="backup",
            record_id=info.book_id,
            after={"kind": info.kind, "file": str(info.path), "size": info.size},
        )
        return info

    def limit_bytes(self) -> int:
        """The backups folder's size limit: the administrator's, or 5 × the book."""
        megabytes = self._book.commune().backup_limit_mb
        return megabytes * MB if megabytes > 0 else default_limit_bytes()

    def disk_usage(self) -> BackupDiskUsage:
        """How much disk the backups take, against the limit."""
        self._book.user.require(Action.BACKUP)
        megabytes = self._book.commune().backup_limit_mb
        return BackupDiskUsage(
            used=backups_disk_usage(),
            limit=self.limit_bytes(),
            limit_is_default=megabytes <= 0,
            book=book_bytes(),
        )

    def set_limit_mb(self, megabytes: int) -> int:
        """Set the backups folder's size limit (0: the default, 5 × the book); administrators."""
        self._book.user.require(Action.SETTINGS)
        if megabytes < 0 or megabytes > MAX_LIMIT_MB:
            raise BackupError(
                f"Giới hạn dung lượng sao lưu phải từ 0 đến {MAX_LIMIT_MB:,} MB.".replace(",", ".")
            )
        from desktop.core.storage.repositories import users as settings_repo

        with self._book.transaction() as session:
            settings_repo.settings(session).backup_limit_mb = megabytes
        prune(paths.backups_dir(), self.limit_bytes())
        return megabytes

    def backup_now(self, target_dir: Path | None = None) -> BackupInfo:
        """A backup the officer asked for, to the backups folder or a chosen folder/USB."""
        self._book.user.require(Action.BACKUP)
        return self.backup(BackupKind.MANUAL, target_dir)

    def backup_before(self, reason: str) -> BackupInfo:
        """The automatic backup before an import (``reason`` "import") or a migration."""
        kind = BackupKind.IMPORT if reason == "import" else BackupKind.MIGRATION
        return self.backup(kind)

    def list(self, folder: Path | None = None) -> list[BackupListing]:
        """Backups in the backups folder (or ``folder``), newest first."""
        self._book.user.require(Action.BACKUP)
        return list_backups(folder)

    def verify(
        self, path: Path, secret: str | None = None, username: str | None = None
    ) -> VerifiedBackup:
        """Check a backup before a restore (nothing is changed)."""
        self._book.user.require(Action.RESTORE)
        commune = self._book.commune()
        return verify_backup(
            path,
            master_key=self._book.unwrapped_key(),
            current_book_id=self._book.key_file.book_id,
            current_commune_code=commune.code,
            secret=secret,
            username=username,
        )

    def restore(
        self, verified: VerifiedBackup, confirm_other_commune: bool = False
    ) -> RestoreResult:
        """Close the book and swap the verified backup in; the officer then logs in again."""
        self._book.user.require(Action.RESTORE)
        username = self._book.user.username
        if verified.other_commune and not confirm_other_commune:
            return restore_verified(verified, username=username)  # raises, changes nothing
        self._book.close()
        return restore_verified(
            verified, username=username, confirm_other_commune=confirm_other_commune
        )


def current_book_facts() -> tuple[str | None, str | None]:
    """(book id, commune code) of the book on this PC, from its key file; Nones if none."""
    try:
        keys = KeyFile.load(paths.key_file())
    except KeyFileError:
        return None, None
    return keys.book_id, keys.commune_code


def restore_file(
    path: Path,
    *,
    secret: str,
    username: str | None = None,
    confirm_other_commune: bool = False,
    restored_by: str = "",
) -> RestoreResult:
    """Headless restore (no open book: lost PC, damaged book): verify, then swap in."""
    book_id, commune_code = current_book_facts()
    master_key: bytes | None = None
    if book_id is not None:
        keys = KeyFile.load(paths.key_file())
        try:
            master_key = (
                keys.unlock(username.strip().lower(), secret)
                if username
                else keys.unlock_with_recovery(secret)
            )
        except WrongSecret:
            master_key = None  # maybe the backup's own secret: checked below
    verified = verify_backup(
        path,
        master_key=master_key,
        current_book_id=book_id,
        current_commune_code=commune_code,
        secret=secret,
        username=username,
    )
    return restore_verified(
        verified,
        username=restored_by or username or "khoi-phuc",
        confirm_other_commune=confirm_other_commune,
    )
