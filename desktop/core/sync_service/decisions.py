"""Upstream's decisions on the commune's periodic reports: fetched after push and pull.

A decision (approved, or returned with a comment) is kept in ``report_decisions`` under the
server's id; the book's highest id is the cursor of the next fetch. Decisions are fetched in
their own step: a failure there never undoes or fails the push and pull already done, it
becomes a warning line of the sync result.
"""

from __future__ import annotations

import functools

from desktop.core.storage.base import utcnow
from desktop.core.storage.models import UpstreamDecision
from desktop.core.storage.repositories import decisions as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.base import _ServiceBase
from desktop.core.sync_service.shared import Tally, _Stop
from sync.client import SyncClient
from sync.protocol import ReportDecision, ReportDecisionsResponse

DECISIONS_PAGE = 500


def _row(d: ReportDecision) -> UpstreamDecision:
    return UpstreamDecision(
        id=d.id,
        report_id=d.report_id,
        period_code=d.period_code,
        report_version=d.report_version,
        decision=d.decision,
        comment=d.comment,
        decided_by=d.decided_by,
        decided_at=d.decided_at,
        received_at=utcnow(),
    )


class _Decisions(_ServiceBase):
    """Fetch and keep upstream's report decisions."""

    def _fetch_decisions(self, client: SyncClient, tally: Tally) -> str | None:
        """Fetch every new decision; the warning to show when that failed (None if it did not)."""
        try:
            self._fetch_all_decisions(client, tally)
        except _Stop as stop:
            return (
                "Chưa nhận được quyết định duyệt báo cáo của cấp trên: "
                f"{stop.error.message_vi} Sẽ thử lại ở lần đồng bộ sau."
            )
        return None

    def _fetch_all_decisions(self, client: SyncClient, tally: Tally) -> None:
        commune_code = self._book.commune().code
        while True:
            with self._book.read() as session:
                after = repo.cursor(session)
            page: ReportDecisionsResponse = self._call(
                functools.partial(client.report_decisions, commune_code, after, DECISIONS_PAGE)
            )
            if page.decisions:
                self.keep_decisions(page)
                tally.decisions += len(page.decisions)
            if len(page.decisions) < DECISIONS_PAGE:
                return

    def keep_decisions(self, page: ReportDecisionsResponse) -> int:
        """Write a page of decisions into the book (one transaction); how many were new."""
        with self._book.transaction() as session:
            # Received, not typed: audited as sync_create, like the other rows sync writes.
            session.info[SYNC_APPLY] = True
            return repo.add_new(session, [_row(d) for d in page.decisions])
