"""Upstream accounts: the district or province officers who read and correct communes' data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sync.server.models.base import Base, UtcDateTime


class User(Base):
    """A person upstream; the password is kept only as an Argon2id hash."""

    __tablename__ = "users"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(Text)
    # The communes this person may read and correct: "*" for all, else codes joined by ",".
    communes: Mapped[str] = mapped_column(Text)
    # Dashboard role: "viewer" (reads), "approver" (decides reports), "administrator".
    role: Mapped[str] = mapped_column(String(16), server_default="viewer")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
