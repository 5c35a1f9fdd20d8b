"""`sotreem report --period …` and `sotreem indicators …`, run as separate processes."""

from __future__ import annotations

import json
from pathlib import Path

from sync import clock
from tests.unit.test_cli import _run


def test_period_report_json_pdf_xlsx_and_the_indicator_commands(
    sotreem_home: Path, tmp_path: Path
) -> None:
    demo = _run(sotreem_home, "demo", "--children", "60")
    assert demo.returncode == 0, demo.stderr
    report = _run(sotreem_home, "report", "--period", "2026-H1", "--format", "json",
                  "--as-of", "30/04/2026")  # fmt: skip
    assert report.returncode == 0, report.stderr
    data = json.loads(report.stdout)
    assert data["reference_date"] == "30/04/2026"
    ct14 = data["indicators"]["CT14"]
    assert ct14["status"] == "computed" and ct14["unit"] == "percent"
    assert {"value", "numerator", "denominator", "targets", "disaggregations"} <= set(ct14)
    assert data["indicators"]["CT05a"]["status"] == "missing"
    assert data["indicators"]["CT09"]["status"] == "computed"  # from the protection cases
    assert data["indicators"]["TK0101"]["value"] > 0
    for fmt in ("pdf", "xlsx"):
        out = tmp_path / f"bc.{fmt}"
        written = _run(sotreem_home, "report", "--period", "2026-H1", "--format", fmt,
                       "--output", str(out))  # fmt: skip
        assert written.returncode == 0, written.stderr
        assert out.stat().st_size > 1000
    assert _run(sotreem_home, "report", "population", "--format", "json").returncode == 0
    bad = _run(sotreem_home, "report", "--period", "H1-2026")
    assert bad.returncode == 2 and "2026-H1" in bad.stderr
    sheet = tmp_path / "phieu.xlsx"
    made = _run(sotreem_home, "indicators", "sheet", "--period", "2026-H1", "--unit", "HEALTH",
                "--output", str(sheet))  # fmt: skip
    assert made.returncode == 0, made.stderr
    back = _run(sotreem_home, "indicators", "import", "--period", "2026-H1", str(sheet))
    assert back.returncode == 0 and "Đã ghi 0 số liệu" in back.stdout
    this_year = f"{clock.today().year}-H1"  # the status lists this year's reports
    done = _run(sotreem_home, "indicators", "finalise", "--period", this_year)
    assert done.returncode == 0 and "Đã chốt số liệu" in done.stdout
    status = _run(sotreem_home, "indicators", "status")
    assert status.returncode == 0
    assert any(line.startswith(this_year) and "Đã chốt số liệu" in line
               for line in status.stdout.splitlines())  # fmt: skip
    cfc = _run(sotreem_home, "indicators", "cfc", "--year", "2026")
    assert cfc.returncode == 0 and "Chưa đạt" in cfc.stdout
