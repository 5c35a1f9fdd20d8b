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

from tests.bench.harness import (
    PASSWORD,
    ROOT,
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
def real_server(workdir: Path) -> Iterator[tuple[int, str]]:
    """The real upstream server (`sotreem-server serve`) on 127.0.0.1; yields (port, db url)."""
    db_url = f"sqlite:///{workdir / 'server.db'}"
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
            value = median_ms(lambda: households.list_households("", on=TODAY), repeat)
            metrics.append(Metric("open_list", "Mở danh sách hộ (dịch vụ)", size, value, "ms",
                                  "≤ 300 ms (danh sách trẻ em, issue 3)",
                                  "Đo danh sách hộ kèm số trẻ; danh sách trẻ riêng thuộc issue 3."))  # fmt: skip
            per_key = [
                median_ms(lambda q=q: households.list_households(q, on=TODAY), repeat)  # type: ignore[misc]
                for q in SEARCH_KEYSTROKES
            ]
            per_key.sort()
            metrics.append(Metric("search", "Tìm kiếm mỗi lần gõ phím (trung vị)", size,
                                  per_key[len(per_key) // 2], "ms", "≤ 50 ms",
                                  f"Gõ dần “{SEARCH_KEYSTROKES[-1]}”; chậm nhất {per_key[-1]:.0f} ms."))  # fmt: skip
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
                    today=TODAY,
                )  # fmt: skip

            metrics.append(Metric("save_household", "Lưu một hộ có 2 trẻ", size,
                                  median_ms(save, repeat), "ms"))  # fmt: skip
            metrics.append(Metric("compute_population", "Tính báo cáo dân số trẻ em", size,
                                  median_ms(lambda: reports.population(TODAY), repeat), "ms",
                                  note="Chỉ tiêu duy nhất đã có; bộ 24 chỉ tiêu thuộc issue sau."))  # fmt: skip
            pdf = tmp_root / "bench.pdf"
            xlsx = tmp_root / "bench.xlsx"
            metrics.append(Metric("report_pdf", "Tính và ghi báo cáo PDF", size,
                                  median_ms(lambda: reports.write_population(TODAY, pdf, "pdf"), repeat), "ms"))  # fmt: skip
            metrics.append(Metric("report_xlsx", "Tính và ghi báo cáo Excel", size,
                                  median_ms(lambda: reports.write_population(TODAY, xlsx, "xlsx"), repeat), "ms"))  # fmt: skip
        finally:
            book.close()
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
    """Full and incremental sync through a throttled loopback link to the real server."""
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
            outcome = service.push()
            seconds = time.perf_counter() - start
            if outcome.remaining or outcome.offline or outcome.failed:
                raise RuntimeError(f"full sync did not finish: {outcome.message_vi}")
            total = proxy.stats.total_bytes
            metrics += [
                Metric("sync_full_bytes", f"Đồng bộ lần đầu: byte trên mỗi trẻ ({LINK_KBIT} kbit/s)",
                       size, total / children, "B/trẻ", "≤ 150 B/trẻ",
                       f"{total / 1e6:.2f} MB cho {outcome.sent} bản ghi, {proxy.stats.requests} yêu cầu."),
                Metric("sync_full_time", f"Đồng bộ lần đầu: thời gian ({LINK_KBIT} kbit/s)", size,
                       seconds, "s", "≤ 480 s (50.000 trẻ)"),
            ]  # fmt: skip
            with book.transaction() as session:
                people = session.scalars(select(Person).limit(100)).all()
                for person in people:
                    person.notes = f"Sửa đo hiệu năng {uuid.uuid4().hex[:6]}"
            proxy.stats.reset()
            start = time.perf_counter()
            outcome = service.push()
            seconds = time.perf_counter() - start
            metrics += [
                Metric("sync_incremental_bytes", "Đồng bộ 100 trẻ đã sửa: dung lượng", size,
                       proxy.stats.total_bytes / 1024, "KB", "≤ 20 KB",
                       f"{outcome.sent} bản ghi, {seconds:.1f} s"),
                Metric("sync_incremental_trips", "Đồng bộ 100 trẻ đã sửa: số lượt yêu cầu", size,
                       proxy.stats.requests, "lượt", "≤ 3"),
            ]  # fmt: skip
        finally:
            book.close()
    return metrics


def server_ingest(home: Path, size: int, tmp_root: Path) -> list[Metric]:
    """Records per second the real server (SQLite default) stores, pushed batch by batch."""
    from sqlalchemy import select

    from desktop.core.services.book import open_book
    from desktop.core.storage.models import SYNCED_MODELS
    from desktop.core.sync_service import record_item
    from sync.client import SyncClient
    from sync.protocol import PushRequest

    with (
        scratch_copy(home, tmp_root) as scratch,
        data_home(scratch),
        real_server(scratch) as (
            port,
            db_url,
        ),
    ):
        book = open_book(USER, PASSWORD)
        try:
            items = []
            with book.read() as session:
                for table, model in SYNCED_MODELS.items():
                    items += [record_item(table, row) for row in session.scalars(select(model))]
        finally:
            book.close()
        url = f"http://127.0.0.1:{port}"
        with SyncClient(url) as anonymous:
            enrolled = anonymous.enroll(enrollment_code(db_url), "12345", "bench")
        batches = [
            PushRequest(batch_id=str(uuid.uuid4()), commune_code="12345",
                        device_id=enrolled.device_id, items=items[i : i + 500])
            for i in range(0, len(items), 500)
        ]  # fmt: skip
        with SyncClient(url, enrolled.token) as client:
            start = time.perf_counter()
            for batch in batches:
                client.push(batch)
            seconds = time.perf_counter() - start
    return [Metric("server_ingest", "Máy chủ nhận bản ghi (SQLite, lô 500)", size,
                   len(items) / seconds, "bản ghi/s", "≥ 3.000/s (PostgreSQL)",
                   "PostgreSQL chưa được cài trong đợt này (issue 5); đo trên SQLite mặc định.")]  # fmt: skip


def not_built(size: int) -> list[Metric]:
    """Figures the issues ask for whose feature does not exist yet: listed, not invented."""
    return [
        Metric("import_10k", "Nhập 10.000 dòng Excel", size, None, "s", "≤ 30 s",
               "Chưa có chức năng nhập Excel (issue 3)."),
        Metric("dashboard_render", "Trang tổng hợp của máy chủ", size, None, "ms", "—",
               "Chưa có trang tổng hợp (dashboard) của máy chủ."),
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
