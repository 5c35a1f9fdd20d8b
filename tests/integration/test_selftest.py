"""`python -m desktop --self-test` from source: every step runs for real and is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT_S = 240

# The steps an officer's work depends on; each must be reported with ✓.
EXPECTED_STEPS = [
    "Thư mục dữ liệu tạm, tách khỏi dữ liệu thật",
    "Tạo sổ dùng thử mã hóa (200 trẻ em)",
    "Khởi động giao diện (Qt, không hiện cửa sổ)",
    "Mở cửa sổ chính",
    "Tính báo cáo dân số trẻ em",
    "Xuất báo cáo PDF",
    "Xuất báo cáo Excel",
    "Vẽ biểu đồ của báo cáo định kỳ",
    "Khởi động máy chủ cấp trên thử trên 127.0.0.1",
    "Cấp mã đăng ký thiết bị",
    "Đăng ký sổ với máy chủ",
    "Đồng bộ toàn bộ sổ lên máy chủ",
    "Đóng cửa sổ, sổ và máy chủ",
]


def _run(tmp_path: Path, args: list[str]) -> subprocess.CompletedProcess[str]:
    """Run Python with ``args`` where the *default* data folder would be inside tmp_path."""
    env = dict(os.environ)
    # No SOTREEM_HOME: the self-test must make its own folder, never use the real one.
    env.pop("SOTREEM_HOME", None)
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    env["PROGRAMDATA"] = str(tmp_path / "programdata")
    env["PYTHONUTF8"] = "1"
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=TIMEOUT_S,
        check=False,
    )


def _real_data_untouched(tmp_path: Path) -> bool:
    return (
        not (tmp_path / "xdg" / "sotreem").exists()
        and not (tmp_path / "programdata" / "SoTreEm").exists()
    )


@pytest.mark.slow
def test_self_test_passes_every_step(tmp_path: Path) -> None:
    result = _run(tmp_path, ["-m", "desktop", "--self-test"])
    output = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 0, output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Sổ Trẻ Em — tự kiểm tra (mã nguồn"), output
    for title in EXPECTED_STEPS:
        assert any(line.startswith(f"✓ {title}") for line in lines), f"{title}\n{output}"
    assert not [line for line in lines if line.startswith(("✗", "–"))], output
    assert lines[-1] == "Tự kiểm tra: ĐẠT — mọi bước đều chạy đúng.", output
    # The numbers behind the lines: the demo children were counted and all synced.
    assert any("200 trẻ em dưới 16 tuổi" in line for line in lines), output
    assert any("tất cả đã đồng bộ" in line for line in lines), output
    assert _real_data_untouched(tmp_path)


@pytest.mark.slow
def test_a_failing_step_fails_the_run_and_skips_what_needs_it(tmp_path: Path) -> None:
    # 0 demo children is refused by the demo service, so the book step fails.
    code = "import desktop.selftest as s; s.DEMO_CHILDREN = 0; raise SystemExit(s.run_self_test())"
    result = _run(tmp_path, ["-c", code])
    output = f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    assert result.returncode == 1, output
    lines = result.stdout.splitlines()
    assert any(line.startswith("✗ Tạo sổ dùng thử mã hóa (0 trẻ em): ") for line in lines), output
    assert "– Mở cửa sổ chính: bỏ qua vì bước trước không đạt" in lines, output
    assert "– Đồng bộ toàn bộ sổ lên máy chủ: bỏ qua vì bước trước không đạt" in lines, output
    # Steps that do not need the book still ran, and the clean-up too.
    assert any(line.startswith("✓ Khởi động máy chủ cấp trên thử") for line in lines), output
    assert any(line.startswith("✓ Đóng cửa sổ, sổ và máy chủ") for line in lines), output
    assert "Tự kiểm tra: KHÔNG ĐẠT — 1 bước lỗi:" in lines, output
    assert _real_data_untouched(tmp_path)
