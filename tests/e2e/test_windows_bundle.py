"""The Windows bundle and setup program, run under Wine: only when SOTREEM_WIN_BUNDLE_DIR is set.

    python installer/build_windows.py
    SOTREEM_WIN_BUNDLE_DIR=dist/windows/SoTreEm SOTREEM_WIN_SETUP=dist/SoTreEm-Setup-0.1.0.exe \
        python -m pytest tests/e2e/test_windows_bundle.py

installer/ci_windows.sh (called by .ci/run) does exactly this. Each test runs in a Wine prefix
whose Windows user is "Nguyễn Thị Hoa", so %USERPROFILE% and %LOCALAPPDATA% hold Vietnamese
letters and spaces; the data folder is the real default, %PROGRAMDATA%\\SoTreEm (no SOTREEM_HOME).
Qt starts under Wine 8 on its offscreen platform only (see docs/installer.md): the self-test runs
once whole (offscreen) and once with --no-gui.
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
# What the setup adds beside the bundle: its uninstaller and the uninstaller's log.
UNINSTALLER = {"unins000.exe", "unins000.dat"}
APP_ID_KEY = (
    "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\"
    "{6B0C2E4F-8D47-4C1B-9E3A-5F2A7D1C9B80}_is1"
)

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

    def wait(self) -> None:
        """Until every process of the prefix has ended (installers hand over to children)."""
        subprocess.run(["wineserver", "-w"], env=self.env, check=False, timeout=TIMEOUT_S)

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
    # What an earlier test installed: the program, its menu entries, its uninstall key.
    shutil.rmtree(w.profile / "AppData" / "Local" / "Programs" / "SoTreEm", ignore_errors=True)
    menu = w.profile / "AppData" / "Roaming" / "Microsoft" / "Windows" / "Start Menu"
    shutil.rmtree(menu / "Programs" / "Sổ Trẻ Em", ignore_errors=True)
    w.run("reg", "delete", APP_ID_KEY, "/f", check=False)
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


def test_self_test_with_the_gui_offscreen(wine: Wine, bundle: Path) -> None:
    """The whole self-test, Qt steps included: Qt's offscreen platform starts under Wine 8 (its
    "windows" platform does not: it asks WinRT for UISettings, which Wine 8 lacks)."""
    result = wine.run(_cli(bundle), "--self-test")
    out = result.stdout
    assert "win32)" in out, out
    for step in (
        "✓ Khởi động giao diện (Qt, không hiện cửa sổ) — Qt 6.",
        "nền offscreen",
        "✓ Mở cửa sổ chính",
        "✓ Vẽ biểu đồ của báo cáo định kỳ — 2 biểu đồ SVG",
        "✓ Đồng bộ toàn bộ sổ lên máy chủ",
    ):
        assert step in out, out
    assert "Tự kiểm tra: ĐẠT — mọi bước đều chạy đúng." in out, out


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
    # The smoke prefix is cached between runs: start without the last run's book.
    shutil.rmtree(wine.profile / parts[0], ignore_errors=True)
    env = {"SOTREEM_PASSWORD": PASSWORD, "SOTREEM_HOME": home}
    wine.run(_cli(bundle), "demo", "--children", "50", extra=env)
    assert (wine.unix(home) / "so-tre-em.db").is_file()
    wine.run(_cli(bundle), "backup", extra=env)
    assert list((wine.unix(home) / "sao-luu").glob("*.stebak"))


# Both scripts run on the source tree with the embeddable Python of build_windows.py (which
# has the bundle's pinned Windows wheels, sqlcipher3 among them). It ignores PYTHONPATH: its
# ._pth file rules sys.path, hence SOTREEM_SOURCE_TREE.
LOCK_HOLDER = r"""
import os, sys, time
sys.path.insert(0, os.environ["SOTREEM_SOURCE_TREE"])
from desktop.core.services.book import open_book
book = open_book("admin", sys.argv[1])
with book.engine.connect() as conn:
    conn.exec_driver_sql("BEGIN IMMEDIATE")
    print("giữ khóa", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.exec_driver_sql("COMMIT")
book.close()
"""

# Opening the book writes (the login is recorded), so the second process opens it first, says
# so, and only tries to write once the first one holds the lock (the file ``go`` appears).
LOCK_WAITER = r"""
import os, sys, time
sys.path.insert(0, os.environ["SOTREEM_SOURCE_TREE"])
from desktop.core.services.book import open_book
book = open_book("admin", sys.argv[1])
print("đã mở", flush=True)
while not os.path.exists(sys.argv[3]):
    time.sleep(0.1)
started = time.monotonic()
try:
    with book.engine.connect() as conn:
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(sys.argv[2])}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.exec_driver_sql("COMMIT")
    print(f"ghi được sau {time.monotonic() - started:.1f} s", flush=True)
