"""``sotreem --self-test``: prove, end to end, that this installation of Sổ Trẻ Em works.

Runs everything the officer's work depends on, for real, in a throw-away data folder and
without showing a window (Qt's offscreen platform): a demo book (SQLCipher, migrations,
argon2), the main window, the population report as PDF and Excel (reportlab, openpyxl, the
bundled fonts), the periodic report's charts drawn by QtSvg, and a full sync to the real
upstream server started on 127.0.0.1 (FastAPI, uvicorn, the server's own migrations). It
prints one line per step, in Vietnamese, and exits 0 only if every step worked. CI runs it
inside the built bundle, so a hidden import or data file that PyInstaller left out fails the
build instead of an officer's PC.

The real data folder is never touched: ``SOTREEM_HOME`` is pointed at a temporary folder
before anything reads it, and the run stops if ``desktop.paths`` disagrees.
"""

from __future__ import annotations

import os
import secrets
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from desktop.core.domain.dates import format_vn_date
from sync import clock

DEMO_CHILDREN = 200
COMMUNE_CODE = "99999"
SERVER_START_TIMEOUT_S = 30.0
SERVER_STOP_TIMEOUT_S = 10.0
EVENT_LOOP_MS = 300
OPS_TIMEOUT_S = 30.0

OK = "✓"
FAILED = "✗"
SKIPPED = "–"
NO_GUI_FLAG = "--no-gui"
GUI_STEPS = frozenset({"qt", "window", "charts"})

_ENV_OVERRIDES = ("SOTREEM_HOME", "QT_QPA_PLATFORM", "SOTREEM_PASSWORD", "NO_PROXY", "no_proxy")

Check = Callable[[], str | None]
"""One step: returns an optional detail to print, raises to fail."""


