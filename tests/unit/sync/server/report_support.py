"""Builders of a commune's finalised report as the app syncs it (periodic_reports and
report_snapshot_values rows), and a signed-in dashboard client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from sync.server.services import users
from tests.unit.sync.server.support import EnrolledDevice, batch, new_id, push

PASSWORD = "mat-khau-cap-tren-2026"


@dataclass(frozen=True)
class Figure:
    """One indicator total of a report."""

    code: str
    unit: str
    value: float | None
    numerator: float | None = None
    denominator: float | None = None


def report_row(
    report_id: str, period: str, *, version: int = 1, state: str = "finalised", base: int = 0
) -> dict[str, Any]:
    """The ``periodic_reports`` item of one report version."""
    return {
        "table": "periodic_reports",
        "id": report_id,
        "version": base + 1,
        "base_version": base,
        "deleted": False,
        "updated_at": "2026-05-01T08:00:00+07:00",
        "updated_by": "can-bo-xa",
        "data": {
            "period_code": period,
            "report_version": version,
            "state": state,
            "finalised_at": "2026-05-01T08:00:00+07:00" if state == "finalised" else None,
        },
    }


def value_rows(report_id: str, figures: list[Figure]) -> list[dict[str, Any]]:
    """The ``report_snapshot_values`` items (totals, and one disaggregation cell each)."""
    rows = []
    for f in figures:
        for dimension in ("", "sex"):
            rows.append(
                {
                    "table": "report_snapshot_values",
                    "id": new_id(),
                    "version": 1,
                    "base_version": 0,
                    "deleted": False,
                    "updated_at": "2026-05-01T08:00:00+07:00",
                    "updated_by": "can-bo-xa",
                    "data": {
                        "report_id": report_id,
                        "indicator_code": f.code,
                        "dimension": dimension,
                        "cell_code": "2" if dimension else "",
                        "label": f"Chỉ tiêu {f.code}",
                        "status": "ok",
                        "unit": f.unit,
                        "value": f.value,
                        "numerator": f.numerator,
                        "denominator": f.denominator,
                        "detail": '{"definition": "Định nghĩa", "targets": '
                        '[["national", 2030, "95%"], ["commune", 2030, "100%"]]}'
                        if not dimension
                        else "",
                    },
                }
            )
    return rows


def send_report(
    http: TestClient,
    device: EnrolledDevice,
    period: str,
    figures: list[Figure],
    *,
    version: int = 1,
) -> str:
    """Push a finalised report version through the real push endpoint; its id."""
    report_id = new_id()
    items = [report_row(report_id, period, version=version), *value_rows(report_id, figures)]
    response = push(http, device, batch(device, *items))
    assert response.status_code == 200, response.text
    assert set(response.json()["statuses"]) == {"a"}, response.text
    return report_id


def make_user(
    sessions: sessionmaker[Session], username: str, role: str, communes: str = "*"
) -> None:
    """An upstream account with the shared test password."""
    users.create_user(sessions, username, f"Cán bộ {username}", PASSWORD, communes, role=role)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(http: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign in through the form; returns the CSRF token of the session."""
    response = http.post(
        "/dang-nhap", data={"username": username, "password": password, "tiep": "/xa"}
    )
    assert response.status_code == 200, response.text  # followed the redirect to /xa
    return csrf_of(response.text)