except Exception as exc:
    print(f"bị khóa: {exc}", flush=True)
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
    go = scripts / "go"
    go.unlink(missing_ok=True)
    extra = {"SOTREEM_SOURCE_TREE": "Z:" + str(ROOT).replace("/", "\\"), "PYTHONUTF8": "1"}
    win_scripts = f"C:\\users\\{USER}\\Temp"
    hold_s = 15

    def start(*args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["wine", str(python), *args],
            env={**wine.env, **extra},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )

    def line(process: subprocess.Popen[str]) -> str:
        assert process.stdout is not None
        text = process.stdout.readline().strip()
        if not text and process.stderr is not None:
            pytest.fail(process.stderr.read())
        return text

    go_path = f"{win_scripts}\\go"
    at_once = start(f"{win_scripts}\\waiter.py", PASSWORD, "0", go_path)
    patient = start(f"{win_scripts}\\waiter.py", PASSWORD, "60000", go_path)
    processes = [at_once, patient]
    try:
        assert line(at_once) == "đã mở"
        assert line(patient) == "đã mở"
        holder = start(f"{win_scripts}\\holder.py", PASSWORD, str(hold_s))
        processes.append(holder)
        assert line(holder) == "giữ khóa"
        held_at = time.monotonic()
        go.write_text("", encoding="utf-8")
        refused = line(at_once)
        assert refused.startswith("bị khóa: ") and "locked" in refused, refused
        # Refused at once, while the holder still holds the lock.
        assert time.monotonic() - held_at < hold_s
        waited = line(patient)
        assert waited.startswith("ghi được sau"), waited
        # It got the lock only when the holder committed, not before.
        assert time.monotonic() - held_at >= hold_s - 5
        assert holder.wait(timeout=60) == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()


