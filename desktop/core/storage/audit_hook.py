"""The audit trail: every change of a book row is written, hash-chained, in its own transaction.

A session hook (installed beside ``tracking.py``'s) turns each flush into audit lines — who,
when, what, and the changed fields before and after — inserted on the same connection, in the
same transaction as the change, so a line exists if and only if the change committed. ORM
bulk statements (``session.execute(insert(Model), rows)``, ``update(...)``, ``delete(...)``)
are audited too. Each line's ``entry_hash`` is SHA-256 over the previous line's hash and the
line's canonical content, so editing or removing a line breaks the chain from there on.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, event, inspect, select
from sqlalchemy.engine import Result
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from desktop.core.storage.base import Base, new_id
from desktop.core.storage.engine import take_write_lock
from desktop.core.storage.repositories import audit as repo
from desktop.core.storage.tracking import SYNC_APPLY, USERNAME
from sync import clock

GENESIS_HASH = "0" * 64
# The sync machinery's own working rows are not audited: a kept batch is a copy of rows whose
# every change is already audited (and would put up to 500 rows' values in the trail twice per
# batch); the inbox holds received rows until they are applied, which is audited as sync_*.
# A former commune's trail kept verbatim is its own proof (its chain), pinned by the
# ``merge_book`` line that records its last hash: copying its lines into this chain again
# would only double them.
NOT_AUDITED_TABLES = frozenset(
    {
        "audit_entries",
        "alembic_version",
        "sync_outbox_batches",
        "sync_inbox",
        "former_audit_entries",
    }
)
# Bookkeeping that changes on every save or sync: not what a person changed.
_BOOKKEEPING = frozenset(
    {"version", "synced_version", "updated_at", "updated_by", "sync_state", "sync_error"}
)
_SKIPPED_PER_TABLE = {
    "users": frozenset({"last_login_at", "created_at"}),
    "commune_settings": frozenset({"last_sync_at", "created_at"}),
    # A report's PDF (hundreds of KB): its SHA-256, size and name are audited, not its bytes.
    "report_documents": frozenset({"content_base64"}),
    # The ids behind a finalised report (compressed): its size and count are audited.
    "report_snapshot_members": frozenset({"data"}),
}
# Secrets kept in the book are audited as "changed", never by value.
_REDACTED_PER_TABLE = {
    "commune_settings": frozenset({"device_token", "enrolment_nonce", "enrolment_code_hash"}),
    # Who reported a case is confidential: the trail says it changed, not to what.
    "case_informants": frozenset({"full_name", "phone", "address", "relation"}),
}
REDACTED = "***"


class AuditAction(enum.StrEnum):
    """What an audit line records."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"  # a tombstone (deleted = true) or a removed row
    VIEW = "view"
    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    PASSWORD_CHANGE = "password_change"
    PASSWORD_RESET = "password_reset"
    RECOVERY_CODE = "recovery_code"
    EXPORT = "export"
    BACKUP = "backup"
    RESTORE = "restore"
    SETTINGS = "settings"
    SYNC_CREATE = "sync_create"
    SYNC_UPDATE = "sync_update"
    SYNC_DELETE = "sync_delete"
    MERGE_BOOK = "merge_book"  # a former commune's book brought into this one
    MERGE_LIST = "merge_list"  # a former commune's template Excel list brought in


@dataclass(frozen=True)
class NewEntry:
    """The content of one audit line before it is chained."""

    username: str
    action: str
    table_name: str = ""
    record_id: str = ""
    before: Mapping[str, Any] | None = None
    after: Mapping[str, Any] | None = None
    # A batch line's ``after`` text, already canonical (see batch_text); replaces ``after``.
    after_text: str | None = None


