"""`sotreem protection list` and `sotreem cases due`, run as the command line runs them."""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from desktop.cli.main import run_cli
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseService,
    ConsentService,
    InformantForm,
    SpecialEpisodeForm,
    SpecialService,
)
from tests.conftest import ADMIN_PASSWORD

from .conftest import Commune


def test_protection_list_and_cases_due(
    book: Book, commune: Commune, monkeypatch: pytest.MonkeyPatch, capsys, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    SpecialService(book).save(SpecialEpisodeForm(commune.an, 1, date(2025, 1, 1)))
    case = CaseService(book).submit(
        CaseForm(
            received_on=date(2026, 6, 30), received_time=time(7, 0), channel_code="NT02",
            children=(CaseChildForm(person_id=commune.binh),), forms=("XH01.1",),
            child_in_danger=True, informant=InformantForm("Bà Tư Bán Xôi", "0987654321"),
        )
    )  # fmt: skip
    assert run_cli(["protection", "list", "--kind", "special"]) == 0
    special = json.loads(capsys.readouterr().out)
    assert [r["full_name"] for r in special["rows"]] == ["Lê Văn An"]
    assert special["rows"][0]["birth_date"] == "2015-03-10"
    # The case list carries the children's case data: no consent, no reason, no list.
    target = tmp_path / "vu-viec.xlsx"
    assert run_cli(["protection", "list", "--kind", "cases", "--format", "xlsx",
                    "--output", str(target)]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert f"Vụ việc {case.case_no} chưa có sự đồng ý cho việc xuất dữ liệu" in err
    assert not target.exists()
    reason = ["--consent-not-needed", "Theo yêu cầu bằng văn bản của cơ quan điều tra",
              "--recipient", "Công an huyện"]  # fmt: skip
    assert run_cli(["protection", "list", "--kind", "cases", *reason]) == 0
    out = capsys.readouterr().out
    assert case.case_no in out and "Bà Tư" not in out and "0987654321" not in out
    assert run_cli(["protection", "list", "--kind", "cases", "--format", "xlsx",
                    "--output", str(target), *reason]) == 0  # fmt: skip
    assert target.read_bytes()[:2] == b"PK"
    recorded = ConsentService(book).of_case(case.id)
    assert [c.not_needed_reason for c in recorded] == [reason[1], reason[1]]
    assert "nơi nhận: Công an huyện" in recorded[0].scope
    assert run_cli(["protection", "list", "--kind", "injuries", "--format", "xlsx"]) == 2
    assert "--output" in capsys.readouterr().err
    assert run_cli(["cases", "due"]) == 0
    clocks = json.loads(capsys.readouterr().out)["clocks"]
    # Received 07:00 on 30/06, it is 09:00: the 12-hour clock comes first (due 19:00).
    assert [c["clock"] for c in clocks] == ["emergency", "written_report", "plan"]
    assert clocks[0]["due_at"] == "2026-06-30T19:00+07:00"
    assert clocks[0]["left"] == "Còn 10 giờ" and clocks[0]["state"] == "due"
