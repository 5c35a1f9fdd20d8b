"""Queries on declared commune merges and on what tells a commune's code is known."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from sync.server.models import Commune, CommuneMerge, Device, Record, UpstreamReport


def get(session: Session, former_code: str) -> CommuneMerge | None:
    """The merge of ``former_code`` into a new commune, if one was declared."""
    return session.get(CommuneMerge, former_code)


def is_new_commune(session: Session, code: str) -> bool:
    """True if some former commune was merged into ``code``."""
    return bool(session.scalar(select(exists().where(CommuneMerge.into_code == code))))


def formers_of(session: Session, into_code: str) -> list[str]:
    """The former communes declared merged into ``into_code``, sorted."""
    return list(
        session.scalars(
            select(CommuneMerge.former_code)
            .where(CommuneMerge.into_code == into_code)
            .order_by(CommuneMerge.former_code)
        )
    )


def all_merges(session: Session) -> list[CommuneMerge]:
    """Every declared merge, by new commune then former code."""
    return list(
        session.scalars(
            select(CommuneMerge).order_by(CommuneMerge.into_code, CommuneMerge.former_code)
        )
    )


def commune_name(session: Session, code: str) -> str:
    """The commune's name as its administrator typed it ("" when unnamed)."""
    commune = session.get(Commune, code)
    return commune.name if commune is not None else ""


def known(session: Session, code: str) -> bool:
    """True if the server has a device, a record, a report or a name for ``code``."""
    return any(
        session.scalar(select(exists().where(column == code)))
        for column in (
            Record.commune_code,
            Device.commune_code,
            UpstreamReport.commune_code,
            Commune.code,
        )
    )


def live_values(session: Session, commune_code: str, table: str, field: str) -> set[object]:
    """The values of ``field`` in the commune's live rows of ``table``."""
    rows = session.scalars(
        select(Record).where(
            Record.commune_code == commune_code,
            Record.table_name == table,
            Record.deleted.is_(False),
        )
    )
    return {row.data.get(field) for row in rows}
