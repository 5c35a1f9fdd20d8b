"""The audit trail as the officer sees it: browse with filters, verify the chain, record events.

Changes of rows are written by the session hook (``storage/audit_hook.py``); this module records
what the hook cannot see — views of sensitive records, logins, exports, backups, restores — and
reads the trail back. Values of personal fields stay inside the encrypted book: nothing here
writes them to a log file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.exc import DatabaseError

from desktop import paths
from desktop.core.domain.labels import TABLE_LABELS
from desktop.core.domain.permissions import Action
from desktop.core.services.unlocked import Book
from desktop.core.storage import audit_hook
from desktop.core.storage.audit_hook import AuditAction, NewEntry, compute_hash
from desktop.core.storage.engine import make_engine, make_session_factory
from desktop.core.storage.models import AuditEntry, FormerAuditEntry
from desktop.core.storage.repositories import audit as repo
from desktop.core.storage.repositories import merge_book as merge_repo
from desktop.core.storage.repositories import users as users_repo
from desktop.core.storage.repositories.audit import AuditQuery
from sync import clock

log = logging.getLogger(__name__)

PAGE_SIZE = 200

ACTION_LABELS: dict[str, str] = {
    AuditAction.CREATE: "Thêm mới",
    AuditAction.UPDATE: "Sửa",
    AuditAction.DELETE: "Xóa",
    AuditAction.VIEW: "Xem",
    AuditAction.LOGIN: "Đăng nhập",
    AuditAction.LOGIN_FAILED: "Đăng nhập sai",
    AuditAction.PASSWORD_CHANGE: "Đổi mật khẩu",
    AuditAction.PASSWORD_RESET: "Đặt lại mật khẩu",
    AuditAction.RECOVERY_CODE: "Cấp mã khôi phục mới",
    AuditAction.EXPORT: "Xuất tệp",
    AuditAction.BACKUP: "Sao lưu",
    AuditAction.RESTORE: "Khôi phục",
    AuditAction.SETTINGS: "Cài đặt",
    AuditAction.SYNC_CREATE: "Thêm (đồng bộ)",
    AuditAction.SYNC_UPDATE: "Sửa (đồng bộ)",
    AuditAction.SYNC_DELETE: "Xóa (đồng bộ)",
    AuditAction.MERGE_BOOK: "Gộp sổ xã cũ",
    AuditAction.MERGE_LIST: "Gộp danh sách xã cũ",
}


@dataclass(frozen=True)
class FieldChange:
    """One field of an audit line: its value before and after ("" when absent)."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditRow:
    """One line of the trail, ready to show."""

    seq: int
    at: datetime  # aware, UTC
    username: str
    action: str
    action_label: str
    table_name: str
    table_label: str
    record_id: str
    changes: tuple[FieldChange, ...]

    def summary(self) -> str:
        """A short description of the changed fields, e.g. "head_name, address"."""
        return ", ".join(change.field for change in self.changes)


@dataclass(frozen=True)
class AuditFilter:
    """What the officer filters on; dates are local calendar days, both inclusive."""

    username: str | None = None
    action: str | None = None
    table_name: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    record_id: str | None = None


@dataclass(frozen=True)
class AuditPage:
    """A page of lines (newest first) and how many match in all."""

    rows: list[AuditRow]
    total: int
    offset: int
    limit: int


@dataclass(frozen=True)
class FilterChoices:
    """Values present in the trail, for the filter drop-downs."""

    usernames: list[str]
    actions: list[tuple[str, str]]  # (code, label)
    tables: list[tuple[str, str]]


@dataclass(frozen=True)
class ChainReport:
    """The result of walking the chain."""

    ok: bool
    checked: int
    broken_seq: int | None
    broken_at: datetime | None  # aware, UTC
    message_vi: str


def local_text(at: datetime) -> str:
    """``at`` as Vietnam's time, dd/mm/yyyy HH:MM:SS."""
    return clock.format_datetime(at, seconds=True)


