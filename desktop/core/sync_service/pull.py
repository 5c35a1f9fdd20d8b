"""Pull and inbox: upstream's changes paged into the book's inbox, then applied to rows."""

from __future__ import annotations

import functools
from collections.abc import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.core.storage.base import SyncColumns, SyncState, utcnow
from desktop.core.storage.models import SYNCED_MODELS, SyncInboxItem
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.conflicts import _Conflicts
from desktop.core.sync_service.shared import APPLY_CHUNK, SyncProgress, Tally, _Stop
from desktop.core.sync_service.wire import (
    _as_utc,
    _assign_data,
    _same_data,
    row_data,
    synced_columns,
)
from sync.client import ProtocolMismatch, SyncClient
from sync.protocol import PulledRecord, PullResponse


def _inbox_error(exc: Exception) -> str:
    if isinstance(exc, IntegrityError):
        return "Chưa ghi được: bản ghi liên quan (thôn, hộ, người) chưa về tới máy này."
    return f"Chưa ghi được: dữ liệu không hợp lệ ({exc})."[:1000]


@functools.cache
def _known_columns(table: str) -> frozenset[str]:
    return frozenset(c.key for c in synced_columns(SYNCED_MODELS[table]))


def unknown_in_page(page: PullResponse) -> str | None:
    """Why this book cannot keep ``page`` (None if it can): a table or column it does not know.

    A newer server or app may sync more than this version knows. Skipping it would lose it
    for good (the cursor moves past it, and the next edit here pushes the row without it), so
    the whole page is refused and the officer is told to update; nothing is written.
    """
    for record in page.records:
        if record.table not in SYNCED_MODELS:
            return (
                f"Máy chủ gửi bảng lạ '{record.table}' (bản ghi {record.id}) mà phần mềm này "
                "chưa biết: hãy cập nhật phần mềm; không có dữ liệu nào được ghi."
            )
        unknown = sorted(set(record.data) - _known_columns(record.table))
        if unknown:
            return (
                f"Máy chủ gửi trường lạ '{unknown[0]}' của bảng '{record.table}' (bản ghi "
                f"{record.id}) mà phần mềm này chưa biết: hãy cập nhật phần mềm; không có "
                "dữ liệu nào được ghi."
            )
    return None


