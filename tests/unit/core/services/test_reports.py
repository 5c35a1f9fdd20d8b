from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from desktop.core.services.book import Book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.reports import ReportService
from tests.conftest import ADMIN_PASSWORD

ON = date(2026, 6, 30)


def test_population_by_age_group_and_sex(book: Book, hamlet_id: str) -> None:
    children = [
        ChildForm("Bé Một", date(2026, 6, 30), 1),  # born on the day: counted, 0 years
        ChildForm("Bé Hai", date(2024, 7, 1), 2),  # 1 year
        ChildForm("Bé Ba", date(2023, 6, 30), 3),  # exactly 3: group 3–5
        ChildForm("Bé Bốn", date(2016, 1, 1), 1),  # 10
        ChildForm("Bé Năm", date(2010, 7, 1), 2),  # 15, turns 16 the next day
    ]
    HouseholdService(book).save_household(
        HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="Hà Văn Chủ", children=children),
        today=ON,
    )
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="2",
            head_name="Hà Văn Khác",
            children=[ChildForm("Bé Sáu", date(2010, 6, 30), 1, id=None)],
        ),
        today=date(2026, 6, 29),
    )  # 16 on ON: not a child any more
    report = ReportService(book).population(ON)
    by_label = {row.label: row for row in report.table.rows}
    assert (by_label["0–2 tuổi"].male, by_label["0–2 tuổi"].female) == (1, 1)
    assert by_label["3–5 tuổi"].unknown == 1
    assert by_label["6–10 tuổi"].male == 1
    assert by_label["11–15 tuổi"].female == 1
    assert report.total == 5
    # Every number traces back to the children behind it.
    assert sum(len(ids) for ids in report.members.values()) == 5
    assert report.as_json()["total"] == 5


def test_population_pdf_and_xlsx_written(book: Book, hamlet_id: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number="1",
            head_name="Hà Văn Chủ",
            children=[ChildForm("Bé Một", date(2020, 1, 1), 1)],
        ),
        today=ON,
    )
    service = ReportService(book)
    pdf = tmp_path / "dan-so.pdf"
    xlsx = tmp_path / "dan-so.xlsx"
    service.write_population(ON, pdf, "pdf", issued_on=date(2026, 7, 5))
    service.write_population(ON, xlsx, "xlsx", issued_on=date(2026, 7, 5))
    from pypdf import PdfReader

    content = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Xã Hoàng Kim" in content or "XÃ HOÀNG KIM" in content
    assert "30/06/2026" in content
    assert xlsx.stat().st_size > 0


def _pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader

    return "".join(page.extract_text() for page in PdfReader(path).pages)


def test_population_pdf_signer_and_upstream_office(book: Book, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import update

    from desktop.core.storage.models import CommuneSettings

    with book.transaction() as session:
        session.execute(update(CommuneSettings).values(upstream_unit="Sở Y tế tỉnh Lào Cai"))
    service = ReportService(book)
    given = tmp_path / "ky-ten.pdf"
    service.write_population(
        ON, given, "pdf", issued_on=ON,
        signer_name="Nguyễn Thị Lan", signer_lines=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
    )  # fmt: skip
    text = _pdf_text(given)
    assert "Nguyễn Thị Lan" in text
    assert "PHÓ CHỦ TỊCH" in text
    assert "Sở Y tế tỉnh Lào Cai (để b/c);" in text

    # Without a signer given, the one last typed on a periodic report signs.
    from desktop.core.services.indicators import IndicatorService

    IndicatorService(book).save_narrative(
        "2026-H1", {}, signer_name="Trần Văn Bình", signer_lines="TM. ỦY BAN NHÂN DÂN|CHỦ TỊCH"
    )
    assert service.last_signer() == ("Trần Văn Bình", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"])
    default = tmp_path / "mac-dinh.pdf"
    service.write_population(ON, default, "pdf", issued_on=ON)
    assert "Trần Văn Bình" in _pdf_text(default)


def test_cli_population_pdf_with_a_signer(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop.cli import run_cli

    book.close()
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    out = tmp_path / "cli.pdf"
    args = ["report", "population", "--format", "pdf", "--output", str(out)]
    args += ["--signer", "Đỗ Văn Minh", "--signer-title", "KT. CHỦ TỊCH|PHÓ CHỦ TỊCH"]
    assert run_cli(args) == 0
    text = _pdf_text(out)
    assert "Đỗ Văn Minh" in text
    assert "KT. CHỦ TỊCH" in text
