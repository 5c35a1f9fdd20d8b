"""Outbox and batches: queued rows → a batch kept in the book; the server's answer applied."""

from __future__ import annotations

import json
import uuid

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from desktop.core.domain.permissions import Action
from desktop.core.services.indicators import IndicatorService
from desktop.core.storage.base import SyncColumns, SyncState, utcnow
from desktop.core.storage.models import SYNCED_MODELS, SyncOutboxBatch
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.conflicts import _Conflicts
from desktop.core.sync_service.enrolment import _Enrolment
from desktop.core.sync_service.shared import ALONE_TABLES, MAX_BATCH_SIZE, Tally
from desktop.core.sync_service.wire import _queued_state, record_item
from sync.protocol import (
    PROTOCOL_VERSION,
    ItemResult,
    PushRequest,
    PushResponse,
    validation_error_vi,
)


def _followers() -> dict[str, tuple[tuple[str, type[SyncColumns], str], ...]]:
    """For each synced table, the leaf tables whose rows hang on its rows (by their first FK).

    A batch of persons carries the queued guardian links, events and episodes of those
    persons: each child's id is then repeated next to where it first appears, which the
    compressor turns into a few bytes. Derived from the models, so a new table joins in.
    """
    tables = {model.__table__.name: name for name, model in SYNCED_MODELS.items()}  # type: ignore[attr-defined]
    referenced: set[str] = set()
    first_fk: dict[str, tuple[str, str]] = {}
    for name, model in SYNCED_MODELS.items():
        for column in model.__table__.columns:  # type: ignore[attr-defined]
            for key in column.foreign_keys:
                target = tables.get(key.column.table.name)
                if target is None:
                    continue
                referenced.add(target)
                first_fk.setdefault(name, (target, column.key))
    followers: dict[str, list[tuple[str, type[SyncColumns], str]]] = {}
    for name, (target, column) in first_fk.items():
        if name not in referenced and name not in ALONE_TABLES:
            followers.setdefault(target, []).append((name, SYNCED_MODELS[name], column))
    return {name: tuple(found) for name, found in followers.items()}


_FOLLOWERS = _followers()


def _in_flight_versions(session: Session) -> dict[tuple[str, str], int]:
    """(table, row id) → version, for every row in a batch whose answer is not applied."""
    found: dict[tuple[str, str], int] = {}
    for batch in repo.open_batches(session):
        for item in json.loads(batch.body)["items"]:
            key = (item["table"], item["id"])
            found[key] = max(found.get(key, 0), int(item["version"]))
    return found


def _reason(result: ItemResult) -> str:
    if result.status == "conflict":
        return (
            f"Xung đột: máy chủ đang giữ phiên bản {result.server_version} khác với bản ở xã. "
            + (result.reason or "")
        ).strip()
    return result.reason or "Máy chủ từ chối bản ghi này."