class _Pull(_Conflicts):
    """Pull pages into the inbox and apply the inbox, never overwriting local changes."""

    def _pull_all(
        self,
        client: SyncClient,
        tally: Tally,
        progress: Callable[[SyncProgress], None] | None,
    ) -> None:
        commune_code = self._book.commune().code
        with self._book.read() as session:
            cursor = repo.settings(session).pull_cursor
        while True:
            after = cursor
            page: PullResponse = self._call(
                functools.partial(client.pull, commune_code, after, self._pull_limit)
            )
            problem = unknown_in_page(page)
            if problem is not None:
                raise _Stop(ProtocolMismatch(problem), offline=False)
            self.keep_page(page, cursor_floor=after)
            cursor = page.next_after
            tally.received += len(page.records)
            if progress is not None:
                progress(
                    SyncProgress(
                        "pull",
                        tally.received,
                        tally.received + (self._pull_limit if page.more else 0),
                        client.counters.bytes_sent,
                        client.counters.bytes_received,
                    )
                )
            if not page.more:
                self._learn_merges(page.merged_from)
                return

    def _learn_merges(self, merged_from: list[str] | None) -> None:
        """Keep which former communes upstream has declared merged into this one (None:
        the server does not say)."""
        known = None if merged_from is None else " ".join(sorted(merged_from))
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            if settings.upstream_merged_from != known:
                settings.upstream_merged_from = known

    def keep_page(self, page: PullResponse, *, cursor_floor: int | None = None) -> None:
        """Keep a page of received rows and move the cursor past it, in one transaction."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for record in page.records:
                # Every caller checked the page with unknown_in_page first.
                repo.put_inbox(
                    session,
                    SyncInboxItem(
                        seq=record.seq,
                        table_name=record.table,
                        row_id=record.id,
                        payload=record.model_dump_json(),
                        received_at=utcnow(),
                    ),
                )
            settings = repo.settings(session)
            if cursor_floor is None:
                # An answer file may be older than the last online pull: never go back.
                settings.pull_cursor = max(settings.pull_cursor, page.next_after)
            else:
                settings.pull_cursor = page.next_after

    def apply_inbox(self, tally: Tally | None = None) -> None:
        """Write the received rows into the book, parents first; never over local changes."""
        tally = tally or Tally()
        with self._book.read() as session:
            waiting = repo.inbox_tables(session)
        for table, model in SYNCED_MODELS.items():
            if table not in waiting:
                continue
            after = -1
            while True:
                with self._book.read() as session:
                    chunk = [
                        (i.seq, i.payload)
                        for i in repo.inbox_items_after(session, table, after, APPLY_CHUNK)
                    ]
                if not chunk:
                    break
                after = chunk[-1][0]
                self._apply_chunk(table, model, chunk, tally)

    def _apply_chunk(
        self,
        table: str,
        model: type[SyncColumns],
        chunk: list[tuple[int, str]],
        tally: Tally,
    ) -> None:
        records = [(seq, PulledRecord.model_validate_json(payload)) for seq, payload in chunk]
        try:
            with self._book.transaction() as session:
                session.info[SYNC_APPLY] = True
                rows = repo.get_rows(session, model, {r.id for _s, r in records})
                for _seq, record in records:
                    self._apply_record(
                        session, table=table, model=model, rows=rows, record=record, tally=tally
                    )
                session.flush()
                repo.remove_inbox(session, [seq for seq, _r in records])
            return
        except (IntegrityError, ValueError):
            pass
        # Something in the chunk does not fit (a parent not received yet, a value this
        # version cannot hold): write the rows one by one and keep the others for later.
        for seq, record in records:
            try:
                with self._book.transaction() as session:
                    session.info[SYNC_APPLY] = True
                    rows = repo.get_rows(session, model, {record.id})
                    self._apply_record(
                        session, table=table, model=model, rows=rows, record=record, tally=tally
                    )
                    session.flush()
                    repo.remove_inbox(session, [seq])
            except (IntegrityError, ValueError) as exc:
                with self._book.transaction() as session:
                    item = session.get(SyncInboxItem, seq)
                    if item is not None:
                        item.error = _inbox_error(exc)

    def _apply_record(
        self,
        session: Session,
        *,
        table: str,
        model: type[SyncColumns],
        rows: dict[str, SyncColumns],
        record: PulledRecord,
        tally: Tally,
    ) -> None:
        row = rows.get(record.id)
        if row is None:
            row = model()
            row.id = record.id
            _assign_data(row, record.data)
            self._adopt(row, record)
            session.add(row)
            rows[record.id] = row
            return
        if record.version <= row.synced_version:
            return  # this book already has that version, or a newer one
        if row.sync_state == SyncState.SYNCED.value:
            _assign_data(row, record.data)
            self._adopt(row, record)
            return
        # Local changes not yet on the server: never overwritten.
        if row.deleted == record.deleted and _same_data(row_data(row), record.data):
            self._adopt(row, record)  # both sides made the same change
            return
        known = repo.open_conflict(session, table, row.id)
        if known is not None and known.server_version == record.version:
            return  # the push just reported this very version as a conflict
        tally.pull_conflicts += 1
        self._record_conflict(
            session,
            table,
            row,
            server_values=dict(record.data),
            server_deleted=record.deleted,
            server_version=record.version,
            server_updated_by=record.updated_by,
            upstream=record.upstream,
            reason=(
                "Xung đột: bản ghi đã được "
                + ("cấp trên sửa" if record.upstream else "sửa trên máy khác của xã")
                + " trong khi máy này cũng sửa. Hãy chọn giá trị đúng cho từng trường."
            ),
        )

    @staticmethod
    def _adopt(row: SyncColumns, record: PulledRecord) -> None:
        row.version = record.version
        row.synced_version = record.version
        row.deleted = record.deleted
        row.updated_at = _as_utc(record.updated_at)
        row.updated_by = record.updated_by[:64]
        row.sync_state = SyncState.SYNCED.value
        row.sync_error = None
