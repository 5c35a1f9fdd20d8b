"""``sotreem import``: the same summary as the wizard, a non-zero exit when rows are rejected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import paths
from desktop.cli import run_cli
from desktop.core.services.book import Book
from tests.conftest import ADMIN_PASSWORD
from tests.unit.core.importer.conftest import row, write_xlsx


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)


def _file(tmp_path: Path) -> Path:
    return write_xlsx(
        tmp_path / "ds.xlsx",
        [row(), row(name="Lê Thị Bé", born="31/02/2019", id_number="")],
    )


def test_import_prints_the_summary_and_exits_1_on_rejected_rows(
    book: Book, password: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_cli(["import", str(_file(tmp_path)), "--date", "30/06/2026"])
    out = capsys.readouterr().out
    assert code == 1
    assert "Đã sao lưu sổ trước khi nhập" in out
    assert "  Thêm mới: 1" in out
    assert "  Bị từ chối (có lỗi, không nhập): 1" in out
    assert "Dòng 5, cột “Ngày sinh”: Ngày 31/02/2019 không tồn tại." in out
    rejected = paths.exports_dir() / "ds-dong-bi-tu-choi.xlsx"
    assert rejected.exists()
    assert str(rejected) in out

    code = run_cli(["import", str(_file(tmp_path)), "--date", "30/06/2026", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 1
    assert "chưa ghi gì vào sổ" in out
    assert "  Thêm mới: 0" in out
    assert "  Không đổi: 1" in out


def test_import_of_a_clean_file_exits_0(
    book: Book, password: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(tmp_path / "ok.xlsx", [row()])
    assert run_cli(["import", str(path), "--date", "30/06/2026"]) == 0
    assert "  Thêm mới: 1" in capsys.readouterr().out


def test_import_with_a_mapping_file(
    book: Book, password: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_xlsx(
        tmp_path / "khac.xlsx",
        [["Thôn Đông", "12", "Nguyễn Văn Hùng", "Nguyễn Thị Mai", "05/09/2019", "Nữ"]],
        headers=["Tên thôn", "HỘ", "Người đứng tên", "Tên bé", "Sinh", "Phái"],
    )
    assert run_cli(["import", str(path)]) == 2
    assert "ghép cột" in capsys.readouterr().err
    mapping = tmp_path / "cot.json"
    mapping.write_text(
        json.dumps(
            {
                "columns": {
                    "Thôn/Tổ dân phố": "Tên thôn",
                    "Số hộ": "B",
                    "Họ tên chủ hộ": "Người đứng tên",
                    "Họ tên trẻ": "Tên bé",
                    "Ngày sinh": "Sinh",
                    "Giới tính": "Phái",
                }
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    assert run_cli(["import", str(path), "--mapping", str(mapping), "--date", "30/06/2026"]) == 0
    out = capsys.readouterr().out
    assert "bố cục riêng, đã ghép cột" in out
    assert "  Thêm mới: 1" in out


def test_a_file_that_is_not_a_spreadsheet_is_a_clear_error(
    book: Book, password: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "thu.xlsx"
    path.write_text("Kính gửi UBND xã …", encoding="utf-8")
    assert run_cli(["import", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("Lỗi: Tệp “thu.xlsx” có đuôi .xlsx nhưng không phải tệp Excel")
    assert "Traceback" not in err


def test_export_template_needs_no_book(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "mau.xlsx"
    assert run_cli(["export", "template", "--output", str(target)]) == 0
    assert target.exists()


def test_the_installed_command_runs_as_a_separate_process(book: Book, tmp_path: Path) -> None:
    env = dict(
        os.environ,
        SOTREEM_HOME=str(paths.data_dir()),
        SOTREEM_PASSWORD=ADMIN_PASSWORD,
        PYTHONIOENCODING="utf-8",
    )
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "import", str(_file(tmp_path)), "--dry-run"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "Số dòng dữ liệu: 2" in result.stdout
