"""The unlocked book and the person who unlocked it: what every service takes.

Nothing here logs in, audits or backs up, so ``audit`` and ``backup`` can import it while
``book`` (create, open, log in) imports them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from desktop.core.domain.permissions import Action, PermissionDenied, allowed, require
from desktop.core.domain.roles import Role
from desktop.core.storage import audit_hook
from desktop.core.storage.engine import CommitCounter, checkpoint, make_session_factory
from desktop.core.storage.keyfile import KeyFile, KeyFileError, WrongSecret
from desktop.core.storage.models import CommuneSettings
from desktop.core.storage.tracking import USERNAME, install_change_tracking


@dataclass(frozen=True)
class CurrentUser:
    """The person who unlocked the book."""

    id: str
    username: str
    full_name: str
    role: Role
    # The hamlets a collaborator may see; None means every hamlet (other roles).
    hamlet_ids: frozenset[str] | None = None
    # Set by an administrator's reset: only reading is allowed until the password is changed.
    must_change_password: bool = False

    def may(self, action: Action) -> bool:
        """True if this user's role allows ``action`` (screens; services also ``require``)."""
        return allowed(self.role, action)

    def require(self, action: Action) -> None:
        """Raise PermissionDenied (Vietnamese message) unless the role allows ``action``."""
        require(self.role, action)
        if self.must_change_password and action != Action.VIEW_BOOK:
            raise PermissionDenied(
                "Quản trị viên vừa đặt lại mật khẩu của bạn. Hãy đổi mật khẩu trước khi làm việc."
            )


@dataclass(frozen=True)
class CommuneInfo:
    """The commune this book belongs to, as shown and printed."""

    code: str
    name: str
    province_name: str
    unit_kind: str
    place_name: str
    upstream_url: str | None
    upstream_unit: str
    idle_lock_minutes: int
    device_enrolled: bool
    backup_limit_mb: int = 0  # the backups folder's limit set by an administrator (0: default)

    @property
    def display_name(self) -> str:
        """E.g. "Xã Hoàng Kim"."""
        return f"{self.unit_kind} {self.name}"


class Book:
    """An open, unlocked commune book. Services take one; it owns the engine."""

    def __init__(
        self,
        path: Path,
        engine: Engine,
        user: CurrentUser,
        key_file: KeyFile,
        master_key: bytes | None = None,
    ) -> None:
        self.path = path
        self.engine = engine
        self.user = user
        self.key_file = key_file
        # Kept only in memory while the book is open: new users' key wraps and backup MACs.
        self._master_key = master_key
        # Problems met while opening that did not stop it (e.g. the daily backup failed).
        self.warnings: list[str] = []
        self._closed = False
        self._sessions: sessionmaker[Session] = make_session_factory(engine)
        self._commits = CommitCounter(engine)
        # Writes by another process (a command run while the app is open): seen by SQLite's
        # data_version on a connection of its own, which changes with every commit made by
        # any other connection, when none of this process's commits explains the change.
        self._seen_commits = -1
        self._seen_version: object = None
        self._outside = 0
        self._generation_lock = threading.Lock()
        self._watch: Any = None
        install_change_tracking(self._sessions)
        audit_hook.install_audit_trail(self._sessions)

    def unwrapped_key(self) -> bytes:
        """The database key, for wrapping it for a new password or keying a backup's MAC."""
        if self._master_key is None or self._closed:
            raise KeyFileError("Sổ đã đóng: hãy đăng nhập lại.")
        return self._master_key

    @property
    def generation(self) -> int:
        """Grows with every transaction committed on this book, here or by another process:
        a figure computed at one generation is still the book's while it is unchanged."""
        with self._generation_lock:
            commits = self._commits.value
            version = self._data_version()
            if commits != self._seen_commits:
                # this process wrote: the version moved because of it
                self._seen_commits, self._seen_version = commits, version
            elif version != self._seen_version:
                self._outside += 1
                self._seen_version = version
            return commits + self._outside

    def _data_version(self) -> object:
        if self._closed:
            return None
        if self._watch is None:
            self._watch = self.engine.raw_connection()
        cursor = self._watch.cursor()
        try:
            return cursor.execute("PRAGMA data_version").fetchone()[0]
        finally:
            cursor.close()

    @property
    def closed(self) -> bool:
        """True once ``close`` ran."""
        return self._closed

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: committed if the block ends normally, rolled back otherwise."""
        with self._sessions() as session, session.begin():
            session.info[USERNAME] = self.user.username
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only."""
        with self._sessions() as session:
            yield session

    def commune(self) -> CommuneInfo:
        """The commune settings of this book."""
        with self.read() as session:
            row = session.scalars(select(CommuneSettings)).one()
            return _commune_info(row)

    def verify_password(self, password: str) -> bool:
        """True if ``password`` is the current user's (used to unlock an idle window)."""
        try:
            self.key_file.unlock(self.user.username, password)
        except WrongSecret:
            return False
        return True

    def close(self) -> None:
        """Fold the WAL into the file and release it (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        self._master_key = None
        with self._generation_lock:
            if self._watch is not None:
                self._watch.close()
                self._watch = None
        try:
            checkpoint(self.engine)
        finally:
            self.engine.dispose()


def _commune_info(row: CommuneSettings) -> CommuneInfo:
    return CommuneInfo(
        code=row.commune_code,
        name=row.commune_name,
        province_name=row.province_name,
        unit_kind=row.unit_kind,
        place_name=row.place_name or row.commune_name,
        upstream_url=row.upstream_url,
        upstream_unit=row.upstream_unit,
        idle_lock_minutes=row.idle_lock_minutes,
        device_enrolled=bool(row.device_token),
        backup_limit_mb=row.backup_limit_mb,
    )
