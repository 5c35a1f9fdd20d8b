"""Push: send every waiting batch, resuming one in flight, and apply each answer."""

from __future__ import annotations

from collections.abc import Callable

from desktop.core.storage.base import SyncState
from desktop.core.storage.models import SYNCED_MODELS
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.sync_service.outbox import _Outbox
from desktop.core.sync_service.shared import MAX_BATCH_SIZE, SyncProgress, Tally, _Stop
from sync.client import SyncClient
from sync.protocol import PushRequest, PushResponse


class _Push(_Outbox):
    """Send the outbox to the server, batch by batch."""

    def _push_all(
        self,
        client: SyncClient,
        device_id: str,
        tally: Tally,
        progress: Callable[[SyncProgress], None] | None,
    ) -> None:
        commune_code = self._book.commune().code
        self._complete_documents()
        with self._book.read() as session:
            counts = repo.counts_by_table(session)
        if any(by_state.get(SyncState.UPLOADING.value) for by_state in counts.values()):
            self._release_orphans()
            with self._book.read() as session:
                counts = repo.counts_by_table(session)
        total = sum(n for c in counts.values() for s, n in c.items() if s in repo.PENDING_STATES)
        size = self._batch_size

        def report() -> None:
            if progress is not None:
                progress(
                    SyncProgress(
                        "push",
                        tally.sent,
                        max(total, tally.sent),
                        client.counters.bytes_sent,
                        client.counters.bytes_received,
                    )
                )

        report()
        with self._book.read() as session:
            waiting = [b.body for b in repo.open_batches(session)]
        for kept in waiting:
            self._send(
                client,
                PushRequest.model_validate_json(kept),
                kept.encode("utf-8"),
                tally,
                resumed=True,
            )
            report()
        # Rows edited while this sync runs go up in it too, but never endlessly: a person
        # typing during every upload must not keep the sync from finishing.
        budget = total + MAX_BATCH_SIZE
        for table, model in SYNCED_MODELS.items():
            if not any(counts[table].get(state) for state in repo.QUEUED_STATES):
                continue
            while tally.sent < budget:
                taken = self._take_batch(
                    table,
                    model,
                    commune_code=commune_code,
                    device_id=device_id,
                    size=size,
                    in_flight={},
                )
                if taken is None:
                    break
                if not taken:
                    continue  # every row taken was parked as ERROR
                request, body = taken
                self._send(client, request, body, tally, resumed=False)
                report()
                # A batch that went through on the first try: the link can take bigger ones.
                size = min(MAX_BATCH_SIZE, size * 2)

    def _send(
        self,
        client: SyncClient,
        request: PushRequest,
        body: bytes,
        tally: Tally,
        *,
        resumed: bool,
    ) -> None:
        """Deliver one kept batch and apply its answer; a retry first asks for the answer."""
        attempts = {"n": 0}

        def deliver() -> PushResponse:
            attempts["n"] += 1
            if resumed or attempts["n"] > 1:
                # The server may have stored this batch before the link dropped: asking
                # costs a few hundred bytes, resending the batch costs all of it.
                known = client.batch_answer(request)
                if known is not None:
                    return known
            return client.push_raw(request, body)

        try:
            answer = self._call(deliver)
        except _Stop as stop:
            if not stop.offline:
                # Refused as a whole (revoked device, protocol, malformed): it will never
                # be accepted as it is, so its rows go back to the queue untouched.
                self._drop_batch(request)
            raise
        self.apply_answer(request, answer, tally)