def _query(filters: AuditFilter) -> AuditQuery:
    return AuditQuery(
        username=filters.username or None,
        action=filters.action or None,
        table_name=filters.table_name or None,
        since=clock.local_day_start(filters.date_from) if filters.date_from else None,
        until=(
            clock.local_day_start(filters.date_to + timedelta(days=1)) if filters.date_to else None
        ),
        record_id=(filters.record_id or "").strip() or None,
    )


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "có" if value else "không"
    return str(value)


def _changes(before: str, after: str, record_id: str = "") -> tuple[FieldChange, ...]:
    rows = audit_hook.batch_rows(after)
    if rows is not None:
        return _batch_changes(rows, record_id)
    old: Mapping[str, Any] = json.loads(before) if before else {}
    new: Mapping[str, Any] = json.loads(after) if after else {}
    fields = list(dict.fromkeys([*new.keys(), *old.keys()]))
    return tuple(FieldChange(f, _as_text(old.get(f)), _as_text(new.get(f))) for f in fields)


def _batch_changes(rows: list[dict[str, Any]], record_id: str) -> tuple[FieldChange, ...]:
    """A batch line (a bulk load): the one row asked for, or how many rows and their ids."""
    if record_id:
        for row in rows:
            values = list(row.values())
            if values and str(values[0]) == record_id:
                return tuple(FieldChange(f, "", _as_text(v)) for f, v in row.items())
    ids = [str(next(iter(row.values()), "")) for row in rows]
    shown = ", ".join(ids[:5]) + (", …" if len(ids) > 5 else "")
    return (FieldChange(BATCH_FIELD, "", f"{len(rows)}: {shown}"),)


BATCH_FIELD = "so_ban_ghi"


def _batch_holds(after: str, record_id: str) -> bool:
    rows = audit_hook.batch_rows(after)
    return rows is not None and any(str(next(iter(row.values()), "")) == record_id for row in rows)


def _action_label(entry: AuditEntry | FormerAuditEntry) -> str:
    label = ACTION_LABELS.get(entry.action, entry.action)
    if isinstance(entry, FormerAuditEntry):
        return f"{label} (sổ xã cũ {entry.commune_code})"
    return label


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _former_history(session: Any, query: AuditQuery) -> list[FormerAuditEntry]:
    """The kept lines of former books about ``query.record_id``, newest first."""
    assert query.record_id is not None
    found = []
    for entry in merge_repo.former_lines_of(session, query.record_id):
        if entry.record_id != query.record_id and not _batch_holds(entry.after, query.record_id):
            continue
        if query.username and entry.username != query.username:
            continue
        if query.action and entry.action != query.action:
            continue
        if query.table_name and entry.table_name != query.table_name:
            continue
        at = _as_utc(entry.at)
        if query.since is not None and at < _as_utc(query.since):
            continue
        if query.until is not None and at >= _as_utc(query.until):
            continue
        found.append(entry)
    found.sort(key=lambda e: (_as_utc(e.at), e.seq), reverse=True)
    return found


class AuditService:
    """Reads and verifies the audit trail (administrators only)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def page(self, filters: AuditFilter, offset: int = 0, limit: int = PAGE_SIZE) -> AuditPage:
        """Lines matching ``filters``, newest first, ``limit`` from ``offset``."""
        self._book.user.require(Action.VIEW_AUDIT)
        query = _query(filters)
        with self._book.read() as session:
            if query.record_id:
                # A record's history is short; a bulk load wrote its creation in a batch line.
                own = list(repo.page(session, query, 0, 1_000_000))
                batches = [
                    e
                    for e in repo.batch_lines(session, query)
                    if e.record_id != query.record_id and _batch_holds(e.after, query.record_id)
                ]
                found: list[Any] = sorted([*own, *batches], key=lambda e: e.seq, reverse=True)
                # Then its history in a former commune's book it came from (kept verbatim).
                found += _former_history(session, query)
                total = len(found)
                entries = found[max(0, offset) : max(0, offset) + max(1, limit)]
            else:
                total = repo.count(session, query)
                entries = list(repo.page(session, query, max(0, offset), max(1, limit)))
            rows = [
                AuditRow(
                    seq=e.seq,
                    at=e.at,
                    username=e.username,
                    action=e.action,
                    action_label=_action_label(e),
                    table_name=e.table_name,
                    table_label=TABLE_LABELS.get(e.table_name, e.table_name),
                    record_id=query.record_id or e.record_id,
                    changes=_changes(e.before, e.after, query.record_id or ""),
                )
                for e in entries
            ]
        return AuditPage(rows, total, offset, limit)

    def choices(self) -> FilterChoices:
        """The users, actions and tables present in the trail."""
        self._book.user.require(Action.VIEW_AUDIT)
        with self._book.read() as session:
            usernames = repo.distinct_values(session, "username")
            actions = repo.distinct_values(session, "action")
            tables = repo.distinct_values(session, "table_name")
        return FilterChoices(
            usernames=usernames,
            actions=[(a, ACTION_LABELS.get(a, a)) for a in actions],
            tables=[(t, TABLE_LABELS.get(t, t)) for t in tables],
        )

    def verify(self) -> ChainReport:
        """Walk the whole chain; the first broken link is reported."""
        self._book.user.require(Action.VIEW_AUDIT)
        with self._book.read() as session:
            return verify_chain(repo.walk(session))

    def verify_former(self) -> list[FormerTrailReport]:
        """The kept trails of the former communes' books merged into this one, each checked."""
        self._book.user.require(Action.VIEW_AUDIT)
        with self._book.read() as session:
            return verify_former_trails(session)


