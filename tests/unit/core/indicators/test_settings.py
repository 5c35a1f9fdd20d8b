"""The administrator's targets and reporting calendar: what is refused, going back to the
default, and every change in the audit trail."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.indicators import definitions as defs
from desktop.core.services.indicators import IndicatorService, calendar_problems
from desktop.core.storage.models import AuditEntry


def _target_lines(book: Any) -> list[AuditEntry]:
    with book.read() as session:
        return list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.table_name == "indicator_targets")
                .order_by(AuditEntry.seq)
            )
        )


def test_every_default_target_is_readable() -> None:
    units = {d.code: d.unit for d in defs.indicators()}
    for t in defs.targets():
        assert defs.target_problem(t.text, units[t.code]) == "", (t.code, t.text)


@pytest.mark.parametrize(
    ("text", "unit", "problem"),
    [
        ("", "percent", ""),
        ("  từ 97 %  trở lên ", "percent", ""),
        ("không có", "count", ""),
        ("giảm 2–3% mỗi năm", "count", ""),
        ("dưới 0,4 ‰", "permille", ""),
        ("cao hơn năm trước", "percent", "Không đọc được mục tiêu «cao hơn năm trước»"),
        ("150%", "percent", "lớn hơn 100 %"),
        ("150/10.000", "per_10000", ""),
        ("9" * 201, "count", "dài quá 200 ký tự"),
    ],
)
def test_target_problem(text: str, unit: str, problem: str) -> None:
    found = defs.target_problem(text, unit)
    assert (found == "") if not problem else (problem in found)


def test_an_unreadable_target_is_refused_and_nothing_written(book: Any) -> None:
    service = IndicatorService(book)
    before = service.targets()
    with pytest.raises(ValidationError) as err:
        service.set_target("CT14", "commune", 2030, "thật tốt")
    assert err.value.problems[0].field == "text"
    assert "Không đọc được mục tiêu «thật tốt»" in err.value.message_vi
    with pytest.raises(ValidationError, match="lớn hơn 100"):
        service.set_target("CT14", "commune", 2030, "101%")
    assert service.targets() == before
    assert _target_lines(book) == []


def test_target_settings_show_the_default_beside_the_override(book: Any) -> None:
    service = IndicatorService(book)
    settings = service.target_settings()
    ct14 = settings[("CT14", "commune", 2030)]
    assert (ct14.text, ct14.default, ct14.overridden) == ("duy trì 100%", "duy trì 100%", False)
    assert "seed 003" in ct14.source
    assert ("CT14", "provincial", 2030) not in settings  # no provincial defaults
    service.set_target("CT14", "commune", 2030, "  99,5% ")
    service.set_target("CT14", "provincial", 2030, "98%")
    service.set_target("CT02", "national", 2025, "")  # no national target any more
    settings = service.target_settings()
    assert settings[("CT14", "commune", 2030)] == dataclasses.replace(
        ct14, text="99,5%", overridden=True
    )
    provincial = settings[("CT14", "provincial", 2030)]
    assert (provincial.text, provincial.default, provincial.overridden) == ("98%", "", True)
    assert settings[("CT02", "national", 2025)].text == ""
    assert [t.year for t in service.targets()["CT02"] if t.level == "national"] == [2030]


def test_reset_target_brings_the_default_back_and_is_audited(book: Any) -> None:
    service = IndicatorService(book)
    assert not service.reset_target("CT14", "commune", 2030)  # nothing to reset
    service.set_target("CT14", "commune", 2030, "99%")
    service.set_target("CT14", "commune", 2030, "98%")
    commune = {t.year: t for t in service.targets()["CT14"] if t.level == "commune"}
    assert commune[2030].text == "98%" and commune[2030].source == "quản trị viên"
    assert service.reset_target("CT14", "commune", 2030)
    commune = {t.year: t for t in service.targets()["CT14"] if t.level == "commune"}
    assert commune[2030].text == "duy trì 100%" and "seed 003" in commune[2030].source
    assert not service.target_settings()[("CT14", "commune", 2030)].overridden
    lines = _target_lines(book)
    assert [line.action for line in lines] == ["create", "update", "delete"]
    assert {line.username for line in lines} == {"admin"}
    assert json.loads(lines[1].after) == {"text": "98%"}
    assert json.loads(lines[2].after)["deleted"] is True
    # Set again after a reset: a new override, the tombstone stays in the trail.
    service.set_target("CT14", "commune", 2030, "97%")
    assert service.target_settings()[("CT14", "commune", 2030)].text == "97%"


def test_calendar_problems_name_their_field() -> None:
    ok = {
        "start": date(2026, 1, 1),
        "end": date(2026, 4, 30),
        "reference": date(2026, 4, 30),
        "due": date(2026, 5, 10),
    }
    assert calendar_problems(2026, **ok) == []
    assert calendar_problems(2026, **{**ok, "start": date(2025, 12, 15)}) == []

    def fields(**changed: date) -> dict[str, str]:
        return {p.field: p.message for p in calendar_problems(2026, **{**ok, **changed})}

    assert fields(end=date(2025, 12, 31)) == {
        "period_end": "Ngày kết thúc kỳ (31/12/2025) ở trước ngày bắt đầu (01/01/2026)."
    }
    assert "phải kết thúc trong năm 2026" in fields(end=date(2027, 4, 30))["period_end"]
    assert (
        "ở sau ngày kết thúc kỳ (30/04/2026)"
        in fields(reference=date(2026, 5, 1))["reference_date"]
    )
    assert "ở trước ngày bắt đầu kỳ" in fields(reference=date(2025, 12, 1))["reference_date"]
    assert fields(due=date(2026, 4, 29)) == {
        "due_date": "Hạn gửi (29/04/2026) ở trước ngày tính số liệu (30/04/2026)."
    }


def test_set_calendar_refuses_with_every_problem(book: Any) -> None:
    service = IndicatorService(book)
    with pytest.raises(ValidationError) as err:
        service.set_calendar(
            "2026-H1",
            start=date(2026, 5, 1),
            end=date(2026, 4, 30),
            reference=date(2026, 4, 30),
            due=date(2026, 4, 1),
        )
    assert {p.field for p in err.value.problems} == {"period_end", "reference_date", "due_date"}
    assert service.calendar("2026-H1").due == date(2026, 5, 10)  # nothing written
    service.set_calendar(
        "2026-H1",
        start=date(2026, 1, 1),
        end=date(2026, 4, 30),
        reference=date(2026, 4, 30),
        due=date(2026, 5, 15),
    )
    assert service.calendar("2026-H1").due == date(2026, 5, 15)
    assert service.calendar("2027-H1").due == date(2027, 5, 10)  # other years: the default


def test_only_the_administrator_changes_targets_and_calendar(book: Any) -> None:
    book.user = dataclasses.replace(book.user, role=Role.OFFICER)
    service = IndicatorService(book)
    with pytest.raises(PermissionDenied):
        service.set_target("CT14", "commune", 2030, "99%")
    with pytest.raises(PermissionDenied):
        service.reset_target("CT14", "commune", 2030)
    with pytest.raises(PermissionDenied):
        service.set_calendar(
            "2026-H1",
            start=date(2026, 1, 1),
            end=date(2026, 4, 30),
            reference=date(2026, 4, 30),
            due=date(2026, 5, 15),
        )
    assert service.target_settings()[("CT14", "commune", 2030)].text == "duy trì 100%"
