"""Queries on the people and machines that may act: devices, enrollment codes, users."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync.server.models import Device, EnrollmentCode, User


def get(session: Session, device_id: str) -> Device | None:
    """The device with this id, if any."""
    return session.get(Device, device_id)


def get_by_token_hash(session: Session, token_hash: str) -> Device | None:
    """The device whose token hashes to ``token_hash``, revoked or not."""
    return session.execute(
        select(Device).where(Device.token_hash == token_hash)
    ).scalar_one_or_none()


def add(session: Session, device: Device) -> None:
    """Store a new device."""
    session.add(device)


def list_for_commune(session: Session, commune_code: str) -> list[Device]:
    """A commune's devices, oldest first."""
    return list(
        session.execute(
            select(Device)
            .where(Device.commune_code == commune_code)
            .order_by(Device.created_at, Device.id)
        ).scalars()
    )


def add_code(session: Session, code: EnrollmentCode) -> None:
    """Store a new enrollment code (its hash)."""
    session.add(code)


def get_code_for_update(session: Session, code_hash: str) -> EnrollmentCode | None:
    """The code with this hash, row-locked so that two devices cannot both use it."""
    return session.execute(
        select(EnrollmentCode).where(EnrollmentCode.code_hash == code_hash).with_for_update()
    ).scalar_one_or_none()


def get_user(session: Session, user_id: str) -> User | None:
    """The upstream user with this id, if any."""
    return session.get(User, user_id)


def get_user_by_name(session: Session, username: str) -> User | None:
    """The upstream user with this username, if any."""
    return session.execute(select(User).where(User.username == username)).scalar_one_or_none()


def add_user(session: Session, user: User) -> None:
    """Store a new upstream user."""
    session.add(user)


def list_users(session: Session) -> list[User]:
    """Every upstream user, by username."""
    return list(session.execute(select(User).order_by(User.username)).scalars())
