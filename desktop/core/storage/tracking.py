"""Keeps every synced row's version, stamp and sync state right, whatever code edits it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from desktop.core.storage.base import SyncColumns, SyncState, utcnow

# Set on a session that applies the server's answers: those writes must not look like edits.
SYNC_APPLY = "sync_apply"
USERNAME = "username"


def _on_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(SYNC_APPLY):
        return
    user = str(session.info.get(USERNAME, ""))
    now = utcnow()
    for obj in session.new:
        if isinstance(obj, SyncColumns):
            obj.updated_at = now
            obj.updated_by = user
            obj.version = 1
            obj.synced_version = 0
            obj.sync_state = SyncState.TO_POST.value
            obj.sync_error = None
    for obj in session.dirty:
        if isinstance(obj, SyncColumns) and session.is_modified(obj, include_collections=False):
            obj.version = (obj.version or 0) + 1
            obj.updated_at = now
            obj.updated_by = user
            # An edit during an upload leaves the row dirty: the upload's answer is then
            # ignored because the row is no longer UPLOADING (DHIS2's rule).
            obj.sync_state = (
                SyncState.TO_UPDATE.value if obj.synced_version else SyncState.TO_POST.value
            )
            obj.sync_error = None


def install_change_tracking(factory: sessionmaker[Session]) -> None:
    """Attach the bookkeeping to every session the factory makes."""
    event.listen(factory, "before_flush", _on_flush)
