"""Queries on answered push batches."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sync.server.models import Batch


def get(session: Session, batch_id: str) -> Batch | None:
    """The stored batch with this id, whatever its commune."""
    return session.get(Batch, batch_id)


def add(session: Session, batch: Batch) -> None:
    """Store an answered batch."""
    session.add(batch)


def last_push_at(session: Session, commune_code: str) -> datetime | None:
    """When the commune's most recent batch was answered, if ever."""
    value = session.execute(
        select(func.max(Batch.created_at)).where(Batch.commune_code == commune_code)
    ).scalar_one_or_none()
    return value
