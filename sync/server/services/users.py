"""Upstream accounts (district or province officers): create, list, disable, check."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import User
from sync.server.models.base import utcnow
from sync.server.repositories import devices as people_repo
from sync.server.services.errors import ErrorKind, ServiceError

ALL_COMMUNES = "*"
MIN_PASSWORD_LENGTH = 10
_USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
_COMMUNE_RE = re.compile(r"^[0-9]{5}$")
ROLES = {"viewer": "Xem", "approver": "Duyệt báo cáo", "administrator": "Quản trị"}
_hasher = PasswordHasher()


@dataclass(frozen=True, slots=True)
class UserInfo:
    """An upstream account as administrators and services see it."""

    id: str
    username: str
    full_name: str
    communes: tuple[str, ...] | None  # None: every commune
    created_at: datetime
    disabled_at: datetime | None
    role: str = "viewer"  # dashboard role: viewer | approver | administrator

    def may_act_for(self, commune_code: str) -> bool:
        """True if this account may read and correct ``commune_code``."""
        if self.disabled_at is not None:
            return False
        return self.communes is None or commune_code in self.communes


def _info(user: User) -> UserInfo:
    communes = None if user.communes == ALL_COMMUNES else tuple(user.communes.split(","))
    return UserInfo(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        communes=communes,
        created_at=user.created_at,
        disabled_at=user.disabled_at,
        role=user.role,
    )


def info_of(user: User) -> UserInfo:
    """The frozen view of a stored account."""
    return _info(user)


def parse_communes(text: str) -> str:
    """``*`` or a comma-separated list of 5-digit commune codes, normalised."""
    value = text.strip()
    if value == ALL_COMMUNES:
        return value
    codes = sorted({part.strip() for part in value.split(",") if part.strip()})
    bad = [code for code in codes if not _COMMUNE_RE.fullmatch(code)]
    if not codes or bad:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_communes",
            "Danh sách xã phải là '*' (mọi xã) hoặc các mã xã 5 chữ số cách nhau bởi dấu phẩy"
            + (f"; sai: {', '.join(bad[:5])}" if bad else "")
            + ".",
        )
    return ",".join(codes)


def create_user(
    sessions: sessionmaker[Session],
    username: str,
    full_name: str,
    password: str,
    communes: str,
    *,
    role: str = "viewer",
    now: datetime | None = None,
) -> UserInfo:
    """Create an upstream account; the password is stored only as an Argon2id hash."""
    if role not in ROLES:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_role",
            f"Vai trò phải là một trong: {', '.join(ROLES)}.",
        )
    name = username.strip().lower()
    if not _USERNAME_RE.fullmatch(name):
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_username",
            "Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch nối, "
            "gạch dưới; bắt đầu bằng chữ hoặc số.",
        )
    if not full_name.strip():
        raise ServiceError(ErrorKind.INVALID, "invalid_full_name", "Chưa nhập họ tên.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            ErrorKind.INVALID,
            "weak_password",
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
        )
    user = User(
        id=str(uuid.uuid4()),
        username=name,
        full_name=full_name.strip()[:200],
        password_hash=_hasher.hash(password),
        communes=parse_communes(communes),
        role=role,
        created_at=now or utcnow(),
    )
    taken = ServiceError(
        ErrorKind.CONFLICT, "username_taken", f"Tên đăng nhập '{name}' đã có người dùng."
    )
    try:
        with sessions.begin() as session:
            if people_repo.get_user_by_name(session, name) is not None:
                raise taken
            people_repo.add_user(session, user)
    except IntegrityError:
        # Two administrators creating the same name at once: the unique key decides.
        raise taken from None
    return _info(user)


def list_users(sessions: sessionmaker[Session]) -> list[UserInfo]:
    """Every upstream account."""
    with sessions() as session:
        return [_info(user) for user in people_repo.list_users(session)]


def find_user(sessions: sessionmaker[Session], username: str) -> UserInfo:
    """The account named ``username`` (NOT_FOUND otherwise)."""
    with sessions() as session:
        user = people_repo.get_user_by_name(session, username.strip().lower())
        if user is None:
            raise ServiceError(
                ErrorKind.NOT_FOUND, "user_not_found", f"Không có tài khoản '{username}'."
            )
        return _info(user)


def disable_user(
    sessions: sessionmaker[Session], username: str, *, now: datetime | None = None
) -> UserInfo:
    """Stop an account from acting (its past corrections stay attributed to it)."""
    with sessions.begin() as session:
        user = people_repo.get_user_by_name(session, username.strip().lower())
        if user is None:
            raise ServiceError(
                ErrorKind.NOT_FOUND, "user_not_found", f"Không có tài khoản '{username}'."
            )
        if user.disabled_at is None:
            user.disabled_at = now or utcnow()
        return _info(user)


def check_password(sessions: sessionmaker[Session], username: str, password: str) -> UserInfo:
    """The active account if ``password`` is right (UNAUTHENTICATED otherwise)."""
    refused = ServiceError(
        ErrorKind.UNAUTHENTICATED, "login_failed", "Tên đăng nhập hoặc mật khẩu không đúng."
    )
    with sessions() as session:
        user = people_repo.get_user_by_name(session, username.strip().lower())
        if user is None or user.disabled_at is not None:
            raise refused
        try:
            _hasher.verify(user.password_hash, password)
        except VerificationError:
            raise refused from None
        return _info(user)
