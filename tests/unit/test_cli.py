"""The headless commands, run as a person would run them: as a separate process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ADMIN_PASSWORD


def _run(
    home: Path, *args: str, password: str | None = ADMIN_PASSWORD
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, SOTREEM_HOME=str(home), PYTHONIOENCODING="utf-8")
    env.pop("SOTREEM_PASSWORD", None)
    if password is not None:
        env["SOTREEM_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "desktop", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def test_help_lists_subcommands(sotreem_home: Path) -> None:
    result = _run(sotreem_home, "--help")
    assert result.returncode == 0
    for command in ("init", "demo", "report", "sync"):
        assert command in result.stdout


def test_init_then_report_json(sotreem_home: Path) -> None:
    init = _run(
        sotreem_home, "init", "--commune-code", "12345", "--commune-name", "Hoàng Kim",
        "--province", "Thanh Hóa",
    )  # fmt: skip
    assert init.returncode == 0, init.stderr
    assert "Đã tạo sổ mới cho Xã Hoàng Kim" in init.stdout
    assert ADMIN_PASSWORD not in init.stdout + init.stderr
    report = _run(sotreem_home, "report", "population", "--date", "30/06/2026", "--format", "json")
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["total"] == 0
    assert data["reference_date"] == "30/06/2026"
    assert [g["age_group"] for g in data["groups"]] == [
        "0–2 tuổi",
        "3–5 tuổi",
        "6–10 tuổi",
        "11–15 tuổi",
    ]


def test_demo_then_pdf(sotreem_home: Path, tmp_path: Path) -> None:
    demo = _run(sotreem_home, "demo", "--children", "60")
    assert demo.returncode == 0, demo.stderr
    assert "60 trẻ em" in demo.stdout
    output = tmp_path / "dan-so.pdf"
    report = _run(sotreem_home, "report", "population", "--format", "pdf", "--output", str(output))
    assert report.returncode == 0, report.stderr
    assert output.read_bytes().startswith(b"%PDF")
    assert "60 trẻ em dưới 16 tuổi" in report.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["init", "--commune-code", "1234", "--commune-name", "X", "--province", "Y"], "5 chữ số"),
        (
            ["init", "--commune-code", "12345", "--commune-name", "X", "--province", "Y",
             "--server", "khong-phai-url"],
            "Địa chỉ máy chủ",
        ),
        (["report", "population"], "Chưa có sổ"),
    ],
)  # fmt: skip
def test_bad_input_gets_a_vietnamese_message(
    sotreem_home: Path, args: list[str], message: str
) -> None:
    result = _run(sotreem_home, *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_password_and_bad_date(sotreem_home: Path) -> None:
    assert _run(
        sotreem_home, "init", "--commune-code", "12345", "--commune-name", "Hoàng Kim",
        "--province", "Thanh Hóa",
    ).returncode == 0  # fmt: skip
    wrong = _run(sotreem_home, "report", "population", password="sai-mat-khau-9")
    assert wrong.returncode == 1
    assert "mật khẩu không đúng" in wrong.stderr
    assert "sai-mat-khau-9" not in wrong.stderr + wrong.stdout
    bad_date = _run(sotreem_home, "report", "population", "--date", "31/02/2026")
    assert bad_date.returncode == 2
    assert "31/02/2026 không tồn tại" in bad_date.stderr


def test_no_password_without_terminal_is_explained(sotreem_home: Path) -> None:
    result = _run(
        sotreem_home, "init", "--commune-code", "12345", "--commune-name", "X", "--province",
        "Y", password=None,
    )  # fmt: skip
    assert result.returncode == 2
    assert "SOTREEM_PASSWORD" in result.stderr


def test_sync_without_enrolment_is_explained(sotreem_home: Path) -> None:
    assert _run(
        sotreem_home, "init", "--commune-code", "12345", "--commune-name", "Hoàng Kim",
        "--province", "Thanh Hóa",
    ).returncode == 0  # fmt: skip
    result = _run(sotreem_home, "sync")
    assert result.returncode == 2
    assert "chưa đăng ký với máy chủ" in result.stderr
