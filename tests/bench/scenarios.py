"""The measurements: each takes a cached commune of one size and returns Metrics."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from tests.bench.harness import (
    PASSWORD,
    ROOT,
    SEED,
    TODAY,
    USER,
    Metric,
    data_home,
    median_ms,
    run_python,
    scratch_copy,
)
from tests.bench.throttle import ThrottledProxy

SEARCH_KEYSTROKES = ["n", "ng", "ngu", "nguy", "nguye", "nguyen", "nguyen v", "nguyen van",
                     "nguyen van a", "nguyen van an"]  # fmt: skip
LINK_KBIT = 256


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def real_server(workdir: Path, db_url: str | None = None) -> Iterator[tuple[int, str]]:
    """The real upstream server (`sotreem-server serve`) on 127.0.0.1; yields (port, db url)."""
    db_url = db_url or f"sqlite:///{workdir / 'server.db'}"
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync.server.cli", "serve", "--host", "127.0.0.1",
         "--port", str(port), "--db", db_url],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        import requests

        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"http://127.0.0.1:{port}/api/v1/info", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("the sync server did not start")
            time.sleep(0.2)
        yield port, db_url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def enrollment_code(db_url: str, commune: str = "12345") -> str:
    result = subprocess.run(
        [sys.executable, "-m", "sync.server.cli", "enrollment-code", "--commune", commune,
         "--db", db_url],
        cwd=ROOT, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return result.stdout.strip().splitlines()[-1].strip()


def book_operations(home: Path, size: int, repeat: int, tmp_root: Path) -> list[Metric]:
    """List, search, save, compute, PDF and XLSX on an open book."""
    from desktop.core.services.book import open_book
    from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
    from desktop.core.services.reports import ReportService

    metrics: list[Metric] = []
    with scratch_copy(home, tmp_root) as scratch, data_home(scratch):
        book = open_book(USER, PASSWORD)
        try:
            households = HouseholdService(book)
            reports = ReportService(book)
            metrics += children_list(book, size, repeat)
            hamlet = households.hamlets()[0].id
            counter = iter(range(10**6))

            def save() -> None:
                households.save_household(
                    HouseholdForm(
                        hamlet_id=hamlet,
                        number=f"B{next(counter)}",
                        head_name="Nguyễn Văn Đo",
                        children=[ChildForm("Nguyễn Văn Một", date(2019, 5, 1), 1),
                                  ChildForm("Nguyễn Thị Hai", date(2021, 7, 9), 2)],
                    ),
                    today=TODAY, accept_warnings=True,  # saved again and again: duplicates
                )  # fmt: skip

            metrics.append(Metric("save_household", "Lưu một hộ có 2 trẻ", size,
                                  median_ms(save, repeat), "ms"))  # fmt: skip
            population_ms = median_ms(lambda: reports.population(TODAY), repeat)
            metrics.append(
                Metric(
                    "compute_population",
                    "Tính báo cáo dân số trẻ em",
                    size,
                    population_ms,
                    "ms",
                    note="Chỉ tiêu duy nhất đã có; bộ 24 chỉ tiêu thuộc issue sau.",
                )
            )
            pdf = tmp_root / "bench.pdf"
            xlsx = tmp_root / "bench.xlsx"
            pdf_ms = median_ms(lambda: reports.write_population(TODAY, pdf, "pdf"), repeat)
            xlsx_ms = median_ms(lambda: reports.write_population(TODAY, xlsx, "xlsx"), repeat)
            metrics.append(Metric("report_pdf", "Tính và ghi báo cáo PDF", size, pdf_ms, "ms"))
            metrics.append(Metric("report_xlsx", "Tính và ghi báo cáo Excel", size, xlsx_ms, "ms"))
        finally:
            book.close()
    return metrics


PAGE = 60  # rows a list fetches for the screen after each search (what is visible, and more)


def _typed(run: Any, repeat: int) -> list[float]:
    """Median time of each keystroke, typing the search words in order as a person does."""
    import statistics

    times: list[list[float]] = [[] for _ in SEARCH_KEYSTROKES]
    for _ in range(repeat + 1):
        run("")  # an empty box first: the first letter then searches the whole book
        for k, query in enumerate(SEARCH_KEYSTROKES):
            start = time.perf_counter()
            run(query)
            times[k].append((time.perf_counter() - start) * 1000)
    return [statistics.median(t[1:]) for t in times]  # the first round warms up


def children_list(book: Any, size: int, repeat: int) -> list[Metric]:
    """The children and households lists as the screens use them: ids, then a page of rows."""
    from desktop.core.services import book_index
    from desktop.core.services.children import ChildQuery, ChildService
    from desktop.core.services.households import HouseholdQuery, HouseholdService

    children = ChildService(book)
    households = HouseholdService(book)

    def open_children(cold: bool) -> None:
        if cold:  # as after login: the index is built from the encrypted file
            book_index._INDEXES.pop(book, None)
        ids = children.search(ChildQuery(), TODAY)
        children.rows(ids[:PAGE], TODAY)

    def search_children(query: str) -> None:
        ids = children.search(ChildQuery(text=query), TODAY)
        children.rows(ids[:PAGE], TODAY)

    def search_households(query: str) -> None:
        ids = households.search(HouseholdQuery(text=query), TODAY)
        households.household_rows(ids[:PAGE], TODAY)

    metrics = [
        Metric("open_children", "Mở danh sách trẻ em (lần đầu sau đăng nhập)", size,
               median_ms(lambda: open_children(True), repeat), "ms", "≤ 300 ms",
               f"Dựng chỉ mục từ tệp mã hóa, tìm, lấy {PAGE} dòng đầu."),
        Metric("open_children_warm", "Mở lại danh sách trẻ em", size,
               median_ms(lambda: open_children(False), repeat), "ms", "≤ 300 ms"),
        Metric("open_list", "Mở danh sách hộ", size,
               median_ms(lambda: search_households(""), repeat), "ms", "≤ 300 ms",
               f"Tìm và lấy {PAGE} dòng đầu; các dòng khác lấy khi cuộn tới."),
    ]  # fmt: skip
    for key, label, run in (
        ("search_children", "Tìm trẻ em mỗi lần gõ phím (trung vị)", search_children),
        ("search", "Tìm kiếm mỗi lần gõ phím — danh sách hộ (trung vị)", search_households),
    ):
        per_key = sorted(_typed(run, repeat))
        slowest = (
            f"Gõ dần “{SEARCH_KEYSTROKES[-1]}”, mỗi phím tìm rồi lấy {PAGE} dòng; "
            f"chậm nhất {per_key[-1]:.0f} ms (chữ đầu, quét cả sổ)."
        )
        metrics.append(
            Metric(key, label, size, per_key[len(per_key) // 2], "ms", "≤ 50 ms", slowest)
        )
    hamlet = households.hamlets()[0].id
    counter = iter(range(10**6))

    def save_then_search() -> None:
        from desktop.core.services.households import ChildForm, HouseholdForm

        households.save_household(
            HouseholdForm(hamlet_id=hamlet, number=f"S{next(counter)}", head_name="Đỗ Văn Lưu",
                          children=[ChildForm("Đỗ Thị Lụa", date(2020, 3, 3), 2)]),
            today=TODAY, accept_warnings=True,  # the same child again: a likely duplicate
        )  # fmt: skip
        search_children("do thi lua")

    metrics.append(Metric("save_then_search", "Lưu một hộ rồi tìm lại ngay", size,
                          median_ms(save_then_search, repeat), "ms",
                          note="Chỉ mục chỉ nạp lại những dòng vừa đổi."))  # fmt: skip
    return metrics


def peak_memory(home: Path, size: int) -> list[Metric]:
    """Peak resident memory of a process that opens the book, lists it and computes a report."""
    code = f"""