class StepFailed(Exception):
    """A check that did not hold; the message says what was seen, in Vietnamese."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


@dataclass
class _Step:
    key: str
    title: str
    check: Check
    needs: tuple[str, ...] = ()


@dataclass
class _State:
    """What the steps make and the later steps (and the clean-up) use."""

    home: Path
    work: Path
    book: Any = None
    children: int = 0
    app: Any = None
    window: Any = None
    server: Any = None
    server_app: Any = None
    server_thread: threading.Thread | None = None
    url: str = ""
    code: str = ""
    started: float = field(default_factory=time.perf_counter)


@contextmanager
def _isolated_environment(root: Path) -> Iterator[Path]:
    """Point the data folder and Qt at safe places for the duration of the run."""
    home = root / "du-lieu"
    home.mkdir()
    saved = {name: os.environ.get(name) for name in _ENV_OVERRIDES}
    os.environ["SOTREEM_HOME"] = str(home)
    # Before Qt is imported: no window ever appears, and no display is needed.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    os.environ.pop("SOTREEM_PASSWORD", None)
    # Loopback traffic to the test server must never go through a configured proxy.
    for name in ("NO_PROXY", "no_proxy"):
        hosts = [h for h in (saved.get(name) or "").split(",") if h]
        os.environ[name] = ",".join([*hosts, "127.0.0.1", "localhost"])
    try:
        yield home
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class SelfTest:
    """The steps, in order; a step whose prerequisite failed is reported as skipped."""

    def __init__(self, state: _State, out: TextIO, gui: bool = True) -> None:
        self.s = state
        self.out = out
        self.gui = gui
        self.failures: list[str] = []
        self._done: set[str] = set()

    # -- the runner ------------------------------------------------------------------

    def run(self) -> bool:
        steps = [
            _Step("home", "Thư mục dữ liệu tạm, tách khỏi dữ liệu thật", self.check_home),
            _Step(
                "book",
                f"Tạo sổ dùng thử mã hóa ({DEMO_CHILDREN} trẻ em)",
                self.make_book,
                ("home",),
            ),
            _Step("qt", "Khởi động giao diện (Qt, không hiện cửa sổ)", self.start_qt),
            _Step("window", "Mở cửa sổ chính", self.open_window, ("book", "qt")),
            _Step("report", "Tính báo cáo dân số trẻ em", self.compute_report, ("book",)),
            _Step("pdf", "Xuất báo cáo PDF", self.write_pdf, ("book",)),
            _Step("xlsx", "Xuất báo cáo Excel", self.write_xlsx, ("book",)),
            _Step("charts", "Vẽ biểu đồ của báo cáo định kỳ", self.draw_charts, ("book", "qt")),
            _Step("server", "Khởi động máy chủ cấp trên thử trên 127.0.0.1", self.start_server),
            _Step("code", "Cấp mã đăng ký thiết bị", self.issue_code, ("server",)),
            _Step("enroll", "Đăng ký sổ với máy chủ", self.enroll, ("book", "code")),
            _Step("push", "Đồng bộ toàn bộ sổ lên máy chủ", self.push, ("enroll",)),
        ]
        for step in steps:
            if not self.gui and step.key in GUI_STEPS:
                self._print(f"{SKIPPED} {step.title}: bỏ qua theo yêu cầu ({NO_GUI_FLAG})")
                continue
            self._run_step(step)
        self._run_step(_Step("close", "Đóng cửa sổ, sổ và máy chủ", self.close))
        return not self.failures

    def _print(self, line: str) -> None:
        self.out.write(line + "\n")
        self.out.flush()

    def _run_step(self, step: _Step) -> None:
        missing = [key for key in step.needs if key not in self._done]
        if missing:
            self._print(f"{SKIPPED} {step.title}: bỏ qua vì bước trước không đạt")
            return
        started = time.perf_counter()
        try:
            detail = step.check()
        except Exception as exc:
            reason = str(exc) if isinstance(exc, StepFailed) else f"{type(exc).__name__}: {exc}"
            self.failures.append(f"{step.title}: {reason}")
            self._print(f"{FAILED} {step.title}: {reason}")
            if not isinstance(exc, StepFailed):
                traceback.print_exc(file=sys.stderr)
            return
        self._done.add(step.key)
        took = time.perf_counter() - started
        suffix = f" — {detail}" if detail else ""
        self._print(f"{OK} {step.title}{suffix} ({took:.2f} s)")

    # -- the steps -------------------------------------------------------------------

    def check_home(self) -> str:
        from desktop import paths

        data = paths.data_dir().resolve()
        _require(
            data == self.s.home.resolve(),
            f"thư mục dữ liệu là {data}, không phải thư mục tạm {self.s.home}: dừng lại",
        )
        _require(not any(data.iterdir()), f"thư mục tạm {data} không trống")
        return str(data)

    def make_book(self) -> str:
        from desktop.core.services.book import BookSetup, create_book
        from desktop.core.services.demo import populate_demo

        setup = BookSetup(
            commune_code=COMMUNE_CODE,
            commune_name="Hoàng Kim (tự kiểm tra)",
            province_name="Thanh Hóa",
            admin_username="admin",
            admin_full_name="Tự kiểm tra",
            admin_password=f"tu-kiem-tra-{secrets.token_hex(8)}-2026",
        )
        self.s.book, _recovery = create_book(setup)
        self.s.children = populate_demo(self.s.book, DEMO_CHILDREN)
        _require(self.s.children > 0, "sổ dùng thử không có trẻ em nào")
        return f"{self.s.children} trẻ em"

    def start_qt(self) -> str:
        from PySide6.QtCore import qVersion
        from PySide6.QtWidgets import QApplication

        from desktop.ui.app import make_application

        # The application exactly as the GUI makes it: theme, icon, Vietnamese translators.
        self.s.app = make_application(sys.argv[:1])
        return f"Qt {qVersion()}, nền {QApplication.platformName()}"

    def open_window(self) -> str:
        from desktop.ui.main_window import MainWindow

        window = MainWindow(self.s.book, self.s.book.commune())
        self.s.window = window
        window.show()
        self._spin_events(EVENT_LOOP_MS)
        self._wait_for_ops()
        _require(window.isVisible(), "cửa sổ chính không hiện")
        picture = window.grab()
        _require(not picture.isNull(), "không vẽ được cửa sổ chính")
        image = picture.toImage()
        colours = {
            image.pixel(x, y)
            for x in range(0, image.width(), 16)
            for y in range(0, image.height(), 16)
        }
        _require(len(colours) >= 3, "cửa sổ chính vẽ ra trống trơn")
        since_start = time.perf_counter() - self.s.started
        return (
            f"{picture.width()}×{picture.height()}, "
            f"hiện sau {since_start:.2f} s kể từ khi bắt đầu tự kiểm tra"
        )

    def compute_report(self) -> str:
        from desktop.core.services.reports import ReportService

        report = ReportService(self.s.book).population(clock.today())
        _require(report.total > 0, "báo cáo không đếm được trẻ em nào")
        return f"{report.total} trẻ em dưới 16 tuổi ngày {format_vn_date(clock.today())}"

    def write_pdf(self) -> str:
        from desktop.core.services.reports import ReportService

        path = self.s.work / "dan-so-tre-em.pdf"
        ReportService(self.s.book).write_population(clock.today(), path, "pdf")
        data = path.read_bytes()
        _require(data.startswith(b"%PDF-"), "tệp không bắt đầu bằng %PDF")
        _require(b"%%EOF" in data[-1024:], "tệp PDF bị cắt cụt (thiếu %%EOF)")
        return f"{len(data):,} byte".replace(",", ".")

    def write_xlsx(self) -> str:
        from desktop.core.services.reports import ReportService

        path = self.s.work / "dan-so-tre-em.xlsx"
        ReportService(self.s.book).write_population(clock.today(), path, "xlsx")
        data = path.read_bytes()
        _require(data.startswith(b"PK\x03\x04"), "tệp Excel không phải tệp .xlsx (zip)")
        return f"{len(data):,} byte".replace(",", ".")

    def draw_charts(self) -> str:
        """The periodic report's charts as the screen shows them: SVG drawn by QtSvg in the
        PDF's bundled font (the bundle must carry QtSvg and the font files)."""
        from PySide6.QtCore import QByteArray
        from PySide6.QtGui import QFontDatabase
        from PySide6.QtSvg import QSvgRenderer

        from desktop.core.reports import charts
        from desktop.core.services.indicators import IndicatorService, period_code
        from desktop.ui.periodic.charts import add_chart_fonts

        add_chart_fonts()
        _require(
            charts.SCREEN_FONT_FAMILY in QFontDatabase.families(),
            f"Qt không nạp được phông chữ {charts.SCREEN_FONT_FAMILY}",
        )
        content = IndicatorService(self.s.book).content(period_code(clock.today().year, "H1"))
        sizes = []
        for svg in (charts.targets_svg(content), charts.special_svg(content)):
            renderer = QSvgRenderer(QByteArray(svg))
            _require(renderer.isValid(), "QtSvg không đọc được biểu đồ")
            sizes.append(f"{renderer.defaultSize().width()}×{renderer.defaultSize().height()}")
        return "2 biểu đồ SVG, " + ", ".join(sizes)

    def start_server(self) -> str:
        import uvicorn

        from sync.server.app import create_app
        from sync.server.settings import ServerSettings

        folder = self.s.work / "may-chu"
        folder.mkdir()
        settings = ServerSettings(db_url=f"sqlite:///{folder / 'server.db'}", home=folder)
        self.s.server_app = create_app(settings)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))  # a free port, held until uvicorn listens on it
        port = int(sock.getsockname()[1])
        config = uvicorn.Config(
            self.s.server_app,
            host="127.0.0.1",
            port=port,
            # The same implementations uvicorn picks by name in production: proves the
            # bundle carries them (PyInstaller cannot see imports made from strings).
            loop="auto",
            http="auto",
            lifespan="on",
            log_level="warning",
            access_log=False,
        )
        server = uvicorn.Server(config)
        self.s.server = server
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="selftest-server", daemon=True
        )
        self.s.server_thread = thread
        thread.start()
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not server.started:
            _require(thread.is_alive(), "máy chủ dừng ngay khi khởi động (xem lỗi ở trên)")
            _require(
                time.monotonic() < deadline,
                f"máy chủ chưa sẵn sàng sau {SERVER_START_TIMEOUT_S:.0f} s",
            )
            time.sleep(0.05)
        self.s.url = f"http://127.0.0.1:{port}"
        return self.s.url

    def issue_code(self) -> str:
        from sync.server.services import enrollment

        self.s.code = enrollment.issue_code(self.s.server_app.state.sessions, COMMUNE_CODE)
        _require(bool(self.s.code), "máy chủ không cấp mã")
        return f"xã {COMMUNE_CODE}"

    def enroll(self) -> None:
        from desktop.core.sync_service import SyncService

        service = SyncService(self.s.book)
        service.enroll(self.s.url, self.s.code)
        _require(service.status().enrolled, "sổ chưa ghi nhận việc đăng ký")

    def push(self) -> str:
        from desktop.core.sync_service import SyncService
        from sync.server.services import summary

        service = SyncService(self.s.book)
        outcome = service.push()
        _require(not outcome.offline, f"không kết nối được máy chủ: {outcome.message_vi}")
        _require(not outcome.failed, outcome.message_vi)
        _require(outcome.applied > 0, "máy chủ không nhận bản ghi nào")
        _require(
            outcome.conflicts == 0 and outcome.rejected == 0,
            f"{outcome.conflicts} xung đột, {outcome.rejected} bị từ chối",
        )
        _require(outcome.remaining == 0, f"còn {outcome.remaining} bản ghi chưa gửi")
        status = service.status()
        _require(
            status.pending == 0 and status.errors == 0,
            f"sau khi gửi: {status.pending} bản ghi chờ, {status.errors} bản ghi lỗi",
        )
        held = summary.commune_summary(self.s.server_app.state.sessions, COMMUNE_CODE)
        on_server = sum(count.live + count.deleted for count in held.tables.values())
        _require(
            on_server == outcome.sent,
            f"máy chủ giữ {on_server} bản ghi, sổ đã gửi {outcome.sent}",
        )
        return f"{outcome.applied} bản ghi, tất cả đã đồng bộ"

    def close(self) -> None:
        problems: list[str] = []
        if self.s.window is not None:
            self.s.window.close()
            self._spin_events(50)
            self._wait_for_ops()
            self.s.window.deleteLater()
            self.s.window = None
            self._spin_events(50)
        if self.s.book is not None:
            self.s.book.close()
            self.s.book = None
        if self.s.server is not None:
            self.s.server.should_exit = True
            thread = self.s.server_thread
            if thread is not None:
                thread.join(SERVER_STOP_TIMEOUT_S)
                if thread.is_alive():
                    problems.append(f"máy chủ không dừng sau {SERVER_STOP_TIMEOUT_S:.0f} s")
            self.s.server = None
        _require(not problems, "; ".join(problems))

    # -- helpers ---------------------------------------------------------------------

    def _spin_events(self, milliseconds: int) -> None:
        """Let Qt run its event loop for a moment (layouts, paints, queued signals)."""
        from PySide6.QtCore import QEventLoop, QTimer

        loop = QEventLoop()
        QTimer.singleShot(milliseconds, loop.quit)
        loop.exec()

    def _wait_for_ops(self) -> None:
        """Wait until the window's background work has delivered its results."""
        from desktop.ui import ops

        deadline = time.monotonic() + OPS_TIMEOUT_S
        while ops.running_ops():
            _require(
                time.monotonic() < deadline,
                f"việc chạy nền chưa xong sau {OPS_TIMEOUT_S:.0f} s",
            )
            self._spin_events(20)


