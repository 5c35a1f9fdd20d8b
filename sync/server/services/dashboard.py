"""What the dashboard's administration and communes pages read and change."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from sync.server.models import AuditEntry, Commune, ReportDeadline, ServerSetting
from sync.server.models.base import utcnow
from sync.server.repositories import reports as repo
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.reports import SILENT_DAYS
from sync.server.services.users import UserInfo

TIER_KEY = "upstream_tier"
TIER_NAMES = {"province": "Tỉnh", "district": "Huyện"}
OFFICE_KEY = "office_name"
COMMUNE_TYPES = {
    "urban": "Phường, thị trấn",
    "rural": "Xã đồng bằng",
    "mountain": "Xã miền núi, vùng khó khăn",
}
_CODE = re.compile(r"^[0-9]{5}$")


@dataclass(frozen=True, slots=True)
class CommuneRow:
    """A commune on the communes page."""

    code: str
    name: str
    commune_type: str
    type_label: str
    province_code: str
    last_seen_at: datetime | None
    silent: bool
    problems: int
    devices: int
    active_devices: int


@dataclass(frozen=True, slots=True)
class DeadlineRow:
    """A line of the reporting calendar."""

    province_code: str
    year: int
    report_type: str
    due_day: int
    due_month: int


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit entry."""

    at: datetime
    username: str
    action: str
    target: str
    detail: str


def _problems(answer: str | None) -> int:
    if not answer:
        return 0
    try:
        problems = json.loads(answer).get("problems", [])
    except (ValueError, AttributeError):
        return 0
    return len(problems) if isinstance(problems, list) else 0


def communes(
    sessions: sessionmaker[Session], user: UserInfo, *, now: datetime | None = None
) -> list[CommuneRow]:
    """The in-scope communes with their last sync, pending sync problems and devices."""
    now = now or utcnow()
    with sessions() as session:
        typed = {c.code: c for c in repo.communes(session)}
        codes = repo.known_commune_codes(session)
        if user.communes is not None:
            codes = set(user.communes)
        seen = repo.last_seen_by_commune(session)
        devices = repo.devices_by_commune(session)
        answers = repo.last_batch_answers(session)
    rows = []
    for code in sorted(codes):
        commune = typed.get(code)
        last = seen.get(code)
        total, live = devices.get(code, (0, 0))
        kind = commune.commune_type if commune else ""
        rows.append(
            CommuneRow(
                code=code,
                name=commune.name if commune else "",
                commune_type=kind,
                type_label=COMMUNE_TYPES.get(kind, kind or "chưa ghi"),
                province_code=commune.province_code if commune else "",
                last_seen_at=last,
                silent=last is None or now - last > timedelta(days=SILENT_DAYS),
                problems=_problems(answers.get(code)),
                devices=total,
                active_devices=live,
            )
        )
    return rows


def save_commune(
    sessions: sessionmaker[Session],
    actor: str,
    *,
    code: str,
    name: str,
    commune_type: str,
    province_code: str,
) -> None:
    """Add or change a commune's name, type and province (administrators)."""
    code = code.strip()
    if not _CODE.fullmatch(code):
        raise ServiceError(ErrorKind.INVALID, "invalid_commune", "Mã xã phải gồm đúng 5 chữ số.")
    if not name.strip():
        raise ServiceError(ErrorKind.INVALID, "invalid_name", "Chưa nhập tên xã.")
    if commune_type not in COMMUNE_TYPES:
        raise ServiceError(ErrorKind.INVALID, "invalid_type", "Loại xã không hợp lệ.")
    province = province_code.strip()
    if province and not re.fullmatch(r"^[0-9]{2}$", province):
        raise ServiceError(ErrorKind.INVALID, "invalid_province", "Mã tỉnh gồm 2 chữ số.")
    with sessions.begin() as session:
        row = session.get(Commune, code)
        if row is None:
            row = Commune(code=code)
            session.add(row)
        row.name = name.strip()[:200]
        row.commune_type = commune_type
        row.province_code = province
        session.add(
            AuditEntry(
                at=utcnow(),
                username=actor,
                action="commune_saved",
                target=code,
                detail=f"{row.name}; {commune_type}; tỉnh {province or '—'}",
            )
        )