@dataclass(frozen=True)
class FormerTrailReport:
    """The kept trail of one former commune's book: its own chain, and its pin in this one."""

    book_id: str
    commune_code: str
    chain: ChainReport
    # The length and last hash that this book's "merge_book" line recorded are the kept ones.
    pinned: bool

    @property
    def ok(self) -> bool:
        """True when the kept trail is whole and is the one that was brought in."""
        return self.chain.ok and self.pinned

    @property
    def message_vi(self) -> str:
        """One line for the officer or the terminal."""
        where = f"Nhật ký của sổ xã cũ (mã {self.commune_code})"
        if not self.chain.ok:
            return f"{where}: {self.chain.message_vi}"
        if not self.pinned:
            return (
                f"{where}: {self.chain.checked} dòng liền mạch, nhưng không khớp với điều đã ghi "
                "khi gộp sổ (có dòng bị thay hoặc bớt). Hãy báo ngay cho quản trị viên."
            )
        return f"{where}: nguyên vẹn, {self.chain.checked} dòng, đúng như khi gộp sổ."


def verify_former_trails(session: Any) -> list[FormerTrailReport]:
    """Walk every kept former trail, and check it against the merge lines that recorded it."""
    recorded: dict[str, list[tuple[int, str]]] = {}
    for book_id, after in merge_repo.merge_lines(session):
        try:
            values = json.loads(after)
            recorded.setdefault(book_id, []).append(
                (int(values["former_audit_lines"]), str(values["former_audit_head"]))
            )
        except (ValueError, KeyError, TypeError):
            recorded.setdefault(book_id, []).append((-1, ""))
    reports = []
    for book_id, code in merge_repo.former_trails(session):
        lines = (
            line for chunk in merge_repo.former_trail_lines(session, book_id) for line in chunk
        )
        chain = verify_chain(lines)
        pins = recorded.get(book_id, [])
        pinned = bool(pins)
        for count, head in pins:
            line = merge_repo.former_line(session, book_id, count) if count > 0 else None
            if count != 0 and (line is None or line.entry_hash != head):
                pinned = False
        reports.append(FormerTrailReport(book_id, code, chain, pinned))
    return reports


