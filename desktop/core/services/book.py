"""Create, open and unlock the commune book: the encrypted file and its key file."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import configure_mappers

from desktop import paths
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.identity import check_commune_code
from desktop.core.domain.passwords import password_problems
from desktop.core.domain.roles import Role, check_username
from desktop.core.domain.text import clean_text
from desktop.core.domain.urls import check_server_url
from desktop.core.services.audit import record_login, record_recovery_reset
from desktop.core.services.backup import backup_before_migration
from desktop.core.services.unlocked import Book, CommuneInfo, CurrentUser
from desktop.core.storage import audit_hook, migrate
from desktop.core.storage.base import new_id
from desktop.core.storage.engine import (
    BookBusyError,
    BookFileError,
    is_locked,
    make_engine,
    make_session_factory,
    verify_key,
    verify_readable,
)
from desktop.core.storage.keyfile import (
    KeyFile,
    KeyFileError,
    WrongSecret,
    new_master_key,
    new_recovery_code,
)
from desktop.core.storage.models import CommuneSettings, User, UserHamlet
from desktop.core.storage.tracking import USERNAME

log = logging.getLogger(__name__)

__all__ = [
    "Book",
    "BookBusyError",
    "BookFileError",
    "BookSetup",
    "CommuneInfo",
    "CurrentUser",
    "KeyFileError",
    "LoginError",
    "book_exists",
    "create_book",
    "is_locked",
    "open_book",
    "reset_password_with_recovery",
]


class LoginError(Exception):
    """Wrong user or password, or locked for a while; ``message_vi`` says which."""

    def __init__(self, message_vi: str, seconds_locked: int = 0) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi
        self.seconds_locked = seconds_locked


@dataclass(frozen=True)
class BookSetup:
    """What the setup wizard (or ``sotreem init``) collects."""

    commune_code: str
    commune_name: str
    province_name: str
    admin_username: str
    admin_full_name: str
    admin_password: str
    unit_kind: str = "Xã"
    upstream_url: str | None = None


def book_exists() -> bool:
    """True once a book has been set up in the data folder."""
    return paths.book_file().exists() and paths.key_file().exists()


def validate_setup(setup: BookSetup) -> BookSetup:
    """Check every field of the setup form; all problems are reported at once."""
    problems: list[FieldProblem] = []
    values: dict[str, object] = {}
    checks: dict[str, Callable[[], str | None]] = {
        "commune_code": lambda: check_commune_code(setup.commune_code),
        "upstream_url": lambda: check_server_url(setup.upstream_url),
        "admin_username": lambda: check_username(setup.admin_username, "admin_username"),
    }
    for field, check in checks.items():
        try:
            values[field] = check()
        except ValidationError as exc:
            problems.extend(exc.problems)
    required = {
        "commune_name": "Tên xã/phường",
        "province_name": "Tỉnh/thành phố",
        "admin_full_name": "Họ tên quản trị viên",
    }
    for field, label in required.items():
        value = clean_text(getattr(setup, field))
        if not value:
            problems.append(FieldProblem(field, f"{label}: chưa nhập."))
        values[field] = value
    problems.extend(
        FieldProblem("admin_password", message)
        for message in password_problems(setup.admin_password, setup.admin_username)
    )
    if problems:
        raise ValidationError(problems)
    return BookSetup(
        commune_code=str(values["commune_code"]),
        commune_name=str(values["commune_name"]),
        province_name=str(values["province_name"]),
        admin_username=str(values["admin_username"]),
        admin_full_name=str(values["admin_full_name"]),
        admin_password=setup.admin_password,
        unit_kind=clean_text(setup.unit_kind) or "Xã",
        upstream_url=values["upstream_url"] if values["upstream_url"] else None,  # type: ignore[arg-type]
    )


def create_book(setup: BookSetup) -> tuple[Book, str]:
    """Create a new encrypted book; returns it open, and the recovery code to show once."""
    setup = validate_setup(setup)
    db_path, key_path = paths.book_file(), paths.key_file()
    if db_path.exists() or key_path.exists():
        raise BookFileError(
            f"Thư mục dữ liệu {db_path.parent} đã có một sổ. Không tạo sổ mới đè lên sổ đang có."
        )
    master_key = new_master_key()
    recovery_code = new_recovery_code()
    book_id = new_id()
    key_file = KeyFile.create(
        key_path,
        book_id=book_id,
        commune_code=setup.commune_code,
        master_key=master_key,
        username=setup.admin_username,
        password=setup.admin_password,
        recovery_code=recovery_code,
    )
    engine = make_engine(db_path, master_key)
    try:
        migrate.upgrade(engine)
        admin = User(
            username=setup.admin_username,
            full_name=setup.admin_full_name,
            role=Role.ADMIN.value,
        )
        setup_sessions = make_session_factory(engine)
        audit_hook.install_audit_trail(setup_sessions)
        with setup_sessions() as session, session.begin():
            session.info[USERNAME] = setup.admin_username
            session.add(
                CommuneSettings(
                    id=1,
                    book_id=book_id,
                    commune_code=setup.commune_code,
                    commune_name=setup.commune_name,
                    province_name=setup.province_name,
                    unit_kind=setup.unit_kind,
                    place_name=setup.commune_name,
                    upstream_url=setup.upstream_url,
                )
            )
            session.add(admin)
        key_file.save()
    except BaseException:
        # Nothing half-made is left behind: a later attempt starts clean.
        engine.dispose()
        for leftover in (db_path, Path(f"{db_path}-wal"), Path(f"{db_path}-shm"), key_path):
            leftover.unlink(missing_ok=True)
        raise
    user = CurrentUser(admin.id, admin.username, admin.full_name, Role.ADMIN)
    return Book(db_path, engine, user, key_file, master_key), recovery_code


def _open_engine(master_key: bytes, key_file: KeyFile) -> Engine:
    db_path = paths.book_file()
    if not db_path.exists():
        raise BookFileError(
            f"Không tìm thấy tệp dữ liệu {db_path.name} trong {db_path.parent}. "
            "Hãy khôi phục từ bản sao lưu."
        )
    engine = make_engine(db_path, master_key)
    try:
        # Only the key is checked here; the whole-file check runs after the main window
        # appears (services/housekeeping.py), except before a schema upgrade below.
        verify_key(engine, db_path)
        revision = migrate.current_revision(engine)
        if revision is not None and revision not in migrate.known_revisions():
            raise BookFileError(
                "Dữ liệu này được tạo bởi một phiên bản Sổ Trẻ Em mới hơn. "
                "Hãy cài phiên bản mới nhất; dữ liệu không bị thay đổi."
            )
        if revision != migrate.head_revision():
            verify_readable(engine, db_path)
            backup_before_migration(engine, key_file, master_key)
            migrate.upgrade(engine)
        with make_session_factory(engine)() as session:
            settings = session.scalars(select(CommuneSettings)).one_or_none()
        if settings is None or settings.book_id != key_file.book_id:
            raise BookFileError(
                "Tệp dữ liệu không khớp với tệp khóa (có thể là sổ của xã khác). "
                "Không có gì bị thay đổi."
            )
    except BaseException:
        engine.dispose()
        raise
    return engine


def prepare_login() -> None:
    """Do, while the login window waits for the password, what every login needs first.

    Configuring the ORM's mappers (≈ 0.2 s of CPU on the first query of the process), loading
    SQLAlchemy's SQLite dialect and reading the migration scripts for the schema check
    (cached) do not depend on who logs in; done here, pressing "Đăng nhập" waits only for the
    key, the file and the window.
    """
    import sqlalchemy.dialects.sqlite  # noqa: F401 - loaded by the first engine

    configure_mappers()
    migrate.head_revision()
    migrate.known_revisions()


def open_book(username: str, password: str, now: datetime | None = None) -> Book:
    """Unlock the book for ``username``; LoginError on a wrong password or while locked."""
    key_file = KeyFile.load(paths.key_file())
    name = (username or "").strip().lower()
    wait = key_file.seconds_locked(name, now)
    if wait:
        raise LoginError(
            f"Đăng nhập tạm khóa do nhập sai nhiều lần. Hãy thử lại sau {wait} giây.", wait
        )
    failed_before = key_file.failed_attempts(name)
    try:
        master_key = key_file.unlock(name, password)
    except WrongSecret:
        delay = key_file.record_failure(name, now) if key_file.has_user(name) else 0
        if key_file.has_user(name):
            key_file.save()
        message = "Tên đăng nhập hoặc mật khẩu không đúng."
        if delay:
            message += f" Đăng nhập bị tạm khóa {delay} giây."
        raise LoginError(message, delay) from None
    engine = _open_engine(master_key, key_file)
    with make_session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.username == name)).one_or_none()
        hamlets: frozenset[str] | None = None
        if user is not None and user.role == Role.COLLABORATOR.value:
            hamlets = frozenset(
                session.scalars(select(UserHamlet.hamlet_id).where(UserHamlet.user_id == user.id))
            )
    if user is None or not user.active:
        engine.dispose()
        raise LoginError("Tài khoản này đã bị khóa hoặc không còn trong sổ.")
    if key_file.record_success(name):
        key_file.save()
    current = CurrentUser(
        user.id, user.username, user.full_name, Role(user.role), hamlets, user.must_change_password
    )
    book = Book(paths.book_file(), engine, current, key_file, master_key)
    try:
        _after_login(book, failed_before, now)
    except BaseException:
        book.close()
        raise
    return book


def _after_login(
    book: Book, failed_before: tuple[int, datetime | None], now: datetime | None
) -> None:
    """Write the login (and wrong tries since the last one) to the audit trail.

    The daily backup and the whole-file check are not done here: login never waits for
    them. The main window runs ``housekeeping.run_housekeeping`` in the background; the
    command line runs it before its command (desktop/cli/common.py).
    """
    record_login(book, failed_before, now)


def reset_password_with_recovery(username: str, recovery_code: str, new_password: str) -> None:
    """Set a new password for ``username`` using the recovery code written down at setup."""
    key_file = KeyFile.load(paths.key_file())
    name = (username or "").strip().lower()
    if not key_file.has_user(name):
        raise LoginError(f"Không có tài khoản “{name}” trong sổ này.")
    problems = password_problems(new_password, name)
    if problems:
        raise ValidationError([FieldProblem("new_password", p) for p in problems])
    try:
        master_key = key_file.unlock_with_recovery(recovery_code)
    except WrongSecret:
        raise LoginError("Mã khôi phục không đúng. Hãy kiểm tra lại từng nhóm ký tự.") from None
    key_file.set_password(name, new_password, master_key)
    key_file.record_success(name)
    key_file.save()
    record_recovery_reset(master_key, name)
