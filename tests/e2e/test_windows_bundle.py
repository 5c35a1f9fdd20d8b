"""The Windows bundle and setup program, run under Wine: only when SOTREEM_WIN_BUNDLE_DIR is set.

    python installer/build_windows.py
    SOTREEM_WIN_BUNDLE_DIR=dist/windows/SoTreEm SOTREEM_WIN_SETUP=dist/SoTreEm-Setup-0.1.0.exe \
        python -m pytest tests/e2e/test_windows_bundle.py

installer/ci_windows.sh (called by .ci/run) does exactly this. Each test runs in a Wine prefix
whose Windows user is "Nguyễn Thị Hoa", so %USERPROFILE% and %LOCALAPPDATA% hold Vietnamese
letters and spaces; the data folder is the real default, %PROGRAMDATA%\\SoTreEm (no SOTREEM_HOME).
Qt's GUI cannot start under Wine 8 (see docs/installer.md), so the self-test runs with --no-gui.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

BUNDLE_ENV = "SOTREEM_WIN_BUNDLE_DIR"
SETUP_ENV = "SOTREEM_WIN_SETUP"
OLD_SETUP_ENV = "SOTREEM_WIN_OLD_SETUP"
USER = "Nguyễn Thị Hoa"
PASSWORD = "mat-khau-thu-2026"
TIMEOUT_S = 300
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get(BUNDLE_ENV),
    reason=f"{BUNDLE_ENV} is not set (build with installer/build_windows.py first)",
)

sys.path.insert(0, str(ROOT / "installer"))


def _cache() -> Path:
    from build_windows import cache_dir

    return cache_dir()


@pytest.fixture(scope="session")
def bundle() -> Path:
    folder = Path(os.environ[BUNDLE_ENV]).resolve()
    assert (folder / "SoTreEm.exe").is_file()
    assert (folder / "sotreem-cli.exe").is_file()
    return folder


class Wine:
    """A Wine prefix of its own, with a Windows user named ``USER``."""

    def __init__(self, prefix: Path) -> None:
        self.prefix = prefix
        self.env = dict(
            os.environ,
            WINEPREFIX=str(prefix),
            WINEDEBUG="-all",
            WINEDLLOVERRIDES="mscoree=;mshtml=;winemenubuilder.exe=d",
            USER=USER,
            LOGNAME=USER,
        )
        self.env.pop("DISPLAY", None)
        for name in ("SOTREEM_HOME", "SOTREEM_PASSWORD", "QT_QPA_PLATFORM"):
            self.env.pop(name, None)

    def run(
        self, *command: str, extra: dict[str, str] | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        # Wine gives Windows programs no usable standard handles on regular files: use pipes.
        result = subprocess.run(
            ["wine", *command],
            env={**self.env, **(extra or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=TIMEOUT_S,
            check=False,
        )
        if check:
            assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
        return result

    def unix(self, windows_path: str) -> Path:
        """C:\\… of this prefix as a Linux path."""
        drive, _, rest = windows_path.partition(":\\")
        assert drive.upper() == "C", windows_path
        return self.prefix / "drive_c" / Path(*rest.split("\\"))

    @property
    def program_data(self) -> Path:
        return self.prefix / "drive_c" / "ProgramData" / "SoTreEm"

    @property
    def profile(self) -> Path:
        return self.prefix / "drive_c" / "users" / USER


@pytest.fixture(scope="session")
def wine_prefix() -> Path:
    """A prefix made once (cached) for the tests; its data folder is emptied by ``wine``."""
    from build_windows import forwarder_dll

    prefix = _cache() / "prefix-smoke"
    wine = Wine(prefix)
    if not (prefix / "system.reg").exists():
        subprocess.run(["wineboot", "-i"], env=wine.env, stdin=subprocess.DEVNULL, check=True)
        # Windows 10 (a new prefix says Windows 7, which the setup's MinVersion refuses) and
        # Wine's null display driver, so that windows (the hidden wizard) can be created.
        wine.run("winecfg", "/v", "win10")
        wine.run(
            "reg", "add", "HKCU\\Software\\Wine\\Drivers", "/v", "Graphics", "/d", "null", "/f"
        )
        subprocess.run(["wineserver", "-w"], env=wine.env, check=True)
    # Rust extensions need bcryptprimitives.dll, which Wine 8 lacks (see build_windows.py).
    shim = prefix / "drive_c" / "windows" / "system32" / "bcryptprimitives.dll"
    shim.write_bytes(
        forwarder_dll("bcryptprimitives.dll", {"ProcessPrng": "advapi32.SystemFunction036"})
    )
    assert wine.profile.is_dir(), f"the Windows profile is not {wine.profile}"
    return prefix


@pytest.fixture
def wine(wine_prefix: Path) -> Wine:
    w = Wine(wine_prefix)
    shutil.rmtree(w.program_data, ignore_errors=True)
    shutil.rmtree(w.profile / "AppData" / "Local" / "Programs" / "SoTreEm", ignore_errors=True)
    return w


def _cli(bundle: Path) -> str:
    return str(bundle / "sotreem-cli.exe")


def test_self_test_without_gui(wine: Wine, bundle: Path) -> None:
    result = wine.run(_cli(bundle), "--self-test", "--no-gui")
    out = result.stdout
    assert "(bản đóng gói, Python 3.11" in out and "win32)" in out, out
    assert "– Khởi động giao diện (Qt, không hiện cửa sổ): bỏ qua theo yêu cầu (--no-gui)" in out
    assert "– Mở cửa sổ chính: bỏ qua theo yêu cầu (--no-gui)" in out
    for step in (
        "✓ Tạo sổ dùng thử mã hóa",
        "✓ Xuất báo cáo PDF",
        "✓ Xuất báo cáo Excel",
        "✓ Khởi động máy chủ cấp trên thử trên 127.0.0.1",
        "✓ Đăng ký sổ với máy chủ",
        "✓ Đồng bộ toàn bộ sổ lên máy chủ",
    ):
        assert step in out, out
    assert "giao diện (Qt) KHÔNG được kiểm tra (--no-gui)" in out, out


def test_headless_commands_in_programdata_with_a_vietnamese_user(wine: Wine, bundle: Path) -> None:
    """demo, report PDF/XLSX, backup, restore: the real default data folder, C:\\ProgramData."""
    env = {"SOTREEM_PASSWORD": PASSWORD}
    wine.run(_cli(bundle), "demo", "--children", "60", extra=env)
    assert (wine.program_data / "so-tre-em.db").is_file()
    assert (wine.program_data / "so-tre-em.keys.json").is_file()
    reports = wine.profile / "Documents" / "Báo cáo tháng 6"
    reports.mkdir(parents=True, exist_ok=True)
    win_reports = f"C:\\users\\{USER}\\Documents\\Báo cáo tháng 6"
    for fmt, magic in (("pdf", b"%PDF-"), ("xlsx", b"PK\x03\x04")):
        name = f"Dân số trẻ em.{fmt}"
        out = f"{win_reports}\\{name}"
        wine.run(_cli(bundle), "report", "population", "--format", fmt, "--output", out, extra=env)
        assert (reports / name).read_bytes().startswith(magic)
    backup = wine.run(_cli(bundle), "backup", extra=env)
    made = sorted((wine.program_data / "sao-luu").glob("*.stebak"))
    assert made, backup.stdout
    restored = wine.run(
        _cli(bundle), "restore", f"C:\\ProgramData\\SoTreEm\\sao-luu\\{made[-1].name}", extra=env
    )
    assert "Đã khôi phục sổ" in restored.stdout, restored.stdout
    report = wine.run(_cli(bundle), "report", "population", extra=env)
    assert '"total"' in report.stdout or "total" in report.stdout, report.stdout


def test_long_data_path_with_spaces_and_vietnamese(wine: Wine, bundle: Path) -> None:
    """A data folder whose full path is longer than Windows' classic 260-character limit."""
    parts = [f"Thư mục dữ liệu số {i} của xã Hoàng Kim" for i in range(8)]
    home = "C:\\users\\" + USER + "\\" + "\\".join(parts)
    assert len(home) > 300
    env = {"SOTREEM_PASSWORD": PASSWORD, "SOTREEM_HOME": home}
    wine.run(_cli(bundle), "demo", "--children", "50", extra=env)
    assert (wine.unix(home) / "so-tre-em.db").is_file()
    wine.run(_cli(bundle), "backup", extra=env)
    assert list((wine.unix(home) / "sao-luu").glob("*.stebak"))


