"""Synced rows as the server holds them, and the per-commune change counter."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models.base import Base, JsonType, UtcDateTime


class Record(Base):
    """The latest accepted version of one row of one synced table of one commune."""

    __tablename__ = "records"
    # A pull pages through one commune's changes by seq, so (commune, seq) is unique.
    __table_args__ = (UniqueConstraint("commune_code", "seq"),)

    # The commune leads the key so the table can later be sharded by commune (Citus).
    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[bool] = mapped_column(Boolean)
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)
    seq: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_by: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # Who wrote the current version: a commune device, or an upstream person (a correction).
    device_id: Mapped[str | None] = mapped_column(ForeignKey("devices.id"))
    author_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"))


class CommuneSequence(Base):
    """The last change number given out for a commune."""

    # Locking this row for the whole push transaction serialises a commune's pushes, so
    # sequence numbers become visible in commit order and a pull by seq never skips one
    # (a database SEQUENCE can commit 11 before 10).
    __tablename__ = "commune_sequences"

    commune_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger)