def canonical_json(value: Mapping[str, Any] | None) -> str:
    """The one text form of a field map: sorted keys, no spaces ("" for nothing)."""
    if value is None:
        return ""
    return json.dumps(
        {key: _plain(v) for key, v in value.items()},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return _utc_naive(value).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def _utc_naive(value: datetime) -> datetime:
    # SQLite keeps datetimes without a zone: every stamp is stored as naive UTC.
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def at_text(value: datetime) -> str:
    """The time of a line as it is hashed (naive UTC, microseconds)."""
    return _utc_naive(value).isoformat(sep=" ", timespec="microseconds")


def compute_hash(
    prev_hash: str,
    *,
    seq: int,
    at: datetime,
    username: str,
    action: str,
    table_name: str,
    record_id: str,
    before: str,
    after: str,
) -> str:
    """SHA-256 over the previous hash and this line's canonical content."""
    content = json.dumps(
        {
            "seq": seq,
            "at": at_text(at),
            "username": username,
            "action": action,
            "table_name": table_name,
            "record_id": record_id,
            "before": before,
            "after": after,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def append(connection: Connection, entries: Sequence[NewEntry], at: datetime | None = None) -> None:
    """Chain and insert ``entries`` on ``connection`` (inside the caller's transaction)."""
    if not entries:
        return
    stamp = clock.as_utc(at or clock.now())
    # Lock first, then read the head: another process cannot append between the two.
    take_write_lock(connection)
    last = repo.last_link(connection)
    seq, prev = (last.seq, last.entry_hash) if last is not None else (0, GENESIS_HASH)
    rows: list[dict[str, Any]] = []
    for entry in entries:
        seq += 1
        before = canonical_json(entry.before)
        after = entry.after_text if entry.after_text is not None else canonical_json(entry.after)
        digest = compute_hash(
            prev,
            seq=seq,
            at=stamp,
            username=entry.username,
            action=entry.action,
            table_name=entry.table_name,
            record_id=entry.record_id,
            before=before,
            after=after,
        )
        # The sequence number is given explicitly: two writers that read the same last line
        # collide on the primary key instead of forking the chain.
        rows.append(
            {
                "seq": seq,
                "at": stamp,
                "username": entry.username,
                "action": entry.action,
                "table_name": entry.table_name,
                "record_id": entry.record_id,
                "before": before,
                "after": after,
                "prev_hash": prev,
                "entry_hash": digest,
            }
        )
        prev = digest
    repo.insert_links(connection, rows)


def record(session: Session, entries: Sequence[NewEntry]) -> None:
    """Append ``entries`` inside ``session``'s transaction (views, logins, exports …)."""
    append(session.connection(), entries)


def session_user(session: Session) -> str:
    """The user name the book set on ``session`` ("" for none)."""
    return str(session.info.get(USERNAME, ""))


# -- what a row change looks like ----------------------------------------------------------


def _audited_columns(table: Table) -> list[str]:
    skipped = _SKIPPED_PER_TABLE.get(table.name, frozenset())
    return [
        col.key
        for col in table.columns
        if col.key not in _BOOKKEEPING and col.key not in skipped and not col.key.endswith("_key")
        and not col.primary_key
    ]  # fmt: skip


def _shown(table: str, column: str, value: Any) -> Any:
    if column in _REDACTED_PER_TABLE.get(table, frozenset()) and value:
        return REDACTED
    return value


def _record_id(table: Table, values: Mapping[str, Any]) -> str:
    keys = [col.key for col in table.primary_key.columns]
    if len(keys) == 1:
        return str(values.get(keys[0], ""))
    # Composite keys (user_hamlets): the first part is the record, the rest is shown in values.
    return str(values.get(keys[0], ""))


def _with_key_parts(table: Table, values: dict[str, Any], source: Mapping[str, Any]) -> None:
    keys = [col.key for col in table.primary_key.columns]
    for key in keys[1:]:
        values[key] = source.get(key)


def _action(base: AuditAction, sync_apply: bool) -> str:
    if not sync_apply:
        return base.value
    return {
        AuditAction.CREATE: AuditAction.SYNC_CREATE,
        AuditAction.UPDATE: AuditAction.SYNC_UPDATE,
        AuditAction.DELETE: AuditAction.SYNC_DELETE,
    }[base].value


def _update_action(before: Mapping[str, Any], after: Mapping[str, Any]) -> AuditAction:
    if before.get("deleted") is False and after.get("deleted") is True:
        return AuditAction.DELETE
    return AuditAction.UPDATE


def _row_values(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        col: _shown(table.name, col, row.get(col)) for col in _audited_columns(table) if col in row
    }


def _table_of(obj: object) -> Table | None:
    if not isinstance(obj, Base):
        return None
    table = inspect(obj).mapper.local_table
    if not isinstance(table, Table) or table.name in NOT_AUDITED_TABLES:
        return None
    return table


def _flush_entries(session: Session) -> list[NewEntry]:
    user = session_user(session)
    sync_apply = bool(session.info.get(SYNC_APPLY))
    entries: list[NewEntry] = []
    for obj in session.new:
        table = _table_of(obj)
        if table is None:
            continue
        state = inspect(obj)
        values = {c: state.dict.get(c) for c in _columns_with_keys(table)}
        after = _row_values(table, values)
        _with_key_parts(table, after, values)
        entries.append(
            NewEntry(user, _action(AuditAction.CREATE, sync_apply), table.name,
                     _record_id(table, values), None, after)
        )  # fmt: skip
    for obj in session.dirty:
        table = _table_of(obj)
        if table is None:
            continue
        state = inspect(obj)
        # Only attributes that were assigned since the load can have changed; a sync that
        # marks 500 rows UPLOADING touches bookkeeping only and is skipped at once here.
        touched = state.committed_state.keys()
        before: dict[str, Any] = {}
        after = {}
        for col in _audited_columns(table):
            if col not in touched:
                continue
            history = state.attrs[col].history
            if not history.has_changes():
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            before[col] = _shown(table.name, col, old)
            after[col] = _shown(table.name, col, new)
        if not after:
            continue
        key_values = {c: state.dict.get(c) for c in _columns_with_keys(table)}
        entries.append(
            NewEntry(user, _action(_update_action(before, after), sync_apply), table.name,
                     _record_id(table, key_values), before, after)
        )  # fmt: skip
    for obj in session.deleted:
        table = _table_of(obj)
        if table is None:
            continue
        state = inspect(obj)
        values = {c: state.dict.get(c) for c in _columns_with_keys(table)}
        before = _row_values(table, values)
        _with_key_parts(table, before, values)
        entries.append(
            NewEntry(user, _action(AuditAction.DELETE, sync_apply), table.name,
                     _record_id(table, values), before, None)
        )  # fmt: skip
    return entries


def _columns_with_keys(table: Table) -> list[str]:
    return [col.key for col in table.primary_key.columns] + _audited_columns(table)


def _after_flush(session: Session, _context: Any) -> None:
    entries = _flush_entries(session)
    if entries:
        append(session.connection(), entries)


# -- ORM bulk statements ---------------------------------------------------------------------


def _statement_table(state: ORMExecuteState) -> Table | None:
    table = getattr(state.statement, "table", None)
    if not isinstance(table, Table) or table.name in NOT_AUDITED_TABLES:
        return None
    if table.name not in Base.metadata.tables:
        return None
    return table


def _param_rows(state: ORMExecuteState) -> list[dict[str, Any]]:
    params = state.parameters
    if params is None:
        return []
    if isinstance(params, Mapping):
        return [dict(params)]
    return [dict(p) for p in params]


def _bulk_insert(state: ORMExecuteState, table: Table) -> Result[Any]:
    rows = _param_rows(state)
    key = [col.key for col in table.primary_key.columns]
    needs_ids = key == ["id"] and table.c.id.default is not None
    extra: list[dict[str, Any]] = []
    for row in rows:
        # The id must be known to audit the row: make it here when the caller left it out.
        if needs_ids and row.get("id") is None:
            row["id"] = new_id()
            extra.append({"id": row["id"]})
        else:
            extra.append({})
    if any(extra) and rows:
        result = state.invoke_statement(params=extra if state.is_executemany else extra[0])
    else:
        result = state.invoke_statement()
    user = session_user(state.session)
    sync_apply = bool(state.session.info.get(SYNC_APPLY))
    action = _action(AuditAction.CREATE, sync_apply)
    if len(rows) >= BATCH_MIN_ROWS:
        entries = [
            NewEntry(user, action, table.name, _batch_record_id(table, part), None,
                     None, batch_text(table, part))
            for part in _chunks(rows, BATCH_MAX_ROWS)
        ]  # fmt: skip
        append(state.session.connection(), entries)
        return result
    entries = []
    for row in rows:
        after = _row_values(table, row)
        _with_key_parts(table, after, row)
        entries.append(NewEntry(user, action, table.name, _record_id(table, row), None, after))
    append(state.session.connection(), entries)
    return result


# -- batch lines (audit line version 2) --------------------------------------------------------
#
# A bulk load (demo, import, sync apply: one ORM insert of many rows) is written as one line
# per BATCH_MAX_ROWS rows instead of one line per row. The line's ``after`` is
# {"v":2,"n":<rows>,"z":"<base85 of zlib of {"cols":[...],"rows":[[...],...]}>"}: every created
# row's audited values, the column names once, compressed — a fraction of the size of one JSON
# object per row, with the same proof (who, when, which rows, their values) and the same hash
# chain over the stored text. Lines without "v" are version 1 (one row) and verify as before.

BATCH_MIN_ROWS = 2
BATCH_MAX_ROWS = 1000
BATCH_VERSION = 2


def _chunks(rows: list[dict[str, Any]], size: int) -> Iterable[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _batch_record_id(table: Table, rows: list[dict[str, Any]]) -> str:
    # The first row's id: the column holds at most 36 characters (the others are inside).
    return _record_id(table, rows[0])[:36]


def batch_text(table: Table, rows: list[dict[str, Any]]) -> str:
    """The ``after`` text of a batch line for ``rows`` of ``table``."""
    keys = [col.key for col in table.primary_key.columns]
    cols = keys + [c for c in _audited_columns(table) if c not in keys]
    body = {
        "cols": cols,
        "rows": [[_plain(_shown(table.name, c, row.get(c))) for c in cols] for row in rows],
    }
    packed = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    encoded = base64.b85encode(zlib.compress(packed, 9)).decode("ascii")
    return json.dumps({"v": BATCH_VERSION, "n": len(rows), "z": encoded}, separators=(",", ":"))


def batch_rows(after: str) -> list[dict[str, Any]] | None:
    """The rows of a batch line's ``after`` (None if the line is not a batch line)."""
    if not after.startswith('{"v":'):
        return None
    head = json.loads(after)
    if head.get("v") != BATCH_VERSION:
        return None
    body = json.loads(zlib.decompress(base64.b85decode(head["z"])).decode("utf-8"))
    cols = body["cols"]
    return [dict(zip(cols, values, strict=True)) for values in body["rows"]]


def _rows_by_where(connection: Connection, table: Table, where: Any) -> list[dict[str, Any]]:
    query = select(table)
    if where is not None:
        query = query.where(where)
    return [dict(row._mapping) for row in connection.execute(query)]


def _rows_by_keys(
    connection: Connection, table: Table, keys: Iterable[tuple[Any, ...]]
) -> list[dict[str, Any]]:
    cols = list(table.primary_key.columns)
    found: list[dict[str, Any]] = []
    for key in keys:
        query = select(table).where(*(col == value for col, value in zip(cols, key, strict=True)))
        found.extend(dict(row._mapping) for row in connection.execute(query))
    return found


def _key_of(table: Table, row: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(row.get(col.key) for col in table.primary_key.columns)


def _bulk_change(state: ORMExecuteState, table: Table) -> Result[Any]:
    connection = state.session.connection()
    where = getattr(state.statement, "whereclause", None)
    params = _param_rows(state)
    key_names = [col.key for col in table.primary_key.columns]
    by_key = bool(params) and all(all(k in p for k in key_names) for p in params) and where is None
    if by_key:
        before_rows = _rows_by_keys(connection, table, [_key_of(table, p) for p in params])
    else:
        before_rows = _rows_by_where(connection, table, where)
    result = state.invoke_statement()
    after_rows = {
        _key_of(table, row): row
        for row in _rows_by_keys(connection, table, [_key_of(table, r) for r in before_rows])
    }
    user = session_user(state.session)
    sync_apply = bool(state.session.info.get(SYNC_APPLY))
    entries: list[NewEntry] = []
    for old in before_rows:
        new = after_rows.get(_key_of(table, old))
        if new is None:
            before = _row_values(table, old)
            _with_key_parts(table, before, old)
            entries.append(
                NewEntry(user, _action(AuditAction.DELETE, sync_apply), table.name,
                         _record_id(table, old), before, None)
            )  # fmt: skip
            continue
        before, after = {}, {}
        for col in _audited_columns(table):
            if old.get(col) != new.get(col):
                before[col] = _shown(table.name, col, old.get(col))
                after[col] = _shown(table.name, col, new.get(col))
        if after:
            entries.append(
                NewEntry(user, _action(_update_action(before, after), sync_apply), table.name,
                         _record_id(table, old), before, after)
            )  # fmt: skip
    append(connection, entries)
    return result


def _on_execute(state: ORMExecuteState) -> Result[Any] | None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    table = _statement_table(state)
    if table is None:
        return None
    if state.is_insert:
        return _bulk_insert(state, table)
    return _bulk_change(state, table)


def install_audit_trail(factory: sessionmaker[Session]) -> None:
    """Attach the audit trail to every session the factory makes."""
    event.listen(factory, "after_flush", _after_flush)
    event.listen(factory, "do_orm_execute", _on_execute)