def verify_chain(entries: Any) -> ChainReport:
    """Check each line's link to the previous one and its own hash, in order."""
    prev_hash = audit_hook.GENESIS_HASH
    prev_seq = 0
    checked = 0
    for entry in entries:
        problem = None
        if entry.seq != prev_seq + 1:
            problem = (
                f"không liền sau dòng số {prev_seq}: có dòng đã bị xóa "
                f"(số thứ tự nhảy từ {prev_seq} lên {entry.seq})"
            )
        elif entry.prev_hash != prev_hash:
            problem = "không khớp với dòng trước nó: dòng trước đã bị sửa, xóa hoặc thay"
        else:
            expected = compute_hash(
                entry.prev_hash,
                seq=entry.seq,
                at=entry.at,
                username=entry.username,
                action=entry.action,
                table_name=entry.table_name,
                record_id=entry.record_id,
                before=entry.before,
                after=entry.after,
            )
            if expected != entry.entry_hash:
                problem = "đã bị sửa nội dung sau khi ghi"
        if problem is not None:
            at = entry.at
            return ChainReport(
                ok=False,
                checked=checked,
                broken_seq=entry.seq,
                broken_at=at,
                message_vi=(
                    f"Nhật ký đã bị can thiệp: dòng số {entry.seq} (ghi lúc {local_text(at)}) "
                    f"{problem}. Các dòng từ đó trở đi không còn đáng tin; {checked} dòng trước "
                    "đó vẫn nguyên vẹn. Hãy báo ngay cho quản trị viên và giữ nguyên máy."
                ),
            )
        prev_hash = entry.entry_hash
        prev_seq = entry.seq
        checked += 1
    return ChainReport(
        ok=True,
        checked=checked,
        broken_seq=None,
        broken_at=None,
        message_vi=(
            f"Nhật ký nguyên vẹn: đã kiểm tra {checked} dòng, không dòng nào bị sửa hay xóa."
        ),
    )


# -- recording events the session hook cannot see ------------------------------------------


def record_event(
    book: Book,
    action: AuditAction,
    *,
    table_name: str = "",
    record_id: str = "",
    after: Mapping[str, Any] | None = None,
    before: Mapping[str, Any] | None = None,
) -> None:
    """Append one line for the current user, in its own transaction."""
    with book.transaction() as session:
        audit_hook.record(
            session,
            [NewEntry(book.user.username, action.value, table_name, record_id, before, after)],
        )


def record_views(
    book: Book, table_name: str, record_ids: Sequence[str], fields: Sequence[str]
) -> None:
    """Record that the current user was shown the sensitive ``fields`` of these records."""
    if not record_ids:
        return
    with book.transaction() as session:
        audit_hook.record(
            session,
            [
                NewEntry(
                    book.user.username,
                    AuditAction.VIEW.value,
                    table_name,
                    record_id,
                    None,
                    {"fields": list(fields)},
                )
                for record_id in record_ids
            ],
        )


def record_export(
    book: Book, *, what: str, path: str, rows: int, protected: bool, personal: bool
) -> None:
    """Record a file leaving the app: what, where to, how many rows, password or not."""
    record_event(
        book,
        AuditAction.EXPORT,
        table_name="export",
        after={
            "what": what,
            "file": path,
            "rows": rows,
            "password_protected": protected,
            "personal_data": personal,
        },
    )


def record_login(
    book: Book, failed_before: tuple[int, datetime | None], now: datetime | None = None
) -> None:
    """The login of the current user, after any wrong tries since their last login."""
    failures, last_failure = failed_before
    entries = []
    name = book.user.username
    if failures:
        entries.append(
            NewEntry(
                name,
                AuditAction.LOGIN_FAILED.value,
                "users",
                book.user.id,
                None,
                {"attempts": failures, "last_attempt": last_failure},
            )
        )
    entries.append(NewEntry(name, AuditAction.LOGIN.value, "users", book.user.id, None, None))
    with book.transaction() as session:
        user = users_repo.get(session, book.user.id)
        if user is not None:
            user.last_login_at = now or clock.now()
        audit_hook.record(session, entries)


def record_recovery_reset(master_key: bytes, username: str) -> None:
    """After a password was set with the recovery code: one audit line, if the book opens."""
    engine = make_engine(paths.book_file(), master_key)
    try:
        sessions = make_session_factory(engine)
        with sessions() as session, session.begin():
            user = users_repo.by_username(session, username)
            audit_hook.record(
                session,
                [
                    NewEntry(
                        username,
                        AuditAction.PASSWORD_RESET.value,
                        "users",
                        user.id if user else "",
                        None,
                        {"by": "recovery_code"},
                    )
                ],
            )
    except DatabaseError:
        # The password is reset in the key file; a damaged book is the restore's business.
        log.warning("Could not record the recovery reset in the audit trail")
    finally:
        engine.dispose()
