"""People who share the book: add, change, deactivate, reset and change passwords; settings.

Every person has their own password; each password wraps the same master key in the key file
(``storage/keyfile.py``), so adding a person needs the open book's key, kept only in memory.
A reset by the administrator sets a temporary password that must be changed at the next login.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from desktop.core.domain.collation import vn_sort_key
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.passwords import password_problems
from desktop.core.domain.permissions import Action, PermissionDenied
from desktop.core.domain.roles import ROLE_LABELS, Role, check_username
from desktop.core.domain.text import clean_text
from desktop.core.services.audit import record_event
from desktop.core.services.book import Book
from desktop.core.storage.audit_hook import AuditAction
from desktop.core.storage.keyfile import KeyFile, WrongSecret, new_recovery_code
from desktop.core.storage.models import User
from desktop.core.storage.repositories import users as repo
from sync import clock

MIN_IDLE_MINUTES = 1
MAX_IDLE_MINUTES = 120


@dataclass(frozen=True)
class UserRow:
    """One person of the book, as the users screen shows them."""

    id: str
    username: str
    full_name: str
    role: Role
    role_label: str
    active: bool
    must_change_password: bool
    last_login_at: datetime | None
    hamlet_ids: tuple[str, ...]
    hamlet_names: tuple[str, ...]


@dataclass(frozen=True)
class NewUser:
    """The form to add a person."""

    username: str
    full_name: str
    role: Role
    password: str
    hamlet_ids: tuple[str, ...] = ()


class UserService:
    """User management (administrators) and changing one's own password (everyone)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    # -- reading --------------------------------------------------------------------------

    def list_users(self) -> list[UserRow]:
        """Everyone who has an account in this book, by user name."""
        self._book.user.require(Action.MANAGE_USERS)
        with self._book.read() as session:
            names = repo.hamlet_names(session)
            rows = []
            for user in repo.all_users(session):
                ids = tuple(repo.hamlet_ids_of(session, user.id))
                rows.append(_row(user, ids, names))
        return rows

    def hamlets(self) -> list[tuple[str, str]]:
        """(id, name) of every hamlet, for assigning collaborators."""
        self._book.user.require(Action.MANAGE_USERS)
        with self._book.read() as session:
            return sorted(repo.hamlet_names(session).items(), key=lambda item: vn_sort_key(item[1]))

    # -- changing people --------------------------------------------------------------------

    def add_user(self, form: NewUser) -> UserRow:
        """Add a person with their own password (wrapping the same key); all problems at once."""
        self._book.user.require(Action.MANAGE_USERS)
        problems: list[FieldProblem] = []
        username = ""
        try:
            username = check_username(form.username)
        except ValidationError as exc:
            problems.extend(exc.problems)
        full_name = clean_text(form.full_name)
        if not full_name:
            problems.append(FieldProblem("full_name", "Họ và tên: chưa nhập."))
        problems.extend(
            FieldProblem("password", p) for p in password_problems(form.password, username)
        )
        problems.extend(self._hamlet_problems(form.role, form.hamlet_ids))
        if problems:
            raise ValidationError(problems)
        master_key = self._book.unwrapped_key()
        with self._book.transaction() as session:
            if repo.by_username(session, username) is not None:
                raise ValidationError(
                    FieldProblem("username", f"Tên đăng nhập “{username}” đã có trong sổ.")
                )
            live = repo.live_hamlet_ids(session, form.hamlet_ids)
            user = User(username=username, full_name=full_name, role=form.role.value)
            session.add(user)
            session.flush()
            if form.role == Role.COLLABORATOR:
                repo.set_hamlets(session, user.id, sorted(live))
            keys = self._fresh_keys()
            keys.set_password(username, form.password, master_key)
            # Saved last inside the transaction: if it fails, the user row is not committed.
            keys.save()
            self._book.key_file = keys
            names = repo.hamlet_names(session)
            return _row(user, tuple(sorted(live)) if form.role == Role.COLLABORATOR else (), names)

    def update_user(
        self, user_id: str, full_name: str, role: Role, hamlet_ids: tuple[str, ...] = ()
    ) -> UserRow:
        """Change a person's name, role or hamlets."""
        self._book.user.require(Action.MANAGE_USERS)
        problems = []
        name = clean_text(full_name)
        if not name:
            problems.append(FieldProblem("full_name", "Họ và tên: chưa nhập."))
        problems.extend(self._hamlet_problems(role, hamlet_ids))
        if problems:
            raise ValidationError(problems)
        with self._book.transaction() as session:
            user = self._get(session, user_id)
            if user.id == self._book.user.id and role.value != user.role:
                raise PermissionDenied("Không tự đổi vai trò của chính mình.")
            if user.role == Role.ADMIN.value and role != Role.ADMIN and user.active:
                self._keep_an_admin(session)
            user.full_name = name
            user.role = role.value
            live = repo.live_hamlet_ids(session, hamlet_ids) if role == Role.COLLABORATOR else set()
            repo.set_hamlets(session, user.id, sorted(live))
            session.flush()
            return _row(user, tuple(sorted(live)), repo.hamlet_names(session))

    def deactivate(self, user_id: str) -> None:
        """Lock a person out: the account stays in the book (and the audit trail), the wrap goes."""
        self._book.user.require(Action.MANAGE_USERS)
        if user_id == self._book.user.id:
            raise PermissionDenied("Không tự khóa tài khoản đang đăng nhập.")
        with self._book.transaction() as session:
            user = self._get(session, user_id)
            if user.role == Role.ADMIN.value and user.active:
                self._keep_an_admin(session)
            user.active = False
            username = user.username
        # After the commit: even if this save failed, an inactive account cannot log in.
        keys = self._fresh_keys()
        keys.remove_user(username)
        keys.save()
        self._book.key_file = keys

    def reset_password(self, user_id: str, temporary_password: str) -> None:
        """Set a temporary password (also re-opens a locked account); it must be changed."""
        self._book.user.require(Action.MANAGE_USERS)
        master_key = self._book.unwrapped_key()
        with self._book.transaction() as session:
            user = self._get(session, user_id)
            problems = password_problems(temporary_password, user.username)
            if problems:
                raise ValidationError([FieldProblem("password", p) for p in problems])
            user.active = True
            user.must_change_password = user.id != self._book.user.id
            keys = self._fresh_keys()
            keys.set_password(user.username, temporary_password, master_key)
            keys.record_success(user.username)
            keys.save()
            self._book.key_file = keys
        record_event(
            self._book,
            AuditAction.PASSWORD_RESET,
            table_name="users",
            record_id=user_id,
            after={"by": self._book.user.username, "must_change_password": True},
        )

    def change_own_password(self, old_password: str, new_password: str) -> None:
        """Change the logged-in person's password (the old one is checked first)."""
        me = self._book.user
        keys = self._fresh_keys()
        try:
            master_key = keys.unlock(me.username, old_password)
        except WrongSecret:
            raise ValidationError(
                FieldProblem("old_password", "Mật khẩu hiện tại không đúng.")
            ) from None
        problems = [
            FieldProblem("new_password", p) for p in password_problems(new_password, me.username)
        ]
        if new_password == old_password:
            problems.append(FieldProblem("new_password", "Mật khẩu mới phải khác mật khẩu cũ."))
        if problems:
            raise ValidationError(problems)
        with self._book.transaction() as session:
            user = self._get(session, me.id)
            user.must_change_password = False
            keys.set_password(me.username, new_password, master_key)
            keys.save()
            self._book.key_file = keys
        self._book.user = replace(me, must_change_password=False)
        record_event(self._book, AuditAction.PASSWORD_CHANGE, table_name="users", record_id=me.id)

    def new_recovery_code(self) -> str:
        """Issue a new recovery code (the old one stops working); shown once, to write down."""
        self._book.user.require(Action.MANAGE_USERS)
        code = new_recovery_code()
        keys = self._fresh_keys()
        keys.replace_recovery(code, self._book.unwrapped_key())
        keys.save()
        self._book.key_file = keys
        record_event(
            self._book,
            AuditAction.RECOVERY_CODE,
            table_name="users",
            record_id=self._book.user.id,
            after={"issued_at": clock.now()},
        )
        return code

    # -- settings -------------------------------------------------------------------------

    def idle_lock_minutes(self) -> int:
        """Minutes without input before the window locks."""
        return self._book.commune().idle_lock_minutes

    def set_idle_lock_minutes(self, minutes: int) -> int:
        """Change the idle lock (1–120 minutes); recorded by the audit trail."""
        self._book.user.require(Action.SETTINGS)
        if not MIN_IDLE_MINUTES <= minutes <= MAX_IDLE_MINUTES:
            raise ValidationError(
                FieldProblem(
                    "idle_lock_minutes",
                    f"Thời gian tự khóa phải từ {MIN_IDLE_MINUTES} đến {MAX_IDLE_MINUTES} phút.",
                )
            )
        with self._book.transaction() as session:
            repo.settings(session).idle_lock_minutes = minutes
        return minutes

    # -- helpers --------------------------------------------------------------------------

    def _fresh_keys(self) -> KeyFile:
        # Read from disk: another session on this PC may have changed it since the login.
        return KeyFile.load(self._book.key_file.path)

    @staticmethod
    def _get(session: Session, user_id: str) -> User:
        user = repo.get(session, user_id)
        if user is None:
            raise ValidationError(FieldProblem("id", "Không tìm thấy người dùng này trong sổ."))
        return user

    @staticmethod
    def _keep_an_admin(session: Session) -> None:
        if repo.active_admins(session) <= 1:
            raise PermissionDenied(
                "Sổ phải luôn có ít nhất một quản trị viên đang hoạt động. Hãy thêm hoặc chỉ "
                "định quản trị viên khác trước."
            )

    @staticmethod
    def _hamlet_problems(role: Role, hamlet_ids: tuple[str, ...]) -> list[FieldProblem]:
        if role == Role.COLLABORATOR and not hamlet_ids:
            return [
                FieldProblem(
                    "hamlet_ids", "Cộng tác viên: hãy chọn ít nhất một thôn được phân công."
                )
            ]
        return []


def _row(user: User, hamlet_ids: tuple[str, ...], names: dict[str, str]) -> UserRow:
    role = Role(user.role)
    return UserRow(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=role,
        role_label=ROLE_LABELS[role],
        active=user.active,
        must_change_password=user.must_change_password,
        last_login_at=user.last_login_at,
        hamlet_ids=hamlet_ids,
        hamlet_names=tuple(sorted(names.get(h, "") for h in hamlet_ids)),
    )
