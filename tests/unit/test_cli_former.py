"""`sotreem report --period 2024 --former-commune …` and `report population --former-commune …`,
run as separate processes on the hand-made merged book (``former_hand_books.py``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from desktop.core.services.book import Book
from tests.unit.core.services.former_hand_books import merge_two_former_books
from tests.unit.test_cli import _run

# The merge is made on 15/08/2026; the commands run on the real clock, any day after 2024.
pytestmark = pytest.mark.today("2026-08-15")


def test_reports_of_each_former_commune_from_the_command_line(
    book: Book, sotreem_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    merge_two_former_books(book, monkeypatch, tmp_path / "xa-cu")
    book.close()
    counted = {}
    for code in ("11111", "22222", "12345"):
        done = _run(sotreem_home, "report", "--period", "2024", "--former-commune", code,
                    "--format", "json")  # fmt: skip
        assert done.returncode == 0, done.stderr
        data = json.loads(done.stdout)
        assert data["reference_date"] == "31/10/2024"
        counted[code] = data["indicators"]["TK0101"]["value"]
    assert counted == {"11111": 3, "22222": 3, "12345": 1}
    own = _run(sotreem_home, "report", "--period", "2024", "--format", "json")
    assert own.returncode == 0 and json.loads(own.stdout)["indicators"]["TK0101"]["value"] == 6
    for fmt in ("pdf", "xlsx"):
        out = tmp_path / f"minh-hung-2024.{fmt}"
        written = _run(sotreem_home, "report", "--period", "2024", "--former-commune", "11111",
                       "--format", fmt, "--output", str(out))  # fmt: skip
        assert written.returncode == 0, written.stderr
        assert out.stat().st_size > 1000
        assert "không chốt, không lưu và không gửi" in written.stdout
    population = _run(sotreem_home, "report", "population", "--former-commune", "22222",
                      "--date", "31/12/2024", "--format", "json")  # fmt: skip
    assert population.returncode == 0, population.stderr
    assert json.loads(population.stdout)["total"] == 3
    # After the merge: refused, in Vietnamese, exit code 2.
    late = _run(sotreem_home, "report", "--period", "2026", "--former-commune", "11111")
    assert late.returncode == 2
    assert "không kết thúc trước ngày gộp sổ của xã Minh Hưng (cũ) là 15/08/2026" in late.stderr
    unknown = _run(sotreem_home, "report", "--period", "2024", "--former-commune", "99999")
    assert unknown.returncode == 2 and "Sổ này không có xã cũ mã 99999" in unknown.stderr
