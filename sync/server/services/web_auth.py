"""Dashboard sign-in: Argon2 passwords (users service), expiring sessions, CSRF tokens,
rate-limited logins, and the audit trail of administrative changes."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import AuditEntry, LoginFailure, User, WebSession
from sync.server.models.base import utcnow
from sync.server.repositories import devices as people_repo
from sync.server.security import sha256_hex
from sync.server.services import users
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.users import UserInfo

IDLE_TIMEOUT = timedelta(minutes=30)
MAX_SESSION = timedelta(hours=8)
# At most this many refused sign-ins per user name, or per address, within the window.
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class WebUser:
    """The signed-in person and the CSRF token of their session."""

    info: UserInfo
    csrf_token: str

    @property
    def role(self) -> str:
        """viewer | approver | administrator."""
        return self.info.role

    @property
    def is_admin(self) -> bool:
        """True for administrators."""
        return self.info.role == "administrator"

    @property
    def may_decide(self) -> bool:
        """True for approvers and administrators."""
        return self.info.role in ("approver", "administrator")


def _too_many() -> ServiceError:
    return ServiceError(
        ErrorKind.FORBIDDEN,
        "login_rate_limited",
        "Đăng nhập sai quá nhiều lần. Hãy đợi 15 phút rồi thử lại, hoặc nhờ quản trị viên.",
    )


def login(
    sessions: sessionmaker[Session],
    username: str,
    password: str,
    address: str,
    *,
    now: datetime | None = None,
) -> tuple[str, WebUser]:
    """Check the password and open a session; returns the cookie's secret and the user."""
    now = now or utcnow()
    name = username.strip().lower()[:64]
    address = address[:64]
    since = now - FAILURE_WINDOW
    with sessions() as session:
        by_name = session.scalar(
            select(func.count()).where(LoginFailure.username == name, LoginFailure.at > since)
        )
        by_address = session.scalar(
            select(func.count()).where(LoginFailure.address == address, LoginFailure.at > since)
        )
    if (by_name or 0) >= MAX_FAILURES or (by_address or 0) >= 4 * MAX_FAILURES:
        raise _too_many()
    try:
        info = users.check_password(sessions, name, password)
    except ServiceError:
        with sessions.begin() as session:
            session.add(LoginFailure(username=name, address=address, at=now))
            session.execute(delete(LoginFailure).where(LoginFailure.at < now - timedelta(days=1)))
        raise
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    with sessions.begin() as session:
        session.execute(delete(LoginFailure).where(LoginFailure.username == name))
        session.execute(delete(WebSession).where(WebSession.expires_at < now))
        session.add(
            WebSession(
                token_hash=sha256_hex(token),
                user_id=info.id,
                csrf_token=csrf,
                created_at=now,
                last_seen_at=now,
                expires_at=now + MAX_SESSION,
            )
        )
        session.add(AuditEntry(at=now, username=name, action="login", target=address, detail=""))
    return token, WebUser(info, csrf)


def resolve(
    sessions: sessionmaker[Session], token: str, *, now: datetime | None = None
) -> WebUser | None:
    """The live session's user, or None (unknown, idle too long, past its end, disabled)."""
    if not token:
        return None
    now = now or utcnow()
    with sessions.begin() as session:
        row = session.get(WebSession, sha256_hex(token))
        if row is None:
            return None
        if row.expires_at <= now or now - row.last_seen_at > IDLE_TIMEOUT:
            session.delete(row)
            return None
        user = people_repo.get_user(session, row.user_id)
        if user is None or user.disabled_at is not None:
            session.delete(row)
            return None
        row.last_seen_at = now
        return WebUser(users.info_of(user), row.csrf_token)


def check_csrf(user: WebUser, submitted: str) -> None:
    """Refuse a form whose CSRF token is not the session's."""
    if not submitted or not hmac.compare_digest(user.csrf_token, submitted):
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "csrf_invalid",
            "Biểu mẫu đã hết hạn hoặc không gửi từ trang này. Hãy tải lại trang rồi làm lại.",
        )


def logout(sessions: sessionmaker[Session], token: str) -> None:
    """End the session."""
    with sessions.begin() as session:
        session.execute(delete(WebSession).where(WebSession.token_hash == sha256_hex(token)))


def record(
    sessions: sessionmaker[Session],
    username: str,
    action: str,
    target: str,
    detail: str = "",
    *,
    now: datetime | None = None,
) -> None:
    """Write one audit entry."""
    with sessions.begin() as session:
        session.add(
            AuditEntry(
                at=now or utcnow(),
                username=username,
                action=action,
                target=target[:200],
                detail=detail,
            )
        )


def set_role_and_scope(
    sessions: sessionmaker[Session], actor: str, username: str, role: str, communes: str
) -> UserInfo:
    """Change an account's role and communes (administrators)."""
    if role not in users.ROLES:
        raise ServiceError(ErrorKind.INVALID, "invalid_role", "Vai trò không hợp lệ.")
    scope = users.parse_communes(communes)
    with sessions.begin() as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            raise ServiceError(
                ErrorKind.NOT_FOUND, "user_not_found", f"Không có tài khoản '{username}'."
            )
        user.role = role
        user.communes = scope
        session.add(
            AuditEntry(
                at=utcnow(),
                username=actor,
                action="user_changed",
                target=username,
                detail=f"vai trò {role}; xã {scope}",
            )
        )
        return users.info_of(user)
