"""Answered push batches, kept so that a repeated batch gets the same answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models.base import Base, UtcDateTime


class Batch(Base):
    """One push batch and the exact answer the server gave to it."""

    __tablename__ = "batches"
    __table_args__ = (Index("ix_batches_commune_code_created_at", "commune_code", "created_at"),)

    batch_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    commune_code: Mapped[str] = mapped_column(String(5))
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id"))
    # SHA-256 of the items as received: the same id with other content is a client bug
    # that must not be answered with the old (now wrong) results.
    request_hash: Mapped[str] = mapped_column(String(64))
    # Kept as the exact JSON text sent, so a replay is byte-for-byte the same answer.
    response: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
