"""Queries on the people who may open the book and the hamlets collaborators may see."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.core.storage.models import CommuneSettings, Hamlet, User, UserHamlet


def all_users(session: Session) -> Sequence[User]:
    return session.scalars(select(User).order_by(User.username)).all()


def by_username(session: Session, username: str) -> User | None:
    return session.scalars(select(User).where(User.username == username)).one_or_none()


def get(session: Session, user_id: str) -> User | None:
    return session.get(User, user_id)


def active_admins(session: Session) -> int:
    return int(
        session.scalar(
            select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
        )
        or 0
    )


def hamlet_ids_of(session: Session, user_id: str) -> list[str]:
    return list(session.scalars(select(UserHamlet.hamlet_id).where(UserHamlet.user_id == user_id)))


def hamlet_names(session: Session) -> dict[str, str]:
    rows = session.execute(select(Hamlet.id, Hamlet.name).where(Hamlet.deleted.is_(False)))
    return {str(hamlet_id): str(name) for hamlet_id, name in rows}


def live_hamlet_ids(session: Session, ids: Sequence[str]) -> set[str]:
    if not ids:
        return set()
    return set(
        session.scalars(select(Hamlet.id).where(Hamlet.id.in_(ids), Hamlet.deleted.is_(False)))
    )


def set_hamlets(session: Session, user_id: str, hamlet_ids: Sequence[str]) -> None:
    """Make the user's hamlets exactly ``hamlet_ids`` (ORM adds and deletes: audited)."""
    wanted = set(hamlet_ids)
    current = {
        link.hamlet_id: link
        for link in session.scalars(select(UserHamlet).where(UserHamlet.user_id == user_id))
    }
    for hamlet_id, link in current.items():
        if hamlet_id not in wanted:
            session.delete(link)
    for hamlet_id in sorted(wanted - set(current)):
        session.add(UserHamlet(user_id=user_id, hamlet_id=hamlet_id))


def settings(session: Session) -> CommuneSettings:
    return session.scalars(select(CommuneSettings)).one()