def _bundle_files(bundle: Path) -> set[str]:
    return {str(p.relative_to(bundle)).replace("\\", "/") for p in bundle.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")
def setup_exe() -> Path:
    setup = os.environ.get(SETUP_ENV)
    if not setup:
        pytest.skip(f"{SETUP_ENV} is not set")
    return Path(setup).resolve()


@pytest.fixture(scope="session")
def old_setup(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An older version's setup: the same script and bundle, version 0.0.1, fast compression
    (SOTREEM_WIN_OLD_SETUP may name a real older release instead)."""
    given = os.environ.get(OLD_SETUP_ENV)
    if given:
        return Path(given).resolve()
    from build_windows import ensure_innosetup, run_iscc

    out = tmp_path_factory.mktemp("old-setup")
    return run_iscc(
        _cache(), ensure_innosetup(_cache()), "0.0.1", output=out, bundle=bundle, fast=True
    )


def _program_dir(wine: Wine) -> Path:
    return wine.profile / "AppData" / "Local" / "Programs" / "SoTreEm"


def _install(wine: Wine, setup: Path) -> None:
    log = wine.profile / "Temp" / "cai-dat.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.unlink(missing_ok=True)
    result = wine.run(
        str(setup),
        "/VERYSILENT",
        "/SUPPRESSMSGBOXES",
        "/NORESTART",
        f"/LOG=C:\\users\\{USER}\\Temp\\cai-dat.log",
        check=False,
    )
    wine.wait()
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else "(no log)"
    assert result.returncode == 0, f"setup exit {result.returncode}\n{text[-4000:]}"
    assert "Installation process succeeded." in text, text[-4000:]


def _uninstall(wine: Wine, *extra: str) -> None:
    uninstaller = _program_dir(wine) / "unins000.exe"
    assert uninstaller.is_file()
    win_path = f"C:\\users\\{USER}\\AppData\\Local\\Programs\\SoTreEm\\unins000.exe"
    wine.run(win_path, "/VERYSILENT", "/SUPPRESSMSGBOXES", "/NORESTART", *extra)
    # The uninstaller hands over to a copy of itself in %TEMP% and returns at once.
    wine.wait()
    deadline = time.monotonic() + TIMEOUT_S
    while uninstaller.exists() and time.monotonic() < deadline:
        time.sleep(1)
        wine.wait()


def _installed_version(wine: Wine) -> str:
    result = wine.run("reg", "query", APP_ID_KEY, "/v", "DisplayVersion", check=False)
    for line in result.stdout.splitlines():
        if "DisplayVersion" in line:
            return line.split()[-1]
    return ""


def test_setup_installs_exactly_the_bundle_silently(
    wine: Wine, bundle: Path, setup_exe: Path
) -> None:
    """The setup program officers get, installed for real (per user, no administrator)."""
    _install(wine, setup_exe)
    installed = _program_dir(wine)
    assert _bundle_files(installed) == _bundle_files(bundle) | UNINSTALLER
    for name in ("sotreem-cli.exe", "_internal/python311.dll", "_internal/PySide6/Qt6Core.dll"):
        assert (installed / name).read_bytes() == (bundle / name).read_bytes(), name
    menu = wine.profile / "AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Sổ Trẻ Em"
    assert {p.name for p in menu.glob("*.lnk")} >= {
        "Sổ Trẻ Em.lnk",
        "Kiểm tra cài đặt Sổ Trẻ Em.lnk",
    }, list(menu.glob("*"))
    assert wine.program_data.is_dir(), "the setup did not create %PROGRAMDATA%\\SoTreEm"
    version = _version_of(setup_exe)
    assert _installed_version(wine) == version
    # The installed program works from where it was installed.
    cli = f"C:\\users\\{USER}\\AppData\\Local\\Programs\\SoTreEm\\sotreem-cli.exe"
    wine.run(cli, "demo", "--children", "50", extra={"SOTREEM_PASSWORD": PASSWORD})
    assert (wine.program_data / "so-tre-em.db").is_file()


def test_upgrade_keeps_the_book_and_its_backups(
    wine: Wine, setup_exe: Path, old_setup: Path
) -> None:
    env = {"SOTREEM_PASSWORD": PASSWORD}
    cli = f"C:\\users\\{USER}\\AppData\\Local\\Programs\\SoTreEm\\sotreem-cli.exe"
    _install(wine, old_setup)
    assert _installed_version(wine) == "0.0.1"
    wine.run(cli, "demo", "--children", "50", extra=env)
    wine.run(cli, "backup", extra=env)
    book = (wine.program_data / "so-tre-em.db").read_bytes()
    backups = {p.name: p.read_bytes() for p in (wine.program_data / "sao-luu").glob("*.stebak")}
    assert backups
    # A module of the old version left in the program folder must not survive the upgrade.
    stale = _program_dir(wine) / "_internal" / "mo_dun_cu.py"
    stale.write_text("raise SystemExit('bản cũ')\n", encoding="utf-8")

    _install(wine, setup_exe)
    assert _installed_version(wine) == _version_of(setup_exe)
    assert not stale.exists()
    assert (wine.program_data / "so-tre-em.db").read_bytes() == book
    after = {p.name: p.read_bytes() for p in (wine.program_data / "sao-luu").glob("*.stebak")}
    assert after == backups
    report = wine.run(cli, "report", "population", extra=env)
    assert "total" in report.stdout, report.stdout


def test_uninstall_keeps_the_data_unless_asked(wine: Wine, setup_exe: Path) -> None:
    env = {"SOTREEM_PASSWORD": PASSWORD}
    cli = f"C:\\users\\{USER}\\AppData\\Local\\Programs\\SoTreEm\\sotreem-cli.exe"
    _install(wine, setup_exe)
    wine.run(cli, "demo", "--children", "50", extra=env)
    wine.run(cli, "backup", extra=env)
    book = (wine.program_data / "so-tre-em.db").read_bytes()

    _uninstall(wine)
    assert not (_program_dir(wine) / "sotreem-cli.exe").exists()
    assert _installed_version(wine) == ""
    assert (wine.program_data / "so-tre-em.db").read_bytes() == book
    assert list((wine.program_data / "sao-luu").glob("*.stebak"))

    # Reinstalled, the book is there; deleting the data takes an explicit request.
    _install(wine, setup_exe)
    wine.run(cli, "report", "population", extra=env)
    _uninstall(wine, "/DELETEDATA=yes")
    assert not wine.program_data.exists()


def _version_of(setup: Path) -> str:
    name = setup.stem  # SoTreEm-Setup-<version>
    return name.removeprefix("SoTreEm-Setup-")