import resource
from datetime import date
from desktop.core.services.book import open_book
from desktop.core.services.households import HouseholdService
from desktop.core.services.reports import ReportService
book = open_book({USER!r}, {PASSWORD!r})
HouseholdService(book).list_households("")
ReportService(book).population(date({TODAY.year}, {TODAY.month}, {TODAY.day}))
book.close()
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
    with tempfile.TemporaryDirectory() as tmp, scratch_copy(home, Path(tmp)) as scratch:
        kib = int(run_python(code, scratch).strip().splitlines()[-1])
    return [Metric("peak_memory", "Bộ nhớ đỉnh khi mở sổ, danh sách, báo cáo (lõi, không GUI)",
                   size, kib / 1024, "MiB")]  # fmt: skip


def cold_start(home: Path, size: int) -> list[Metric]:
    """Fresh process → login window shown, and → main window shown after login."""
    metrics = []
    for stage, label in (("login", "Khởi động nguội đến cửa sổ đăng nhập"),
                         ("main", "Khởi động nguội đến cửa sổ chính (gồm đăng nhập)")):  # fmt: skip
        code = f"""
import sys
from tests.bench.startup import measure
sys.exit(measure({stage!r}, {USER!r}, {PASSWORD!r}))
"""
        with tempfile.TemporaryDirectory() as tmp, scratch_copy(home, Path(tmp)) as scratch:
            started = time.time()
            output = run_python(code, scratch)
            shown = float(output.strip().splitlines()[-1])
        metrics.append(Metric(f"cold_start_{stage}", label, size, (shown - started) * 1000, "ms"))
    return metrics


