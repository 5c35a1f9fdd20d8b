"""Queries for the sync outbox: rows waiting to go upstream, and their bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.core.storage.base import SyncColumns, SyncState
from desktop.core.storage.models import SYNCED_MODELS, CommuneSettings

# Rows left UPLOADING by a crash or a cut connection are sent again; the server recognises
# an exact repeat as a duplicate, so nothing is created twice.
PENDING_STATES = (SyncState.TO_POST.value, SyncState.TO_UPDATE.value, SyncState.UPLOADING.value)


def settings(session: Session) -> CommuneSettings:
    return session.scalars(select(CommuneSettings)).one()


def count_in_states(session: Session, states: Sequence[str]) -> int:
    total = 0
    for model in SYNCED_MODELS.values():
        total += (
            session.scalar(
                select(func.count()).select_from(model).where(model.sync_state.in_(states))
            )
            or 0
        )
    return total


def pending_rows(session: Session, model: type[SyncColumns], limit: int) -> Sequence[SyncColumns]:
    """Up to ``limit`` rows of ``model`` waiting to be sent, oldest edit first."""
    return session.scalars(
        select(model)
        .where(model.sync_state.in_(PENDING_STATES))
        .order_by(model.updated_at, model.id)
        .limit(limit)
    ).all()


def get_row(session: Session, model: type[SyncColumns], row_id: str) -> SyncColumns | None:
    return session.get(model, row_id)
