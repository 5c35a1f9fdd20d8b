"""The declarative base of the server's tables, and the column types they share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase

from sync import clock
from sync.dbtypes import UtcDateTime

__all__ = ["NAMING_CONVENTION", "Base", "JsonType", "UtcDateTime", "utcnow"]

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# JSONB on PostgreSQL (indexable, compact); plain JSON text elsewhere.
JsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """Now, in UTC, timezone-aware."""
    return clock.now()


class Base(DeclarativeBase):
    """Base class of every server table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
