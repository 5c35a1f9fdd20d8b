"""Commune merges declared upstream (the 2025 reform) and the versions a merge set aside."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models.base import Base, JsonType, UtcDateTime


class CommuneMerge(Base):
    """A former commune joined into a new one: its records now live under ``into_code``.

    One row per former commune (a commune is merged once); its own code stays in the
    finalised reports and in the change counter, as history.
    """

    __tablename__ = "commune_merges"

    former_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    into_code: Mapped[str] = mapped_column(String(5), index=True)
    merged_on: Mapped[date] = mapped_column(Date)  # the day the merge took effect
    declared_at: Mapped[datetime] = mapped_column(UtcDateTime())
    declared_by: Mapped[str] = mapped_column(String(64))
    records_moved: Mapped[int] = mapped_column(Integer)  # re-homed under into_code
    records_folded: Mapped[int] = mapped_column(Integer)  # the new commune held them too


class SetAsideRecord(Base):
    """The version of a record a merge did not keep: both communes held the same record id,
    the newer version stayed current and this one is kept here, never silently lost."""

    __tablename__ = "merge_set_aside"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    former_code: Mapped[str] = mapped_column(String(5), index=True)
    into_code: Mapped[str] = mapped_column(String(5))
    held_by: Mapped[str] = mapped_column(String(5))  # the code this version was held under
    table_name: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(36))
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    set_aside_at: Mapped[datetime] = mapped_column(UtcDateTime())