def sync_link(home: Path, size: int, children: int, tmp_root: Path) -> list[Metric]:
    """Full and incremental sync (push, then pull) through a throttled loopback link."""
    from sqlalchemy import select

    from desktop.core.services.book import open_book
    from desktop.core.storage.models import Person
    from desktop.core.sync_service import SyncService

    metrics: list[Metric] = []
    with (
        scratch_copy(home, tmp_root) as scratch,
        data_home(scratch),
        real_server(scratch) as (
            port,
            db_url,
        ),
        ThrottledProxy(port, kbit_per_second=LINK_KBIT) as proxy,
    ):
        book = open_book(USER, PASSWORD)
        try:
            service = SyncService(book)
            service.enroll(proxy.url, enrollment_code(db_url))
            proxy.stats.reset()
            start = time.perf_counter()
            outcome = service.sync()
            seconds = time.perf_counter() - start
            if outcome.remaining or outcome.offline or outcome.failed:
                raise RuntimeError(f"full sync did not finish: {outcome.message_vi}")
            total = proxy.stats.total_bytes
            metrics += [
                Metric("sync_full_bytes",
                       f"Đồng bộ lần đầu: byte trên mỗi trẻ ({LINK_KBIT} kbit/s)",
                       size, total / children, "B/trẻ", "≤ 150 B/trẻ",
                       f"{total / 1e6:.2f} MB cho {outcome.sent} bản ghi (gửi "
                       f"{proxy.stats.upstream_bytes / 1e6:.2f} MB, nhận "
                       f"{proxy.stats.downstream_bytes / 1e6:.2f} MB), "
                       f"{proxy.stats.requests} yêu cầu, gồm cả lượt nhận về."),
                Metric("sync_full_time", f"Đồng bộ lần đầu: thời gian ({LINK_KBIT} kbit/s)", size,
                       seconds, "s", "≤ 480 s (50.000 trẻ)"),
            ]  # fmt: skip
            with book.transaction() as session:
                people = session.scalars(select(Person).limit(100)).all()
                for person in people:
                    person.notes = f"Sửa đo hiệu năng {uuid.uuid4().hex[:6]}"
            proxy.stats.reset()
            start = time.perf_counter()
            outcome = service.sync()
            seconds = time.perf_counter() - start
            metrics += [
                Metric("sync_incremental_bytes", "Đồng bộ 100 trẻ đã sửa: dung lượng", size,
                       proxy.stats.total_bytes / 1024, "KB", "≤ 20 KB",
                       f"{outcome.sent} bản ghi gửi, {outcome.received} nhận, {seconds:.1f} s"),
                Metric("sync_incremental_trips", "Đồng bộ 100 trẻ đã sửa: số lượt yêu cầu", size,
                       proxy.stats.requests, "lượt", "≤ 3", "Một lượt gửi, một lượt nhận về."),
            ]  # fmt: skip
        finally:
            book.close()
    return metrics