class _Outbox(_Enrolment, _Conflicts):
    """Take batches from the queued rows, release or drop them, apply the server's answer."""

    def _take_batch(
        self,
        table: str,
        model: type[SyncColumns],
        *,
        commune_code: str,
        device_id: str,
        size: int,
        in_flight: dict[tuple[str, str], int],
    ) -> tuple[PushRequest, bytes] | tuple[()] | None:
        """Mark up to ``size`` queued rows UPLOADING and keep them as a batch, atomically.

        ``in_flight`` maps rows of unanswered batches to the version they carry; it is
        updated with this batch's rows.
        """
        if table in ALONE_TABLES:
            size = 1
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            followers = [f for f in _FOLLOWERS.get(table, ()) if repo.has_queued(session, f[1])]
            # With rows that hang on these (a child's parents, its events), fewer of these.
            rows = repo.queued_rows(session, model, max(1, size // 3) if followers else size)
            if not rows:
                return None
            taken: list[tuple[str, SyncColumns]] = [(table, row) for row in rows]
            ids = [row.id for row in rows]
            for follower_table, follower, column in followers:
                room = MAX_BATCH_SIZE - len(taken)
                if room <= 0:
                    break
                attached = repo.queued_rows_referencing(session, follower, column, ids, room)
                taken += [(follower_table, row) for row in attached]
            items = []
            for row_table, row in taken:
                base = max(row.synced_version, in_flight.get((row_table, row.id), 0))
                try:
                    item = record_item(row_table, row, base)
                except PydanticValidationError as exc:
                    # A row the protocol cannot carry is parked with the reason, so one bad
                    # row never blocks the others; editing it queues it again.
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = f"Không gửi được: {validation_error_vi(exc)}"
                    continue
                row.sync_state = SyncState.UPLOADING.value
                items.append(item)
            if not items:
                return ()
            request = PushRequest(
                protocol_version=PROTOCOL_VERSION,
                batch_id=str(uuid.uuid4()),
                commune_code=commune_code,
                device_id=device_id,
                items=items,
            )
            body = request.model_dump_json(exclude_none=True)
            repo.add_batch(
                session,
                SyncOutboxBatch(
                    batch_id=request.batch_id, body=body, item_count=len(items), created_at=utcnow()
                ),
            )
            in_flight.update(((item.table, item.id), item.version) for item in items)
            return request, body.encode("utf-8")

    def take_all_batches(self) -> list[PushRequest]:
        """Put every queued row into kept batches (for a transfer file); the open batches."""
        commune_code = self._book.commune().code
        _url, _token, device_id = self.credentials(need_url=False)
        self._complete_documents()
        self._release_orphans()
        with self._book.read() as session:
            in_flight = _in_flight_versions(session)
        for table, model in SYNCED_MODELS.items():
            while (
                self._take_batch(
                    table,
                    model,
                    commune_code=commune_code,
                    device_id=device_id,
                    size=MAX_BATCH_SIZE,
                    in_flight=in_flight,
                )
                is not None
            ):
                pass
        with self._book.read() as session:
            return [PushRequest.model_validate_json(b.body) for b in repo.open_batches(session)]

    def _complete_documents(self) -> None:
        """Make the PDF of a finalised report whose finalising was cut before its document was
        kept (the program closed in between), so the report never goes up without it."""
        if self._book.user.may(Action.REPORT):
            IndicatorService(self._book).ensure_documents()

    def _release_orphans(self) -> None:
        """Rows left UPLOADING with no kept batch (an older version's crash) are queued again."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            kept = _in_flight_versions(session)
            for table, model in SYNCED_MODELS.items():
                for row in repo.rows_in_state(session, model, SyncState.UPLOADING.value):
                    if (table, row.id) not in kept:
                        row.sync_state = _queued_state(row)

    def _drop_batch(self, request: PushRequest) -> None:
        """Forget a batch that will never be accepted; its rows go back to the queue."""
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            for item in request.items:
                row = repo.get_row(session, SYNCED_MODELS[item.table], item.id)
                if row is not None and row.sync_state == SyncState.UPLOADING.value:
                    row.sync_state = _queued_state(row)
            repo.remove_batch(session, request.batch_id)

    def drop_refused_batch(self, batch_id: str) -> None:
        """A kept batch refused as a whole (e.g. in a transfer answer): queue its rows again."""
        with self._book.read() as session:
            batch = repo.get_batch(session, batch_id)
            body = batch.body if batch is not None else None
        if body is not None:
            self._drop_batch(PushRequest.model_validate_json(body))

    def apply_answer(self, request: PushRequest, answer: PushResponse, tally: Tally) -> None:
        """Apply the server's per-item answers to the rows still as sent; forget the batch."""
        results = answer.results(request.items)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            if repo.get_batch(session, request.batch_id) is None:
                return  # already applied (an answer file imported twice)
            for item, result in zip(request.items, results, strict=True):
                tally.sent += 1
                tally.add(result)
                row = repo.get_row(session, SYNCED_MODELS[item.table], item.id)
                if row is None:
                    continue
                still_as_sent = (
                    row.sync_state == SyncState.UPLOADING.value and row.version == item.version
                )
                if result.status in ("applied", "duplicate"):
                    # The server now holds item.version, even if the row changed meanwhile.
                    row.synced_version = max(row.synced_version, item.version)
                    if still_as_sent:
                        row.sync_state = SyncState.SYNCED.value
                        row.sync_error = None
                    elif row.sync_state == SyncState.TO_POST.value:
                        row.sync_state = SyncState.TO_UPDATE.value
                elif still_as_sent and result.status == "conflict":
                    self._record_conflict(
                        session,
                        item.table,
                        row,
                        server_values=dict(result.server_data or {}),
                        server_deleted=bool(result.server_deleted),
                        server_version=result.server_version or 0,
                        server_updated_by=result.server_updated_by or "",
                        upstream=bool(result.server_upstream),
                        reason=_reason(result),
                    )
                elif still_as_sent:
                    row.sync_state = SyncState.ERROR.value
                    row.sync_error = _reason(result)
                # Otherwise the row changed since: its newer version is queued, or travels
                # in a later batch whose own answer decides.
            repo.remove_batch(session, request.batch_id)
