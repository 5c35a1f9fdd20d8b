"""What the parts of sync share: limits, labels, and the frozen results for the UI and CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sync.client import SyncClient, SyncError
from sync.protocol import DOCUMENT_TABLE, MAX_ITEMS_PER_BATCH, ItemResult

BATCH_SIZE = 200
MIN_BATCH_SIZE = 25
MAX_BATCH_SIZE = MAX_ITEMS_PER_BATCH
APPLY_CHUNK = 500
# Tables whose rows go one per batch and never ride along with their parent's batch: a report's
# PDF (up to protocol.MAX_DOCUMENT_BYTES) alone keeps every batch under the server's body limit,
# and a document lost on a cut link costs only its own resending.
ALONE_TABLES = frozenset({DOCUMENT_TABLE})
AUTO_SYNC_CHOICES = (0, 15, 30, 60, 120)


# Bookkeeping columns travel in the item's envelope, not in its data; derived ``*_key``
# columns are rebuilt on the other side.
_LOCAL_ONLY = {"id", "version", "synced_version", "updated_at", "updated_by", "sync_state",
               "sync_error", "deleted"}  # fmt: skip
_DELETED = "deleted"

ClientFactory = Callable[[str, "str | None", "str | None"], SyncClient]


@dataclass(frozen=True)
class TableStatus:
    """One synced table in the sync screen."""

    table: str
    label: str
    waiting: int
    errors: int
    total: int


@dataclass(frozen=True)
class SyncStatus:
    """What the sync screen shows before anything is sent."""

    server_url: str | None
    enrolled: bool
    pending: int
    errors: int
    last_sync_at: datetime | None
    conflicts: int = 0
    in_flight: int = 0
    received_waiting: int = 0
    tables: tuple[TableStatus, ...] = ()
    auto_sync_minutes: int = 0
    has_ca_bundle: bool = False
    last_error: str | None = None


@dataclass(frozen=True)
class UndeclaredMerge:
    """A former commune whose book this one brought in, and whose merge upstream (the
    server's ``merge-communes``) has not been declared yet, as the last pull said."""

    former_code: str
    former_name: str  # e.g. "xã Minh Hưng"
    into_code: str
    unit_kind: str  # this book's "Xã" / "Phường" / "Đặc khu"

    @property
    def message_vi(self) -> str:
        """The line for the sync result and the home screen."""
        return (
            f"Cấp trên chưa ghi nhận việc gộp {self.former_name} cũ (mã {self.former_code}) "
            f"vào {self.unit_kind.lower()} này: trên máy chủ, hồ sơ của {self.former_name} cũ "
            f"chưa chuyển sang mã {self.into_code}. Nhờ cấp trên chạy “Gộp xã” trên máy chủ "
            f"(gộp mã {self.former_code} vào mã {self.into_code})."
        )


# Said after a sync when the book brought in former communes and the server does not tell.
MERGES_UNKNOWN = (
    "Máy chủ chưa cho biết cấp trên đã ghi nhận việc gộp các xã cũ vào sổ này hay chưa "
    "(máy chủ dùng phiên bản cũ); dữ liệu vẫn đồng bộ bình thường."
)


@dataclass(frozen=True)
class SyncProgress:
    """How far a sync has gone: items and bytes, for the progress line."""

    phase: str  # "push" | "pull" | "apply"
    items_done: int
    items_total: int
    bytes_sent: int
    bytes_received: int


@dataclass(frozen=True)
class SyncOutcome:
    """The result of one press of "Đồng bộ"."""

    offline: bool
    failed: bool
    sent: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    remaining: int
    message_vi: str
    received: int = 0
    pull_conflicts: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    decisions: int = 0  # upstream decisions on the commune's reports received
    warnings: tuple[str, ...] = ()  # a part that failed without failing the sync


@dataclass(frozen=True)
class ConflictSummary:
    """One row of the conflicts list."""

    id: int
    table: str
    table_label: str
    row_id: str
    title: str
    detected_at: datetime
    upstream: bool
    server_updated_by: str
    fields: int


@dataclass(frozen=True)
class FieldDiff:
    """One field of a conflict: this book's value and the server's, as text."""

    field: str
    label: str
    mine: str
    theirs: str
    differs: bool
    kind: str  # "text" | "int" | "bool" | "date" | "datetime"


@dataclass(frozen=True)
class ConflictDetail:
    """A conflict, field by field, for the resolution dialog."""

    summary: ConflictSummary
    fields: tuple[FieldDiff, ...]


@dataclass(frozen=True)
class FieldChoice:
    """The officer's choice for one differing field: ``mine``, ``theirs`` or ``edit``."""

    choice: str
    text: str = ""


@dataclass(frozen=True)
class SyncErrorRow:
    """A row the server refused (Lỗi đồng bộ): it waits until someone edits it."""

    table: str
    table_label: str
    row_id: str
    title: str
    reason: str
    updated_at: datetime


@dataclass
class Tally:
    """Counts of one sync (or one answer file), item by item."""

    sent: int = 0
    applied: int = 0
    duplicates: int = 0
    conflicts: int = 0
    rejected: int = 0
    received: int = 0
    pull_conflicts: int = 0
    decisions: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, result: ItemResult) -> None:
        if result.status == "applied":
            self.applied += 1
        elif result.status == "duplicate":
            self.duplicates += 1
        elif result.status == "conflict":
            self.conflicts += 1
        else:
            self.rejected += 1


class _Stop(Exception):
    """Ends a sync early: offline (transient) or refused (definitive)."""

    def __init__(self, error: SyncError, *, offline: bool) -> None:
        super().__init__(error.message_vi)
        self.error = error
        self.offline = offline
