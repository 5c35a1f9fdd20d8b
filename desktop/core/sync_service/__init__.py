"""The commune side of sync: outbox rows ↔ protocol messages, through ``sync.client``.

Rows move TO_POST/TO_UPDATE → UPLOADING → SYNCED (or ERROR with the server's reason). A batch
is written to the book (``sync_outbox_batches``) in the same transaction that marks its rows
UPLOADING, so a cut, a crash or a closed laptop never loses track of it: the next sync first
asks the server for that batch's stored answer and resends the very same batch only if the
server never got it. The server's answer is applied to a row only if it is still UPLOADING at
the version sent: a row edited while its upload was in flight stays queued.

Push before pull. Pull pages by the server's change number (seq), keeps each page in the
book (``sync_inbox``) with the cursor before writing anything, and never overwrites a row
with local changes: an overlapping edit becomes a ``sync_conflicts`` row that a person
resolves field by field. Nothing here depends on the computer's clock.
"""

from desktop.core.sync_service.service import SyncService
from desktop.core.sync_service.shared import (
    AUTO_SYNC_CHOICES,
    ConflictDetail,
    ConflictSummary,
    FieldChoice,
    FieldDiff,
    SyncErrorRow,
    SyncOutcome,
    SyncProgress,
    SyncStatus,
    TableStatus,
    Tally,
    UndeclaredMerge,
)
from desktop.core.sync_service.wire import record_item, row_data

__all__ = [
    "AUTO_SYNC_CHOICES",
    "FIELD_LABELS",
    "TABLE_LABELS",
    "ConflictDetail",
    "ConflictSummary",
    "FieldChoice",
    "FieldDiff",
    "SyncErrorRow",
    "SyncOutcome",
    "SyncProgress",
    "SyncService",
    "SyncStatus",
    "TableStatus",
    "Tally",
    "UndeclaredMerge",
    "record_item",
    "row_data",
]