def deadlines(sessions: sessionmaker[Session]) -> list[DeadlineRow]:
    """The reporting calendar."""
    with sessions() as session:
        return [
            DeadlineRow(d.province_code, d.year, d.report_type, d.due_day, d.due_month)
            for d in repo.deadlines(session)
        ]


def save_deadline(
    sessions: sessionmaker[Session],
    actor: str,
    *,
    province_code: str,
    year: int,
    report_type: str,
    due_day: int,
    due_month: int,
) -> None:
    """Set one deadline (province "" = every province, year 0 = every year)."""
    from datetime import date

    province = province_code.strip()
    if province and not re.fullmatch(r"^[0-9]{2}$", province):
        raise ServiceError(
            ErrorKind.INVALID, "invalid_province", "Mã tỉnh gồm 2 chữ số hoặc để trống."
        )
    if report_type not in ("H1", "9M", "Y"):
        raise ServiceError(ErrorKind.INVALID, "invalid_type", "Loại báo cáo phải là H1, 9M hoặc Y.")
    if year != 0 and not 2000 <= year <= 2100:
        raise ServiceError(
            ErrorKind.INVALID, "invalid_year", "Năm từ 2000 đến 2100, hoặc 0 (mọi năm)."
        )
    try:
        date(year or 2024, due_month, due_day)
    except ValueError:
        raise ServiceError(
            ErrorKind.INVALID, "invalid_date", f"Ngày {due_day}/{due_month} không có thật."
        ) from None
    with sessions.begin() as session:
        row = session.get(ReportDeadline, (province, year, report_type))
        if row is None:
            row = ReportDeadline(province_code=province, year=year, report_type=report_type)
            session.add(row)
        row.due_day, row.due_month = due_day, due_month
        session.add(
            AuditEntry(
                at=utcnow(),
                username=actor,
                action="deadline_saved",
                target=f"{province or '*'}/{year or '*'}/{report_type}",
                detail=f"hạn {due_day:02d}/{due_month:02d}",
            )
        )


def tier(sessions: sessionmaker[Session]) -> tuple[str, str]:
    """The upstream tier (province | district) and the office's name."""
    with sessions() as session:
        return (
            repo.setting(session, TIER_KEY) or "province",
            repo.setting(session, OFFICE_KEY) or "",
        )


def save_tier(sessions: sessionmaker[Session], actor: str, tier_code: str, office: str) -> None:
    """Set the upstream tier and the office's name (administrators)."""
    if tier_code not in TIER_NAMES:
        raise ServiceError(ErrorKind.INVALID, "invalid_tier", "Cấp phải là tỉnh hoặc huyện.")
    with sessions.begin() as session:
        for key, value in ((TIER_KEY, tier_code), (OFFICE_KEY, office.strip()[:200])):
            row = session.get(ServerSetting, key)
            if row is None:
                session.add(ServerSetting(key=key, value=value))
            else:
                row.value = value
        session.add(
            AuditEntry(
                at=utcnow(),
                username=actor,
                action="tier_saved",
                target=tier_code,
                detail=office.strip()[:200],
            )
        )


def audit(sessions: sessionmaker[Session], limit: int = 200) -> list[AuditRow]:
    """The most recent audit entries."""
    with sessions() as session:
        return [
            AuditRow(a.at, a.username, a.action, a.target, a.detail)
            for a in repo.audit(session, limit)
        ]


def device_commune(sessions: sessionmaker[Session], device_id: str) -> str:
    """The commune of a device ("" when there is no such device)."""
    from sync.server.repositories import devices as devices_repo

    with sessions() as session:
        row = devices_repo.get(session, device_id)
        return row.commune_code if row is not None else ""
