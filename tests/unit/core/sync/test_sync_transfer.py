"""Transfer files: a commune with no connection exports, upstream imports, the answer comes back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktop.core.services.book import Book
from desktop.core.storage.base import SyncState
from desktop.core.sync_service import SyncService
from desktop.core.sync_service.transfer import TransferFileError, TransferService
from sync import transfer
from sync.server.services import corrections
from sync.server.services import transfer as server_transfer
from sync.server.services.errors import ServiceError
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import (
    add_household,
    assert_same_as_server,
    book_rows,
    new_book,
    states,
)


def _enrolled(book: Book, server: LiveServer, fast: Any) -> SyncService:
    service = SyncService(book, **fast())
    service.enroll(server.url, server.code())
    return service


def _round_trip(
    book: Book, server: LiveServer, service: SyncService, folder: Path, name: str = "xa"
) -> tuple[Path, Path]:
    request = folder / f"{name}.sotreem"
    TransferService(book, service).export(request)
    sealed, _answer = server_transfer.import_request(server.sessions, request.read_bytes())
    answer = folder / f"{name}.tra-loi"
    answer.write_bytes(sealed)
    return request, answer


def test_export_import_and_answer_bring_the_book_in_step(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any, tmp_path: Path
) -> None:
    add_household(book, hamlet_id, "1", children=2)
    service = _enrolled(book, live_server, fast_retry)
    request = tmp_path / "xa.sotreem"
    exported = TransferService(book, service).export(request)
    assert (exported.items, exported.batches) == (4, 3)
    assert states(book) == {SyncState.UPLOADING.value: 4}
    # Encrypted: nothing of the children's names is readable in the file.
    assert "Trần Thị Bé".encode() not in request.read_bytes()
    header = transfer.read_header(request.read_bytes())
    assert (header.kind, header.commune_code) == ("request", "12345")
    assert len(header.batch_ids) == 3
    sealed, answer = server_transfer.import_request(live_server.sessions, request.read_bytes())
    assert sum(a.statuses.count("a") for a in answer.answers) == 4
    answer_file = tmp_path / "xa.tra-loi"
    answer_file.write_bytes(sealed)
    outcome = TransferService(book, service).import_answer(answer_file)
    assert (outcome.applied, outcome.remaining, outcome.conflicts) == (4, 0, 0)
    assert_same_as_server(book, live_server.records())
    # The same answer again changes nothing; the same request again stores nothing twice.
    again = TransferService(book, service).import_answer(answer_file)
    assert (again.batches, again.applied) == (0, 0)
    _sealed, replay = server_transfer.import_request(live_server.sessions, request.read_bytes())
    assert sum(a.statuses.count("a") for a in replay.answers) == 4  # the stored answers
    assert len(live_server.records()) == 4


def test_the_answer_brings_upstream_changes(
    book: Book,
    hamlet_id: str,
    live_server: LiveServer,
    fast_retry: Any,
    tmp_path: Path,
) -> None:
    add_household(book, hamlet_id, "1")
    service = _enrolled(book, live_server, fast_retry)
    service.sync()
    other = new_book(tmp_path / "may-2")
    try:
        other_service = _enrolled(other, live_server, fast_retry)
        other_service.sync()
        add_household(other, hamlet_id, "2", children=2)
        other_service.sync()
    finally:
        other.close()
    child = next(key for key in book_rows(book) if key[0] == "persons")
    corrections.correct(
        live_server.sessions,
        live_server.upstream_user(),
        commune_code="12345",
        table="persons",
        record_id=child[1],
        changes={"notes": "Tỉnh bổ sung ghi chú"},
    )
    _request, answer = _round_trip(book, live_server, service, tmp_path)
    outcome = TransferService(book, service).import_answer(answer)
    assert outcome.received == 4  # the other computer's household and children, the correction
    assert book_rows(book)[child]["data"]["notes"] == "Tỉnh bổ sung ghi chú"
    assert_same_as_server(book, live_server.records())


def test_tampered_foreign_and_wrong_files_are_refused(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any, tmp_path: Path
) -> None:
    add_household(book, hamlet_id, "1")
    service = _enrolled(book, live_server, fast_retry)
    request, answer = _round_trip(book, live_server, service, tmp_path)
    transfers = TransferService(book, service)
    before = book_rows(book)

    tampered = bytearray(answer.read_bytes())
    tampered[-40] ^= 0x01
    bad = tmp_path / "sua.tra-loi"
    bad.write_bytes(bytes(tampered))
    with pytest.raises(TransferFileError, match="Chữ ký của tệp không đúng"):
        transfers.import_answer(bad)

    with pytest.raises(TransferFileError, match="không phải tệp trả lời"):
        transfers.import_answer(request)  # our own request file, not an answer

    truncated = tmp_path / "cut.tra-loi"
    truncated.write_bytes(answer.read_bytes()[:200])
    with pytest.raises(TransferFileError):
        transfers.import_answer(truncated)

    not_ours = tmp_path / "anh.jpg"
    not_ours.write_bytes(b"\xff\xd8\xff\xe0 not a transfer file")
    with pytest.raises(TransferFileError, match="không phải tệp chuyển dữ liệu"):
        transfers.import_answer(not_ours)

    # Another commune's computer cannot use this answer file.
    stranger = new_book(tmp_path / "xa-khac", commune="54321")
    try:
        stranger_service = SyncService(stranger, **fast_retry())
        stranger_service.enroll(live_server.url, live_server.code("54321"))
        with pytest.raises(TransferFileError, match="dành cho xã có mã 12345"):
            TransferService(stranger, stranger_service).import_answer(answer)
    finally:
        stranger.close()
    assert book_rows(book) == before  # nothing was written by any refusal

    # Upstream refuses a tampered request file, and a file of a revoked computer.
    tampered_request = bytearray(request.read_bytes())
    tampered_request[len(tampered_request) // 2] ^= 0xFF
    with pytest.raises(ServiceError) as refused:
        server_transfer.import_request(live_server.sessions, bytes(tampered_request))
    assert refused.value.code in {"transfer_signature", "transfer_damaged"}


def test_a_request_for_another_commune_cannot_write_there(
    book: Book, hamlet_id: str, live_server: LiveServer, fast_retry: Any, tmp_path: Path
) -> None:
    add_household(book, hamlet_id, "1")
    service = _enrolled(book, live_server, fast_retry)
    request = tmp_path / "xa.sotreem"
    TransferService(book, service).export(request)
    data = request.read_bytes()
    # Rewriting the header to name another commune breaks the signature and the device.
    forged = data.replace(b'"commune_code":"12345"', b'"commune_code":"54321"', 1)
    with pytest.raises(ServiceError) as refused:
        server_transfer.import_request(live_server.sessions, forged)
    assert refused.value.code == "transfer_unknown_device"
    assert live_server.records("54321") == {}
    assert live_server.records("12345") == {}


def test_export_refuses_a_folder_and_an_unenrolled_book(
    book: Book, hamlet_id: str, tmp_path: Path
) -> None:
    from desktop.core.domain.errors import ValidationError

    add_household(book, hamlet_id, "1")
    with pytest.raises(ValidationError, match="thư mục"):
        TransferService(book).export(tmp_path)
    with pytest.raises(ValidationError, match="chưa đăng ký"):
        TransferService(book).export(tmp_path / "xa.sotreem")
    assert states(book) == {SyncState.TO_POST.value: 3}