def _bench_pg_url() -> str | None:
    """A scratch PostgreSQL for the ingest figure (emptied first), if one is configured."""
    return os.environ.get("SOTREEM_BENCH_PG_URL") or os.environ.get("SOTREEM_TEST_PG_URL")


def _empty_pg(url: str) -> None:
    from sqlalchemy import text

    from sync.server.db import make_engine
    from sync.server.models import Base

    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            Base.metadata.drop_all(conn)
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    finally:
        engine.dispose()


def server_ingest(home: Path, size: int, tmp_root: Path) -> list[Metric]:
    """Records per second the real server stores, pushed batch by batch (SQLite, PostgreSQL)."""
    from sqlalchemy import select

    from desktop.core.services.book import open_book
    from desktop.core.storage.models import SYNCED_MODELS
    from desktop.core.sync_service import record_item
    from sync.client import SyncClient
    from sync.protocol import PushRequest

    with scratch_copy(home, tmp_root) as scratch, data_home(scratch):
        book = open_book(USER, PASSWORD)
        try:
            items = []
            with book.read() as session:
                for table, model in SYNCED_MODELS.items():
                    items += [record_item(table, row) for row in session.scalars(select(model))]
        finally:
            book.close()
        backends: list[tuple[str, str | None]] = [("SQLite", None)]
        pg_url = _bench_pg_url()
        if pg_url:
            backends.append(("PostgreSQL", pg_url))
        metrics = []
        for label, url in backends:
            if url is not None:
                _empty_pg(url)
            with real_server(scratch, url) as (port, db_url):
                server = f"http://127.0.0.1:{port}"
                with SyncClient(server) as anonymous:
                    enrolled = anonymous.enroll(enrollment_code(db_url), "12345", "bench")
                batches = [
                    PushRequest(batch_id=str(uuid.uuid4()), commune_code="12345",
                                device_id=enrolled.device_id, items=items[i : i + 500])
                    for i in range(0, len(items), 500)
                ]  # fmt: skip
                with SyncClient(server, enrolled.token) as client:
                    # gzip: this measures the server; xz would add the client's compression.
                    client.body_encoding = "gzip"
                    start = time.perf_counter()
                    for batch in batches:
                        client.push(batch)
                    seconds = time.perf_counter() - start
            if url is not None:
                _empty_pg(url)
            key = "server_ingest" if url is None else "server_ingest_pg"
            metrics.append(
                Metric(key, f"Máy chủ nhận bản ghi ({label}, lô 500)", size,
                       len(items) / seconds, "bản ghi/s", "≥ 3.000/s (PostgreSQL)",
                       f"{len(items)} bản ghi trong {seconds:.1f} s, qua HTTP (gzip), "
                       "một máy khách.")
            )  # fmt: skip
        if not pg_url:
            metrics.append(
                Metric("server_ingest_pg", "Máy chủ nhận bản ghi (PostgreSQL, lô 500)", size,
                       None, "bản ghi/s", "≥ 3.000/s",
                       "Đặt SOTREEM_BENCH_PG_URL (hoặc SOTREEM_TEST_PG_URL) để đo.")
            )  # fmt: skip
    return metrics


IMPORT_ROWS = 10_000