LOCK_HOLDER = r"""
import sqlite3, sys, time
from desktop.core.services.book import open_book
book = open_book("admin", sys.argv[1])
with book.engine.connect() as conn:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    print("giữ khóa", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.exec_driver_sql("COMMIT")
book.close()
"""

LOCK_WAITER = r"""
import sys, time
from desktop.core.services.book import open_book
book = open_book("admin", sys.argv[1])
started = time.monotonic()
try:
    with book.engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(sys.argv[2])}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.exec_driver_sql("COMMIT")
    print(f"ghi được sau {time.monotonic() - started:.1f} s")
except Exception as exc:
    print(f"bị khóa: {exc}")
book.close()
"""


def test_second_process_is_locked_out_while_the_book_is_written(wine: Wine, bundle: Path) -> None:
    """SQLite's Windows locks (LockFileEx on the book and its -shm) between two processes."""
    python = _cache() / "python" / "python.exe"
    assert python.is_file(), "the embeddable Python of build_windows.py is missing"
    env = {"SOTREEM_PASSWORD": PASSWORD}
    wine.run(_cli(bundle), "demo", "--children", "50", extra=env)
    scripts = wine.profile / "Temp"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "holder.py").write_text(LOCK_HOLDER, encoding="utf-8")
    (scripts / "waiter.py").write_text(LOCK_WAITER, encoding="utf-8")
    extra = {"PYTHONPATH": "Z:" + str(ROOT).replace("/", "\\"), "PYTHONUTF8": "1"}
    win_scripts = f"C:\\users\\{USER}\\Temp"
    holder = subprocess.Popen(
        ["wine", str(python), f"{win_scripts}\\holder.py", PASSWORD, "12"],
        env={**wine.env, **extra},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "giữ khóa", (
            holder.stderr.read() if holder.stderr else ""
        )
        at_once = wine.run(str(python), f"{win_scripts}\\waiter.py", PASSWORD, "0", extra=extra)
        assert "bị khóa: " in at_once.stdout and "locked" in at_once.stdout, at_once.stdout
        started = time.monotonic()
        waited = wine.run(str(python), f"{win_scripts}\\waiter.py", PASSWORD, "60000", extra=extra)
        assert "ghi được sau" in waited.stdout, waited.stdout
        assert holder.wait(timeout=60) == 0
        assert time.monotonic() - started < 60
    finally:
        if holder.poll() is None:
            holder.kill()


def _bundle_files(bundle: Path) -> set[str]:
    return {str(p.relative_to(bundle)).replace("\\", "/") for p in bundle.rglob("*") if p.is_file()}


def test_setup_contains_exactly_the_bundle(bundle: Path, tmp_path: Path) -> None:
    setup = os.environ.get(SETUP_ENV)
    if not setup:
        pytest.skip(f"{SETUP_ENV} is not set")
    out = tmp_path / "unpacked"
    subprocess.run(
        ["innoextract", "--silent", "--output-dir", str(out), setup], check=True, timeout=TIMEOUT_S
    )
    app = out / "app"
    assert app.is_dir(), list(out.iterdir())
    assert _bundle_files(app) == _bundle_files(bundle)
    for name in ("_internal/python311.dll", "_internal/PySide6/Qt6Core.dll"):
        assert (app / name).read_bytes() == (bundle / name).read_bytes(), name
