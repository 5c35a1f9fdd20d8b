"""Commune merges (the 2025 reform): the former communes' records become the new commune's.

An upstream administrator declares that former communes joined a new one on a day. In one
transaction the server then **re-homes** each current record (OLD, table, id) of a former
commune to (NEW, table, id), keeping its version, content and author, with a fresh change
number of the new commune so that its devices receive it once; the new commune's own rows
keep their numbers (nothing of theirs is downloaded again).

When the new commune already holds the same (table, id) (its book brought the former book in
and synced before the declaration), the two are folded into one: the **newer** version stays
current (higher version; on a tie the later ``updated_at``; on a full tie the new commune's),
and the other is kept in ``merge_set_aside`` unless both are the same version with the same
content. Nothing is lost silently.

Only the tables that follow the children (``sync.protocol.MERGED_TABLES``, the ones a book
brings in from a former book) are re-homed. The former communes' reports
(``periodic_reports``, ``report_snapshot_values``, ``report_documents``) and their copies for
the dashboard keep the former code and numbers, like its targets, sector figures, calendar
and assessments: they are history, never re-homed. A former risk category whose code the new
commune already holds is set aside, as the book keeps only its own (codes are unique).

A device of a former commune that pushes or pulls is told
which commune its commune joined, and nothing is written under the dead code.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sync import clock
from sync.protocol import MERGED_TABLES
from sync.server.models import AuditEntry, CommuneMerge, Record, SetAsideRecord
from sync.server.models.base import utcnow
from sync.server.repositories import merges as merges_repo
from sync.server.repositories import records as records_repo
from sync.server.services.errors import ErrorKind, ServiceError
from sync.server.services.users import UserInfo, parse_communes

MAX_ATTEMPTS = 3
_REHOMED = frozenset(MERGED_TABLES)
_RISK_CATEGORIES = "risk_categories"


@dataclass(frozen=True, slots=True)
class MergeResult:
    """What a declaration did (``declared`` lists the former codes merged by this call)."""

    into_code: str
    declared: tuple[str, ...]
    already: tuple[str, ...]  # merged into the same commune before: nothing done again
    moved: int  # records re-homed under the new code
    folded: int  # records the new commune held too, folded into one
    set_aside: int  # versions not kept current, stored in merge_set_aside


_DAY_RE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")


def parse_day(text: str) -> date:
    """A day written dd/mm/yyyy (INVALID with a Vietnamese message otherwise)."""
    match = _DAY_RE.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return date(int(match[3]), int(match[2]), int(match[1]))
    except ValueError:
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_date",
            f"Ngày phải viết dạng ngày/tháng/năm (dd/mm/yyyy), ví dụ 01/07/2025, "
            f"không phải “{text.strip()[:20]}”.",
        ) from None


def _label(session: Session, code: str) -> str:
    name = merges_repo.commune_name(session, code)
    return f"xã {name} ({code})" if name else f"xã {code}"


def _capital_label(session: Session, code: str) -> str:
    text = _label(session, code)
    return text[0].upper() + text[1:]


def refusal(session: Session, commune_code: str) -> ServiceError | None:
    """Why a device of ``commune_code`` may no longer sync (None while the commune lives)."""
    merge = merges_repo.get(session, commune_code)
    if merge is None:
        return None
    into = _label(session, merge.into_code)
    return ServiceError(
        ErrorKind.FORBIDDEN,
        "commune_merged",
        f"{_capital_label(session, commune_code)} đã được gộp vào {into} ngày "
        f"{clock.format_date(merge.merged_on)}; hãy cài sổ của {into} và gộp sổ này vào đó "
        f"(Gộp sổ của các xã cũ). Máy chủ không nhận thêm dữ liệu của mã xã {commune_code}.",
    )


def check_alive(session: Session, commune_code: str) -> None:
    """Raise the refusal of a merged commune."""
    problem = refusal(session, commune_code)
    if problem is not None:
        raise problem


def _check_request(
    user: UserInfo, into_code: str, former_codes: Sequence[str], merged_on: date
) -> tuple[str, ...]:
    into = parse_communes(into_code)
    if "," in into or into == "*":
        raise ServiceError(
            ErrorKind.INVALID, "invalid_communes", "Xã mới phải là một mã xã 5 chữ số."
        )
    formers = tuple(dict.fromkeys(parse_communes(code) for code in former_codes))
    if not formers or any("," in code or code == "*" for code in formers):
        raise ServiceError(
            ErrorKind.INVALID,
            "invalid_communes",
            "Hãy ghi mã 5 chữ số của từng xã cũ (--from), mỗi lần một mã.",
        )
    if into in formers:
        raise ServiceError(
            ErrorKind.INVALID,
            "merge_into_itself",
            f"Không gộp được xã {into} vào chính nó: xã mới phải khác các xã cũ.",
        )
    if merged_on > clock.today():
        raise ServiceError(
            ErrorKind.INVALID,
            "merge_in_future",
            f"Ngày gộp {clock.format_date(merged_on)} chưa đến "
            f"(hôm nay là {clock.format_date(clock.today())}).",
        )
    if user.role != "administrator" or user.disabled_at is not None:
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "not_administrator",
            f"Chỉ quản trị viên cấp trên mới được gộp xã; tài khoản {user.username} "
            "không có quyền này.",
        )
    outside = [code for code in (into, *formers) if not user.may_act_for(code)]
    if outside:
        raise ServiceError(
            ErrorKind.FORBIDDEN,
            "user_not_allowed",
            f"Tài khoản {user.username} không quản lý xã {', '.join(outside)}.",
        )
    return formers


def _newer(one: Record, other: Record) -> bool:
    """True when ``one`` is the version to keep current over ``other``."""
    return (one.version, clock.as_utc(one.updated_at)) > (
        other.version,
        clock.as_utc(other.updated_at),
    )


class _Rehomer:
    def __init__(self, session: Session, into: str, now: datetime) -> None:
        self._session = session
        self._into = into
        self._now = now
        self._counter = records_repo.lock_sequence(session, into)
        self.moved = self.folded = self.set_aside = 0

    def _next_seq(self) -> int:
        self._counter.last_seq += 1
        return self._counter.last_seq

    def _keep_aside(self, former: str, record: Record) -> None:
        self._session.add(
            SetAsideRecord(
                former_code=former,
                into_code=self._into,
                held_by=record.commune_code,
                table_name=record.table_name,
                record_id=record.record_id,
                version=record.version,
                deleted=record.deleted,
                data=dict(record.data),
                updated_at=record.updated_at,
                updated_by=record.updated_by,
                set_aside_at=self._now,
            )
        )
        self.set_aside += 1

    def rehome(self, former: str) -> tuple[int, int]:
        moved, folded = self.moved, self.folded
        rows = [
            r
            for r in records_repo.all_for_commune(self._session, former)
            if r.table_name in _REHOMED
        ]
        by_table: dict[str, list[Record]] = {}
        for row in rows:
            by_table.setdefault(row.table_name, []).append(row)
        for table, old_rows in by_table.items():
            here = records_repo.get_many(
                self._session, self._into, table, [r.record_id for r in old_rows]
            )
            taken = (
                merges_repo.live_values(self._session, self._into, table, "code")
                if table == _RISK_CATEGORIES
                else set()
            )
            for old in old_rows:
                new = here.get(old.record_id)
                if new is None and old.data.get("code") in taken:
                    self._keep_aside(former, old)
                    self._session.delete(old)
                    self.folded += 1
                    continue
                if new is None:
                    # The primary key changes in place: an UPDATE, not a copy.
                    old.commune_code = self._into
                    old.seq = self._next_seq()
                    self.moved += 1
                    continue
                self.folded += 1
                same = (
                    new.version == old.version
                    and new.deleted == old.deleted
                    and new.data == old.data
                )
                if _newer(old, new):
                    self._keep_aside(former, new)
                    new.version = old.version
                    new.deleted = old.deleted
                    new.data = dict(old.data)
                    new.updated_at = old.updated_at
                    new.updated_by = old.updated_by
                    new.received_at = old.received_at
                    new.device_id = old.device_id
                    new.author_user_id = old.author_user_id
                    new.seq = self._next_seq()
                elif not same:
                    self._keep_aside(former, old)
                self._session.delete(old)
        self._session.flush()
        return self.moved - moved, self.folded - folded


def declare(
    sessions: sessionmaker[Session],
    user: UserInfo,
    *,
    into_code: str,
    former_codes: Sequence[str],
    merged_on: date,
    now: datetime | None = None,
) -> MergeResult:
    """Declare that ``former_codes`` joined ``into_code`` on ``merged_on``; re-home their
    records in one transaction. Declaring the same merge again does nothing."""
    formers = _check_request(user, into_code, former_codes, merged_on)
    into = parse_communes(into_code)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        when = now or utcnow()
        try:
            with sessions.begin() as session:
                return _declare_once(
                    session, user, into=into, formers=formers, merged_on=merged_on, now=when
                )
        except IntegrityError:
            if attempt == MAX_ATTEMPTS:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _declare_once(
    session: Session,
    user: UserInfo,
    *,
    into: str,
    formers: tuple[str, ...],
    merged_on: date,
    now: datetime,
) -> MergeResult:
    # Every counter involved, in code order (two declarations never wait on each other in a
    # circle); a push of any of these communes waits for this transaction, then is refused.
    for code in sorted({into, *formers}):
        records_repo.lock_sequence(session, code)
    dead = merges_repo.get(session, into)
    if dead is not None:
        raise ServiceError(
            ErrorKind.CONFLICT,
            "merge_target_merged",
            f"{_capital_label(session, into)} đã được gộp vào "
            f"{_label(session, dead.into_code)} ngày {clock.format_date(dead.merged_on)}: "
            "không gộp thêm xã nào vào đó được.",
        )
    todo: list[str] = []
    already: list[str] = []
    for code in formers:
        known = merges_repo.get(session, code)
        if known is not None and known.into_code == into:
            already.append(code)
            continue
        if known is not None:
            raise ServiceError(
                ErrorKind.CONFLICT,
                "already_merged",
                f"{_capital_label(session, code)} đã được gộp vào "
                f"{_label(session, known.into_code)} ngày "
                f"{clock.format_date(known.merged_on)}, không gộp vào xã {into} được nữa.",
            )
        if merges_repo.is_new_commune(session, code):
            raise ServiceError(
                ErrorKind.CONFLICT,
                "former_is_new_commune",
                f"{_capital_label(session, code)} là xã mới của một lần gộp khác; "
                "không gộp tiếp nó vào xã khác được.",
            )
        if not merges_repo.known(session, code):
            raise ServiceError(
                ErrorKind.NOT_FOUND,
                "unknown_commune",
                f"Máy chủ không biết xã {code}: không có máy, bản ghi, báo cáo hay tên xã "
                "nào mang mã này. Hãy kiểm tra lại mã xã cũ.",
            )
        todo.append(code)
    rehomer = _Rehomer(session, into, now)
    for code in todo:
        moved, folded = rehomer.rehome(code)
        session.add(
            CommuneMerge(
                former_code=code,
                into_code=into,
                merged_on=merged_on,
                declared_at=now,
                declared_by=user.username,
                records_moved=moved,
                records_folded=folded,
            )
        )
        session.add(
            AuditEntry(
                at=now,
                username=user.username,
                action="communes_merged",
                target=f"{code} → {into}"[:200],
                detail=(
                    f"Gộp xã {code} vào xã {into} ngày {clock.format_date(merged_on)}: "
                    f"{moved} bản ghi chuyển sang mã mới, {folded} bản ghi trùng gộp làm một."
                ),
            )
        )
    return MergeResult(
        into_code=into,
        declared=tuple(todo),
        already=tuple(already),
        moved=rehomer.moved,
        folded=rehomer.folded,
        set_aside=rehomer.set_aside,
    )


def declared(sessions: sessionmaker[Session], user: UserInfo) -> list[CommuneMerge]:
    """The merges declared so far that ``user`` may see (by new commune, then former code)."""
    with sessions() as session:
        rows = [row for row in merges_repo.all_merges(session) if user.may_act_for(row.into_code)]
        session.expunge_all()
        return rows
