"""Transfer files for communes with no connection: export pending changes, import the answer.

The export puts every waiting row into kept batches (exactly as an online sync would) and
seals them, with the pull cursor, into one encrypted and signed file (``sync.transfer``). The
server imports it with the same idempotency rules as an online push and writes an answer
file; importing that answer applies the results to the kept batches and writes the upstream
changes into the book, with the same conflict rules as an online pull. Importing a file twice
changes nothing the second time, and an online sync later resends any batch the answer did
not cover, with the same batch id.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.permissions import Action
from desktop.core.files import write_atomically
from desktop.core.services.book import Book
from desktop.core.storage.base import utcnow
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.pull import unknown_in_page
from desktop.core.sync_service.service import SyncService
from desktop.core.sync_service.shared import Tally
from sync import transfer
from sync.protocol import PushRequest


class TransferFileError(Exception):
    """A transfer file that cannot be used; ``message_vi`` says why and what to do."""

    def __init__(self, message_vi: str) -> None:
        super().__init__(message_vi)
        self.message_vi = message_vi


@dataclass(frozen=True)
class ExportOutcome:
    """What went into a transfer file."""

    path: Path
    batches: int
    items: int
    pull_after: int


@dataclass(frozen=True)
class ImportOutcome:
    """What an answer file brought back."""

    batches: int
    sent: int
    applied: int
    duplicates: int
    conflicts: int
    rejected: int
    refused_batches: int
    received: int
    remaining: int
    message_vi: str


class TransferService:
    """Export and import transfer files for one book."""

    def __init__(self, book: Book, sync_service: SyncService | None = None) -> None:
        self._book = book
        self._sync = sync_service or SyncService(book)

    def export(self, path: Path) -> ExportOutcome:
        """Write every pending change (and batches not yet answered) to ``path``."""
        self._book.user.require(Action.SYNC)
        check_writable(path)
        _url, token, device_id = self._sync.credentials(need_url=False)
        commune = self._book.commune()
        pushes = self._sync.take_all_batches()
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            cursor = repo.settings(session).pull_cursor
            now = utcnow()
            for batch in repo.open_batches(session):
                batch.exported_at = now
        payload = transfer.TransferRequest(
            pushes=[json.loads(p.model_dump_json(exclude_none=True)) for p in pushes],
            pull_after=cursor,
        )
        sealed = transfer.seal(
            "request",
            commune_code=commune.code,
            device_id=device_id,
            batch_ids=[p.batch_id for p in pushes],
            payload=payload,
            secret=transfer.secret_from_token(token),
            created_at=utcnow(),
        )
        try:
            write_atomically(path, sealed)
        except OSError as exc:
            raise TransferFileError(
                f"Không ghi được tệp {path}: {exc.strerror or exc}. Hãy kiểm tra USB hoặc thư "
                "mục (còn chỗ trống, không bị khóa ghi). Dữ liệu vẫn được giữ trên máy."
            ) from exc
        return ExportOutcome(
            path=path,
            batches=len(pushes),
            items=sum(len(p.items) for p in pushes),
            pull_after=cursor,
        )

    def import_answer(self, path: Path) -> ImportOutcome:
        """Apply an answer file from upstream: results of the batches, upstream changes."""
        self._book.user.require(Action.SYNC)
        _url, token, device_id = self._sync.credentials(need_url=False)
        commune = self._book.commune()
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TransferFileError(f"Không đọc được tệp {path}: {exc.strerror or exc}.") from exc
        try:
            header = transfer.read_header(data)
            if header.commune_code != commune.code:
                raise TransferFileError(
                    f"Tệp này dành cho xã có mã {header.commune_code}, không phải xã "
                    f"{commune.code} của sổ này. Không có dữ liệu nào được ghi."
                )
            if header.device_id != device_id:
                raise TransferFileError(
                    "Tệp này dành cho một máy khác của xã (hoặc máy này đã đăng ký lại sau khi "
                    "xuất tệp). Hãy nhập tệp trên đúng máy đã xuất. Không có dữ liệu nào được ghi."
                )
            _header, content = transfer.open_file(
                data, transfer.secret_from_token(token), kind="answer"
            )
            answer = transfer.parse_answer(content)
        except transfer.TransferError as exc:
            raise TransferFileError(exc.message_vi) from exc
        problem = unknown_in_page(answer.pull)
        if problem is not None:
            raise TransferFileError(problem)
        tally = Tally()
        with self._book.read() as session:
            kept = {b.batch_id: b.body for b in repo.open_batches(session)}
        applied_batches = 0
        for response in answer.answers:
            body = kept.get(response.batch_id)
            if body is None:
                continue  # applied already (the file was imported before) or never ours
            request = PushRequest.model_validate_json(body)
            try:
                self._sync.apply_answer(request, response, tally)
            except ValueError as exc:
                raise TransferFileError(
                    "Tệp trả lời không khớp với dữ liệu đã gửi (lô "
                    f"{response.batch_id}). Không có dữ liệu nào của lô này được ghi."
                ) from exc
            applied_batches += 1
        for refused in answer.refused:
            if refused.batch_id in kept:
                self._sync.drop_refused_batch(refused.batch_id)
        self._sync.keep_page(answer.pull)
        self._sync.apply_inbox(tally)
        decisions = self._sync.keep_decisions(answer.decisions) if answer.decisions else 0
        remaining = self._sync.pending_count()
        message = (
            f"Đã nhập tệp trả lời: {applied_batches} lô, {tally.applied} bản ghi được nhận, "
            f"{tally.duplicates} đã có sẵn, {tally.conflicts + tally.pull_conflicts} xung đột, "
            f"{tally.rejected} bị từ chối; {len(answer.pull.records)} thay đổi từ cấp trên."
        )
        if answer.refused:
            message += (
                f" {len(answer.refused)} lô bị máy chủ từ chối cả lô (sẽ gửi lại lần sau): "
                + "; ".join(r.detail for r in answer.refused[:3])
            )
        if decisions:
            message += f" Đã nhận {decisions} quyết định duyệt báo cáo của cấp trên."
        if answer.pull.more:
            message += " Cấp trên còn thay đổi chưa gửi hết: hãy xuất tệp và nhận trả lời lần nữa."
        return ImportOutcome(
            batches=applied_batches,
            sent=tally.sent,
            applied=tally.applied,
            duplicates=tally.duplicates,
            conflicts=tally.conflicts + tally.pull_conflicts,
            rejected=tally.rejected,
            refused_batches=len(answer.refused),
            received=len(answer.pull.records),
            remaining=remaining,
            message_vi=message,
        )


def check_writable(path: Path) -> None:
    """Refuse an export target that cannot be a file (a folder, a missing folder)."""
    if path.is_dir():
        raise ValidationError(
            FieldProblem("export_file", f"{path} là một thư mục; hãy chọn tên tệp để ghi.")
        )
    if not path.parent.exists():
        raise ValidationError(FieldProblem("export_file", f"Thư mục {path.parent} không tồn tại."))
