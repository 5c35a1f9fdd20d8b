"""SyncService: one sync (push, then pull, then apply), its status and settings."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.labels import TABLE_LABELS
from desktop.core.domain.permissions import Action
from desktop.core.storage.base import SyncState, utcnow
from desktop.core.storage.repositories import merge_book as merge_repo
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.decisions import _Decisions
from desktop.core.sync_service.pull import _Pull
from desktop.core.sync_service.push import _Push
from desktop.core.sync_service.shared import (
    AUTO_SYNC_CHOICES,
    MERGES_UNKNOWN,
    SyncOutcome,
    SyncProgress,
    SyncStatus,
    TableStatus,
    Tally,
    UndeclaredMerge,
    _Stop,
)
from desktop.core.sync_service.wire import _as_utc
from sync.client import SyncClient


class SyncService(_Push, _Pull, _Decisions):
    """Enrols this book with the upstream server, pushes its changes and pulls upstream's
    changes and its decisions on the commune's reports."""

    def pending_count(self) -> int:
        """Rows waiting to be sent (in flight included)."""
        with self._book.read() as session:
            return repo.count_in_states(session, repo.PENDING_STATES)

    def status(self) -> SyncStatus:
        """Server, enrolment, waiting rows per table, refusals, conflicts, last success."""
        with self._book.read() as session:
            settings = repo.settings(session)
            counts = repo.counts_by_table(session)
            tables = tuple(
                TableStatus(
                    table=table,
                    label=TABLE_LABELS.get(table, table),
                    waiting=sum(by_state.get(s, 0) for s in repo.PENDING_STATES),
                    errors=by_state.get(SyncState.ERROR.value, 0),
                    total=sum(by_state.values()),
                )
                for table, by_state in counts.items()
            )
            conflicted = len(repo.conflicted_row_ids(session))
            return SyncStatus(
                server_url=settings.upstream_url,
                enrolled=bool(settings.device_token),
                pending=sum(t.waiting for t in tables),
                errors=max(0, sum(t.errors for t in tables) - conflicted),
                last_sync_at=_as_utc(settings.last_sync_at) if settings.last_sync_at else None,
                conflicts=repo.count_open_conflicts(session),
                in_flight=sum(
                    by_state.get(SyncState.UPLOADING.value, 0) for by_state in counts.values()
                ),
                received_waiting=repo.inbox_count(session),
                tables=tables,
                auto_sync_minutes=settings.auto_sync_minutes,
                has_ca_bundle=bool(settings.ca_bundle_pem),
                last_error=settings.last_sync_error,
            )

    def set_auto_sync(self, minutes: int) -> None:
        """Sync by itself every ``minutes`` while a connection exists (0: only by hand)."""
        self._book.user.require(Action.SYNC)
        if minutes not in AUTO_SYNC_CHOICES:
            raise ValidationError(
                FieldProblem(
                    "auto_sync_minutes",
                    "Chu kỳ tự đồng bộ phải là một trong: "
                    + ", ".join(str(m) for m in AUTO_SYNC_CHOICES)
                    + " phút (0 là tắt).",
                )
            )
        with self._book.transaction() as session:
            repo.settings(session).auto_sync_minutes = minutes

    def push(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncOutcome:
        """Send every waiting row (resuming any batch in flight); never raises for offline."""
        return self._run(pull=False, progress=progress)

    def sync(self, progress: Callable[[SyncProgress], None] | None = None) -> SyncOutcome:
        """Push everything waiting, then pull what changed upstream and upstream's decisions
        on the reports; never raises offline."""
        return self._run(pull=True, progress=progress)

    def _run(self, *, pull: bool, progress: Callable[[SyncProgress], None] | None) -> SyncOutcome:
        self._book.user.require(Action.SYNC)
        url, token, device_id = self.credentials()
        if not self._running.acquire(blocking=False):
            return self._outcome(
                Tally(),
                None,
                failed_message="Một lần đồng bộ khác đang chạy; hãy đợi nó xong.",
            )
        try:
            with self._client(url, token) as client:
                tally = Tally()
                try:
                    self._push_all(client, device_id, tally, progress)
                    if pull:
                        self._pull_all(client, tally, progress)
                    self.apply_inbox(tally)
                except _Stop as stop:
                    self._remember_failure(stop.error.message_vi)
                    if stop.offline:
                        return self._outcome(tally, client, offline=True)
                    return self._outcome(tally, client, failed_message=stop.error.message_vi)
                self._remember_success()
                warning = self._fetch_decisions(client, tally) if pull else None
                warnings: tuple[str, ...] = (warning,) if warning else ()
                if pull:
                    warnings += self._merge_warnings()
                return self._outcome(tally, client, warnings=warnings)
        finally:
            self._running.release()

    def undeclared_merges(self) -> list[UndeclaredMerge]:
        """The former communes brought into this book whose merge upstream has not declared,
        as the last pull said (none when the server did not say, or before any pull)."""
        with self._book.read() as session:
            return _undeclared(session) or []

    def _merge_warnings(self) -> tuple[str, ...]:
        """The sync result's lines about the former communes brought into this book."""
        with self._book.read() as session:
            found = _undeclared(session)
        if found is None:
            return (MERGES_UNKNOWN,)
        return tuple(m.message_vi for m in found)

    def _remember_success(self) -> None:
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            settings = repo.settings(session)
            settings.last_sync_at = utcnow()
            settings.last_sync_error = None

    def _remember_failure(self, message: str) -> None:
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            repo.settings(session).last_sync_error = message[:2000]

    def _outcome(
        self,
        tally: Tally,
        client: SyncClient | None,
        *,
        offline: bool = False,
        failed_message: str | None = None,
        warnings: tuple[str, ...] = (),
    ) -> SyncOutcome:
        remaining = self.pending_count()
        conflicts = tally.conflicts + tally.pull_conflicts
        if offline:
            message = (
                "Chưa kết nối được máy chủ. Dữ liệu vẫn được giữ để gửi lần sau "
                f"({remaining} bản ghi đang chờ)."
            )
        elif failed_message:
            message = f"Đồng bộ chưa xong: {failed_message} ({remaining} bản ghi đang chờ)."
        else:
            message = (
                f"Đã gửi {tally.sent} bản ghi: {tally.applied} được nhận, "
                f"{tally.duplicates} đã có sẵn, {tally.conflicts} xung đột, "
                f"{tally.rejected} bị từ chối. Đã nhận {tally.received} thay đổi từ máy chủ"
                + (f", {tally.pull_conflicts} xung đột" if tally.pull_conflicts else "")
                + "."
            )
            if tally.decisions:
                message += f" Đã nhận {tally.decisions} quyết định duyệt báo cáo của cấp trên."
            if conflicts or tally.rejected:
                message += " Xem danh sách xung đột và lỗi đồng bộ để xử lý."
            for warning in warnings:
                message += f"\nLưu ý: {warning}"
        counters = client.counters if client is not None else None
        return SyncOutcome(
            offline=offline,
            failed=failed_message is not None,
            sent=tally.sent,
            applied=tally.applied,
            duplicates=tally.duplicates,
            conflicts=conflicts,
            rejected=tally.rejected,
            remaining=remaining,
            message_vi=message,
            received=tally.received,
            pull_conflicts=tally.pull_conflicts,
            bytes_sent=counters.bytes_sent if counters else 0,
            bytes_received=counters.bytes_received if counters else 0,
            requests=counters.requests if counters else 0,
            decisions=tally.decisions,
            warnings=warnings,
        )


def _undeclared(session: Session) -> list[UndeclaredMerge] | None:
    """The former communes brought in that upstream has not declared merged here; None when
    some were brought in and the server did not say (an older server)."""
    brought = merge_repo.brought_in(session)
    if not brought:
        return []
    settings = repo.settings(session)
    if settings.upstream_merged_from is None:
        return None
    declared = set(settings.upstream_merged_from.split())
    return [
        UndeclaredMerge(code, name, settings.commune_code, settings.unit_kind)
        for code, name in sorted(brought.items())
        if code not in declared
    ]
