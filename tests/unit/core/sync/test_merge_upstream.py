"""A merged book and the server's declared merge (issue 17, upstream), on the real server.

Two former communes' books synced under their own codes; the new commune's book brings one
of them in; the province's administrator declares the merge; the new book syncs. Whichever
comes first (the declaration or the new book's sync), the server ends holding each record
once, under the new code, and the new book sends only what the merge changed.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from desktop.core.services.households import HouseholdService
from desktop.core.services.merge_book import COPIED_TABLES, MergeBookService
from desktop.core.storage.base import SyncState
from desktop.core.storage.models import SYNCED_MODELS, CommuneSettings, Hamlet
from desktop.core.sync_service import SyncService
from sync import clock
from sync.protocol import MERGED_TABLES, SYNC_TABLES, EnrollRequest, PushHeader
from sync.server.models import UpstreamReport
from sync.server.services import enrollment, merges, push, users
from tests.unit.core.services.former_books import (
    FormerBackup,
    add_shared_children,
    make_former_backup,
)
from tests.unit.core.sync.conftest import LiveServer
from tests.unit.core.sync.helpers import add_household, new_book

pytestmark = pytest.mark.today("2026-08-15")
OLD, OTHER, NEW = "11111", "22222", "12345"


def _synced_upstream(server: LiveServer, fast: Callable[..., Any]) -> Callable[[Book], None]:
    def run(book: Book) -> None:
        service = SyncService(book, **fast())
        with book.read() as session:
            code = session.scalars(select(CommuneSettings.commune_code)).one()
        service.enroll(server.url, server.code(code))
        outcome = service.sync()
        assert not outcome.failed and outcome.remaining == 0, outcome.message_vi

    return run


def _finalised_report(server: LiveServer, commune: str) -> str:
    """A finalised report of ``commune``, sent by another of its devices (ids fresh)."""
    code = enrollment.issue_code(server.sessions, commune)
    device = enrollment.enroll(
        server.sessions,
        EnrollRequest(code=code, commune_code=commune, device_name="Máy thứ hai"),
    )
    report_id = str(uuid.uuid4())
    stamp = "2026-07-01T08:00:00+07:00"
    items = [
        {
            "table": "periodic_reports",
            "id": report_id,
            "version": 1,
            "base_version": 0,
            "deleted": False,
            "updated_at": stamp,
            "updated_by": "can-bo-xa",
            "data": {
                "period_code": "2026-H1",
                "report_version": 1,
                "state": "finalised",
                "finalised_at": stamp,
            },
        }
    ]
    identity = enrollment.DeviceIdentity(device.device_id, commune, "Máy thứ hai")
    header = PushHeader(batch_id=str(uuid.uuid4()), commune_code=commune, device_id=identity.id)
    push.push(server.sessions, identity, header, items)
    return report_id


def _book_counts(book: Book) -> dict[str, int]:
    with book.read() as session:
        return {
            table: len(session.scalars(select(SYNCED_MODELS[table].id)).all())
            for table in MERGED_TABLES
        }


def _pending(book: Book) -> dict[str, int]:
    with book.read() as session:
        found: dict[str, int] = {}
        for table in MERGED_TABLES:
            model = SYNCED_MODELS[table]
            rows = session.scalars(
                select(model.id).where(model.sync_state != SyncState.SYNCED.value)
            ).all()
            if rows:
                found[table] = len(rows)
        return found


def _live_hamlets(book: Book) -> list[str]:
    with book.read() as session:
        return sorted(session.scalars(select(Hamlet.name).where(Hamlet.deleted.is_(False))))


def _server_counts(server: LiveServer, commune: str) -> dict[str, int]:
    counts = dict.fromkeys(MERGED_TABLES, 0)
    for table, _id in server.records(commune):
        if table in counts:
            counts[table] += 1
    return counts


@pytest.mark.parametrize("order", ["declare_first", "sync_first"])
def test_the_server_holds_each_record_once_under_the_new_code(
    order: str,
    *,
    book: Book,
    live_server: LiveServer,
    fast_retry: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upstream = _synced_upstream(live_server, fast_retry)
    former: FormerBackup = make_former_backup(
        monkeypatch, tmp_path / "xa-cu", code=OLD, name="Minh Hưng", seed=7, children=60,
        before_backup=upstream,
    )  # fmt: skip
    make_former_backup(
        monkeypatch, tmp_path / "xa-khac", code=OTHER, name="Minh Lộc", seed=9, children=50,
        before_backup=upstream,
    )  # fmt: skip
    other_before = _server_counts(live_server, OTHER)
    report_id = _finalised_report(live_server, OLD)
    populate_demo(book, 50, seed=8)
    add_shared_children(book, former.shared)
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code(NEW))
    assert service.sync().remaining == 0

    merger = MergeBookService(book)
    with merger.open(former.path, secret=former.recovery_code) as opened:
        preview = merger.preview(opened)
        pairs = [(d.existing_id, d.incoming_id) for d in preview.duplicates]
        result = merger.apply(opened, None, pairs)
    copied = sum(result.created.values())
    hamlets = _live_hamlets(book)
    pending = _pending(book)
    # The former book's rows were synced: what goes again is only what the merge changed —
    # the households moved to this book's hamlets, their history lines, the children merged
    # with this book's own (both records) and the rows that moved to the kept record.
    assert pending["households"] == result.created["households"]
    assert pending["change_events"] == result.history_lines
    assert pending["persons"] == 2 * len(pairs) == 8
    # The former hamlets joined their namesakes here: their tombstones retire them upstream.
    assert pending["hamlets"] == 3 and "hamlets" not in result.created
    assert "risk_episodes" not in pending and "case_steps" not in pending
    sent = sum(pending.values())
    assert sent < copied / 2, (pending, result.created)

    admin = users.create_user(
        live_server.sessions, "quantri.tinh", "Quản trị tỉnh", "mat-khau-tinh-1", "*",
        role="administrator",
    )  # fmt: skip
    yesterday = clock.today() - timedelta(days=1)

    def declare() -> None:
        merges.declare(
            live_server.sessions, admin, into_code=NEW, former_codes=[OLD], merged_on=yesterday
        )

    if order == "declare_first":
        declare()
        outcome = service.sync()
    else:
        outcome = service.sync()
        declare()
        again = service.sync()
        assert again.sent == 0 and again.conflicts == 0 and not again.failed
    assert not outcome.failed and outcome.conflicts == 0 and outcome.rejected == 0
    assert outcome.sent == sent  # only what the merge changed went up
    assert _pending(book) == {}
    # Each record once, under the new code, as the book holds it.
    assert _server_counts(live_server, NEW) == _book_counts(book)
    assert _server_counts(live_server, OLD) == dict.fromkeys(MERGED_TABLES, 0)
    held = live_server.records(NEW)
    with book.read() as session:
        for table in MERGED_TABLES:
            model = SYNCED_MODELS[table]
            for row_id, version in session.execute(select(model.id, model.version)):
                assert held[(table, row_id)]["version"] == version, (table, row_id)
    # The former hamlets did not come back from the server as hamlets of this book.
    assert _live_hamlets(book) == hamlets == ["Thôn 1", "Thôn 2", "Thôn 3"]
    # The other former commune, not merged, is untouched; the report keeps its code.
    assert _server_counts(live_server, OTHER) == other_before
    assert {t for t, _id in live_server.records(OLD)} == {"periodic_reports"}
    with live_server.sessions() as session:
        report = session.get(UpstreamReport, report_id)
        assert report is not None and report.commune_code == OLD


def test_the_server_rehomes_exactly_the_synced_tables_a_book_brings_in() -> None:
    synced_copied = [table for table in COPIED_TABLES if table in SYNC_TABLES]
    assert sorted(synced_copied) == sorted(MERGED_TABLES)


def test_a_former_communes_book_is_told_to_use_the_new_communes_book(
    live_server: LiveServer, fast_retry: Callable[..., Any], tmp_path: Path
) -> None:
    old_book = new_book(tmp_path / "may-xa-cu", commune=OLD)
    try:
        hamlet = HouseholdService(old_book).add_hamlet("Thôn Đông").id
        add_household(old_book, hamlet, "1")
        service = SyncService(old_book, **fast_retry())
        service.enroll(live_server.url, live_server.code(OLD))
        assert service.sync().remaining == 0
        admin = users.create_user(
            live_server.sessions, "quantri.tinh", "Quản trị tỉnh", "mat-khau-tinh-1", "*",
            role="administrator",
        )  # fmt: skip
        day = clock.today() - timedelta(days=1)
        merges.declare(
            live_server.sessions, admin, into_code=NEW, former_codes=[OLD], merged_on=day
        )
        add_household(old_book, hamlet, "2")
        outcome = service.sync()
        assert outcome.failed
        assert (
            f"Xã {OLD} đã được gộp vào xã {NEW} ngày {clock.format_date(day)}; "
            f"hãy cài sổ của xã {NEW}" in outcome.message_vi
        )
        # Nothing was created under the dead code; the new household waits in the book.
        assert {t for t, _id in live_server.records(OLD)} == set()
        assert _pending(old_book)
    finally:
        old_book.close()


def _merge_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "Cấp trên chưa ghi nhận" in line]


def test_the_book_learns_at_sync_whether_upstream_declared_each_merge(
    *,
    book: Book,
    live_server: LiveServer,
    fast_retry: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    upstream = _synced_upstream(live_server, fast_retry)
    formers = [
        make_former_backup(
            monkeypatch, tmp_path / where, code=code, name=name, seed=seed, children=50,
            before_backup=upstream,
        )
        for where, code, name, seed in (("xa-cu", OLD, "Minh Hưng", 7),
                                        ("xa-khac", OTHER, "Minh Lộc", 9))
    ]  # fmt: skip
    service = SyncService(book, **fast_retry())
    service.enroll(live_server.url, live_server.code(NEW))
    # A book that brought nothing in has nothing to say about merges.
    assert _merge_lines(service.sync().message_vi) == []
    assert service.undeclared_merges() == []

    merger = MergeBookService(book)
    for former in formers:
        with merger.open(former.path, secret=former.recovery_code) as opened:
            merger.apply(opened, None, [])
    # As the last sync said: upstream had declared no merge into this commune.
    assert [m.former_code for m in service.undeclared_merges()] == [OLD, OTHER]
    outcome = service.sync()
    assert not outcome.failed and outcome.remaining == 0
    assert _merge_lines(outcome.message_vi) == [
        "Lưu ý: Cấp trên chưa ghi nhận việc gộp xã Minh Hưng cũ (mã 11111) vào xã này: trên "
        "máy chủ, hồ sơ của xã Minh Hưng cũ chưa chuyển sang mã 12345. Nhờ cấp trên chạy "
        "“Gộp xã” trên máy chủ (gộp mã 11111 vào mã 12345).",
        "Lưu ý: Cấp trên chưa ghi nhận việc gộp xã Minh Lộc cũ (mã 22222) vào xã này: trên "
        "máy chủ, hồ sơ của xã Minh Lộc cũ chưa chuyển sang mã 12345. Nhờ cấp trên chạy "
        "“Gộp xã” trên máy chủ (gộp mã 22222 vào mã 12345).",
    ]
    assert [m.former_code for m in service.undeclared_merges()] == [OLD, OTHER]

    admin = users.create_user(
        live_server.sessions, "quantri.tinh", "Quản trị tỉnh", "mat-khau-tinh-1", "*",
        role="administrator",
    )  # fmt: skip
    day = clock.today() - timedelta(days=1)
    merges.declare(live_server.sessions, admin, into_code=NEW, former_codes=[OLD], merged_on=day)
    outcome = service.sync()
    assert not outcome.failed and outcome.conflicts == 0
    assert [line.split("(mã ")[1][:5] for line in _merge_lines(outcome.message_vi)] == [OTHER]
    assert [m.former_code for m in service.undeclared_merges()] == [OTHER]

    merges.declare(live_server.sessions, admin, into_code=NEW, former_codes=[OTHER], merged_on=day)
    outcome = service.sync()
    assert not outcome.failed and outcome.remaining == 0
    assert _merge_lines(outcome.message_vi) == []
    assert "Máy chủ chưa cho biết" not in outcome.message_vi
    assert service.undeclared_merges() == []


# Headers the proxy does not copy from the server's answer (it sends the body decoded).
_HOP_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding", "connection"})


class _OlderServer:
    """The real server seen through a proxy on 127.0.0.1 that answers as a server from before
    ``merged_from``: the field is taken out of every pull page, all else passes untouched."""

    def __init__(self, upstream: str) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                return

            def _forward(self) -> None:
                size = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(size) if size else None
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = requests.request(
                    self.command, upstream + self.path, data=body, headers=headers, timeout=30
                )
                content = answer.content
                if "/changes?" in self.path and answer.status_code == 200:
                    page = json.loads(content)
                    owner.stripped += int(page.pop("merged_from", None) is not None)
                    content = json.dumps(page).encode()
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in _HOP_HEADERS:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_PUT = _forward

        self.stripped = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> _OlderServer:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def test_a_server_that_does_not_say_leaves_the_sync_whole_with_a_warning(
    *,
    book: Book,
    live_server: LiveServer,
    fast_retry: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    former = make_former_backup(
        monkeypatch, tmp_path / "xa-cu", code=OLD, name="Minh Hưng", seed=7, children=50,
        before_backup=_synced_upstream(live_server, fast_retry),
    )  # fmt: skip
    merger = MergeBookService(book)
    with merger.open(former.path, secret=former.recovery_code) as opened:
        result = merger.apply(opened, None, [])
    with _OlderServer(live_server.url) as older:
        service = SyncService(book, **fast_retry())
        service.enroll(older.url, live_server.code(NEW))
        outcome = service.sync()
        assert older.stripped >= 1  # the pages did carry the field, and it was taken out
    assert not outcome.failed and outcome.remaining == 0 and outcome.rejected == 0
    assert outcome.sent > 0 and outcome.sent < result.total  # the sync itself went through
    assert _merge_lines(outcome.message_vi) == []
    assert outcome.message_vi.splitlines()[-1] == (
        "Lưu ý: Máy chủ chưa cho biết cấp trên đã ghi nhận việc gộp các xã cũ vào sổ này hay "
        "chưa (máy chủ dùng phiên bản cũ); dữ liệu vẫn đồng bộ bình thường."
    )
    assert service.undeclared_merges() == []  # not known: nothing on the home screen
