"""The declarative base every table shares, and the columns every synced row carries."""

from __future__ import annotations

import enum
import os
from datetime import datetime

from sqlalchemy import Boolean, Integer, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from desktop.core.domain.keys import IdSequence
from sync import clock
from sync.dbtypes import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of all local tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_IDS = IdSequence()
if hasattr(os, "register_at_fork"):  # Windows has no fork(), so nothing to re-seed there
    os.register_at_fork(after_in_child=_IDS.after_fork)


def new_id() -> str:
    """A new primary key made on this machine, as text (see ``IdSequence``)."""
    return _IDS()


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return clock.now()


class SyncState(enum.StrEnum):
    """Where a row stands with the upstream server (DHIS2-style state machine)."""

    TO_POST = "TO_POST"  # created here, never sent
    TO_UPDATE = "TO_UPDATE"  # edited here since the server last accepted it
    UPLOADING = "UPLOADING"  # sent, answer not yet applied
    SYNCED = "SYNCED"  # the server holds exactly this version
    ERROR = "ERROR"  # the server refused it; reason in sync_error


class SyncColumns:
    """Columns of every synced row: identity, version, audit stamp, sync state, tombstone."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    version: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    # The version the server last accepted; 0 while the server has never seen the row.
    synced_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, nullable=False)
    updated_by: Mapped[str] = mapped_column(String(64), default="", nullable=False)
    sync_state: Mapped[str] = mapped_column(
        String(12), default=SyncState.TO_POST.value, nullable=False, index=True
    )
    sync_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
