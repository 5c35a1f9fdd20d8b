"""The one safe file writer: all or nothing, no leftovers."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.core.files import TEMP_SUFFIX, atomic_output, write_atomically
from desktop.core.reports.atomic import ReportWriteError
from desktop.core.reports.atomic import atomic_output as report_output


def test_the_new_content_replaces_the_old_in_one_step(tmp_path: Path) -> None:
    tmp_path = tmp_path / "xuất"
    tmp_path.mkdir()
    target = tmp_path / "bao cáo tháng 6.pdf"  # spaces and Vietnamese letters
    target.write_bytes(b"old")
    write_atomically(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_a_failure_while_writing_keeps_the_old_file_and_leaves_nothing(tmp_path: Path) -> None:
    tmp_path = tmp_path / "xuất"
    tmp_path.mkdir()
    target = tmp_path / "so.json"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half")
        assert tmp.name.endswith(TEMP_SUFFIX) and tmp.parent == tmp_path
        raise RuntimeError("disk pulled out")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["so.json"]


def test_a_report_into_a_missing_folder_says_so_in_vietnamese(tmp_path: Path) -> None:
    target = tmp_path / "khong-co" / "bao-cao.xlsx"
    with pytest.raises(ReportWriteError) as caught, report_output(target):
        pass
    assert "Không lưu được báo cáo vào tệp" in str(caught.value)
    assert caught.value.path == target
