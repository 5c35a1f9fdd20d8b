"""The built bundle (dist/SoTreEm), tested as shipped: run only when SOTREEM_BUNDLE_DIR is set.

    python installer/build.py
    SOTREEM_BUNDLE_DIR=dist/SoTreEm python -m pytest tests/e2e/test_bundle.py

CI does exactly this after the source suite (.ci/run).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BUNDLE_ENV = "SOTREEM_BUNDLE_DIR"
EXE = ".exe" if sys.platform == "win32" else ""
TIMEOUT_S = 240

pytestmark = pytest.mark.skipif(
    not os.environ.get(BUNDLE_ENV),
    reason=f"{BUNDLE_ENV} is not set (build the bundle with installer/build.py first)",
)


@pytest.fixture
def bundle() -> Path:
    """The bundle folder, which must hold both executables."""
    folder = Path(os.environ[BUNDLE_ENV]).resolve()
    assert (folder / f"SoTreEm{EXE}").is_file(), f"no GUI executable in {folder}"
    assert (folder / f"sotreem-cli{EXE}").is_file(), f"no console executable in {folder}"
    return folder


def _cli(
    bundle: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bundle / f"sotreem-cli{EXE}"), *args],
        env=env if env is not None else dict(os.environ),
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        check=False,
    )


def test_bundle_self_test(bundle: Path) -> None:
    result = _cli(bundle, "--self-test")
    output = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, output
    assert "(bản đóng gói," in result.stdout, output
    assert "✓ Mở cửa sổ chính" in result.stdout, output
    assert "✓ Đồng bộ toàn bộ sổ lên máy chủ" in result.stdout, output
    assert result.stdout.rstrip().endswith("Tự kiểm tra: ĐẠT — mọi bước đều chạy đúng."), output


def test_bundle_help(bundle: Path) -> None:
    result = _cli(bundle, "--help")
    assert result.returncode == 0, result.stderr
    assert "Sổ Trẻ Em" in result.stdout
    for command in ("init", "demo", "report", "sync"):
        assert command in result.stdout


def test_bundle_headless_commands(bundle: Path, tmp_path: Path) -> None:
    env = dict(os.environ, SOTREEM_HOME=str(tmp_path / "home"), SOTREEM_PASSWORD="mat-khau-2026")
    demo = _cli(bundle, "demo", "--children", "60", env=env)
    assert demo.returncode == 0, demo.stderr
    pdf = tmp_path / "dan-so.pdf"
    report = _cli(bundle, "report", "population", "--format", "pdf", "--output", str(pdf), env=env)
    assert report.returncode == 0, report.stderr
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_bundle_carries_its_data_and_not_what_was_excluded(bundle: Path) -> None:
    internal = bundle / "_internal"
    for needed in (
        "resources/fonts/OFL.txt",
        "resources/fonts/LiberationSerif-Regular.ttf",
        "resources/translations/qtbase_vi.ts",
        "desktop/core/storage/migrations/env.py",
        "desktop/core/storage/migrations/script.py.mako",
        "sync/server/migrations/env.py",
    ):
        assert (internal / needed).is_file(), needed
    assert list((internal / "desktop/core/storage/migrations/versions").glob("*.py"))
    assert list((internal / "sync/server/migrations/versions").glob("*.py"))
    assert not list(internal.rglob("qtbase_*.qm")), "Qt's own translations should be excluded"
    assert not list(internal.rglob("*QtWebEngine*")), "QtWebEngine should never be bundled"
    assert not list(internal.rglob("*Qt6Quick*")), "QtQuick should never be bundled"