def import_excel(size: int, tmp_root: Path) -> list[Metric]:
    """A 10,000-row template file (a synthetic commune) imported into a fresh book.

    At small sizes (the smoke run) the file has ``size`` rows, so the harness stays quick.
    """
    from desktop.core.importer.synthetic import write_commune
    from desktop.core.services.book import BookSetup, create_book
    from desktop.core.services.imports import ImportService
    from desktop.core.synthetic.generator import generate_commune

    rows = min(IMPORT_ROWS, size)
    source = tmp_root / f"nhap-{rows}.xlsx"
    write_commune(generate_commune(rows, seed=SEED, today=TODAY), source)
    home = tmp_root / f"import-home-{time.monotonic_ns()}"
    home.mkdir()
    with data_home(home):
        book, _ = create_book(
            BookSetup(
                commune_code="12345",
                commune_name="Hoàng Kim",
                province_name="Thanh Hóa",
                admin_username=USER,
                admin_full_name="Người đo hiệu năng",
                admin_password=PASSWORD,
            )
        )
        try:
            service = ImportService(book)
            start = time.perf_counter()
            preview = service.preview(source, today=TODAY)
            read = time.perf_counter() - start
            result = service.run(preview, lambda done, total: None)
            seconds = time.perf_counter() - start
        finally:
            book.close()
    if result.summary.created != rows:
        raise RuntimeError(f"import created {result.summary.created} of {rows} rows")
    count = f"{rows:,}".replace(",", ".")
    return [Metric("import_10k", f"Nhập {count} dòng Excel (đọc, xem trước, sao lưu, ghi)",
                   size, seconds, "s", "≤ 30 s (10.000 dòng)",
                   f"Đọc và xem trước {read:.1f} s; sổ mới, mẫu nhập .xlsx.")]  # fmt: skip


def import_hostile(size: int, tmp_root: Path) -> list[Metric]:
    """The hostile files of issue 20 through the import preview, each in its own process.

    Full size at the real sizes (a 400 MB cell, 3 million blank rows, 99,000 junk rows);
    scaled down in the smoke run so that building the files stays quick.
    """
    import json

    from tests.bench import hostile_files

    full = size >= 5000
    files = [
        ("import_cell_bomb", "Tệp .xlsx có một ô nở ra 400 MB", "≤ 5 s, ≤ 300 MB",
         lambda p: hostile_files.cell_bomb(p, 400 if full else 70)),
        ("import_blank_bomb", "Tệp .xlsx có 3 triệu dòng trống (3 dòng thật)", "≤ 5 s, ≤ 300 MB",
         lambda p: hostile_files.blank_rows_bomb(p, 3_000_000 if full else 20_000)),
        ("import_junk", "Danh sách 99.000 dòng rác (mọi dòng bị từ chối)", "≤ 60 s, ≤ 400 MB",
         lambda p: hostile_files.junk_list(p, 99_000 if full else min(size, 2_000))),
    ]  # fmt: skip
    metrics: list[Metric] = []
    for key, label, target, build in files:
        source = build(tmp_root / f"{key}.xlsx")
        done = subprocess.run(
            [sys.executable, "-m", "tests.bench.hostile_import", str(source),
             str(tmp_root / f"{key}-home")],
            capture_output=True, text=True, encoding="utf-8", check=True,
        )  # fmt: skip
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
        source.unlink()
        what = "bị từ chối" if "refused" in outcome else f"đọc {outcome.get('rows')} dòng"
        note = (
            f"{what}; CPU {outcome['cpu_seconds']:.1f} s; bộ nhớ đỉnh {outcome['peak_mb']:.0f} MB"
        )
        if "rejected_file_cpu_seconds" in outcome:
            note += (
                f"; ghi tệp các dòng bị từ chối ({outcome['rejected_file_rows']} dòng): CPU "
                f"{outcome['rejected_file_cpu_seconds']:.1f} s, bộ nhớ đỉnh "
                f"{outcome['peak_mb_with_file']:.0f} MB"
            )
        metrics.append(Metric(key, label, size, outcome["seconds"], "s", target, note))
    return metrics


def not_built(size: int) -> list[Metric]:
    """Figures the issues ask for whose feature does not exist yet: listed, not invented."""
    return [
        Metric("dashboard_render", "Trang tổng hợp của máy chủ", size, None, "ms", "—",
               "Đo riêng trên PostgreSQL: python -m tests.bench.dashboard (mục Cấp trên)."),
    ]  # fmt: skip


def environment() -> dict[str, str]:
    """The machine the figures were measured on."""
    import platform

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
        check=False,
    ).stdout.strip()  # fmt: skip
    return {
        "machine": f"{cpu}, {os.cpu_count()} lõi, {memory}".strip(", "),
        "os": platform.platform(),
        "python": platform.python_version(),
        "commit": commit or "?",
    }