def _utf8(stream: TextIO) -> None:
    # Windows consoles and pipes default to a legacy code page that cannot print Vietnamese.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(encoding="utf-8", line_buffering=True)


def run_self_test_cli(args: list[str]) -> int:
    """``--self-test [--no-gui]``: ``--no-gui`` leaves out the Qt steps (and says so)."""
    unknown = [arg for arg in args if arg != NO_GUI_FLAG]
    if unknown:
        sys.stderr.write(f"Tự kiểm tra: không hiểu {' '.join(unknown)} (chỉ có {NO_GUI_FLAG}).\n")
        return 2
    return run_self_test(gui=NO_GUI_FLAG not in args)


def run_self_test(out: TextIO | None = None, gui: bool = True) -> int:
    """Run every step; 0 if all worked, 1 otherwise (the reasons are printed).

    ``gui=False`` skips starting Qt and the main window (for machines where Qt cannot start,
    such as Wine): each skipped step is printed, and the verdict says the GUI was not checked.
    """
    stream = out if out is not None else sys.stdout
    if out is None:
        _utf8(sys.stdout)
        _utf8(sys.stderr)
    stream.write(f"Sổ Trẻ Em — tự kiểm tra ({_where()})\n")
    with (
        tempfile.TemporaryDirectory(
            prefix="sotreem-tu-kiem-tra-", ignore_cleanup_errors=True
        ) as tmp,
        _isolated_environment(Path(tmp)) as home,
    ):
        work = Path(tmp) / "viec"
        work.mkdir()
        test = SelfTest(_State(home=home, work=work), stream, gui=gui)
        passed = test.run()
    if passed and not gui:
        stream.write(
            f"Tự kiểm tra: ĐẠT — mọi bước không cần giao diện đều chạy đúng; "
            f"giao diện (Qt) KHÔNG được kiểm tra ({NO_GUI_FLAG}).\n"
        )
        return 0
    if passed:
        stream.write("Tự kiểm tra: ĐẠT — mọi bước đều chạy đúng.\n")
        return 0
    stream.write(f"Tự kiểm tra: KHÔNG ĐẠT — {len(test.failures)} bước lỗi:\n")
    for failure in test.failures:
        stream.write(f"  - {failure}\n")
    return 1


def _where() -> str:
    frozen = getattr(sys, "frozen", False)
    kind = "bản đóng gói" if frozen else "mã nguồn"
    return f"{kind}, Python {sys.version.split()[0]}, {sys.platform}"
