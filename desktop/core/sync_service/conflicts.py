"""Conflicts and refusals: overlapping edits a person resolves field by field; refused rows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy.orm import Session

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.labels import FIELD_LABELS, TABLE_LABELS
from desktop.core.domain.permissions import Action
from desktop.core.storage.base import SyncColumns, SyncState, utcnow
from desktop.core.storage.models import SYNCED_MODELS, SyncConflict
from desktop.core.storage.repositories import sync_rows as repo
from desktop.core.storage.tracking import SYNC_APPLY
from desktop.core.sync_service.base import _ServiceBase
from desktop.core.sync_service.shared import (
    _DELETED,
    ConflictDetail,
    ConflictSummary,
    FieldChoice,
    FieldDiff,
    SyncErrorRow,
)
from desktop.core.sync_service.wire import (
    _as_utc,
    _assign_data,
    _column_kind,
    _display,
    _parse_edit,
    _queued_state,
    _same_data,
    _same_value,
    _title,
    _wire_value,
    field_label,
    row_data,
    synced_columns,
)


def _refresh_mine(session: Session, conflict: SyncConflict) -> None:
    """Take this book's side of a conflict from the row as it is now.

    The officer may have edited the row since the conflict was found; "mine" must be that
    latest typing, never the older copy kept when the conflict was detected.
    """
    row = repo.get_row(session, SYNCED_MODELS[conflict.table_name], conflict.row_id)
    if row is None:
        return
    values = json.dumps(row_data(row), ensure_ascii=False)
    if values != conflict.local_values or row.deleted != conflict.local_deleted:
        conflict.local_values = values
        conflict.local_deleted = row.deleted


def _summary(conflict: SyncConflict) -> ConflictSummary:
    mine = json.loads(conflict.local_values)
    theirs = json.loads(conflict.server_values)
    differing = sum(
        1 for k in set(mine) | set(theirs) if not _same_value(mine.get(k), theirs.get(k))
    ) + (1 if conflict.local_deleted != conflict.server_deleted else 0)
    return ConflictSummary(
        id=conflict.id,
        table=conflict.table_name,
        table_label=TABLE_LABELS.get(conflict.table_name, conflict.table_name),
        row_id=conflict.row_id,
        title=_title(conflict.table_name, mine or theirs),
        detected_at=_as_utc(conflict.detected_at),
        upstream=conflict.upstream,
        server_updated_by=conflict.server_updated_by,
        fields=differing,
    )


def _diffs(conflict: SyncConflict) -> Iterator[FieldDiff]:
    model = SYNCED_MODELS[conflict.table_name]
    mine = json.loads(conflict.local_values)
    theirs = json.loads(conflict.server_values)
    if conflict.local_deleted != conflict.server_deleted:
        yield FieldDiff(
            field=_DELETED,
            label=FIELD_LABELS[_DELETED],
            mine=_display("bool", conflict.local_deleted),
            theirs=_display("bool", conflict.server_deleted),
            differs=True,
            kind="bool",
        )
    for column in synced_columns(model):
        key = column.key
        kind = _column_kind(column)
        yield FieldDiff(
            field=key,
            label=field_label(key),
            mine=_display(kind, mine.get(key)),
            theirs=_display(kind, theirs.get(key)),
            differs=not _same_value(mine.get(key), theirs.get(key)),
            kind=kind,
        )


class _Conflicts(_ServiceBase):
    """Record, list and resolve conflicts; list and retry rows the server refused."""

    def _record_conflict(
        self,
        session: Session,
        table: str,
        row: SyncColumns,
        *,
        server_values: dict[str, Any],
        server_deleted: bool,
        server_version: int,
        server_updated_by: str,
        upstream: bool,
        reason: str,
    ) -> None:
        """Park the row as ERROR and keep (or refresh) its one open conflict."""
        row.sync_state = SyncState.ERROR.value
        row.sync_error = reason
        conflict = repo.open_conflict(session, table, row.id)
        if conflict is None:
            conflict = SyncConflict(table_name=table, row_id=row.id, detected_at=utcnow())
            repo.add_conflict(session, conflict)
        conflict.local_values = json.dumps(row_data(row), ensure_ascii=False)
        conflict.local_deleted = row.deleted
        conflict.server_values = json.dumps(server_values, ensure_ascii=False)
        conflict.server_deleted = server_deleted
        conflict.server_version = server_version
        conflict.server_updated_by = server_updated_by[:200]
        conflict.upstream = upstream

    def conflicts(self) -> list[ConflictSummary]:
        """Every unresolved conflict, oldest first."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            found = list(repo.open_conflicts(session))
            for conflict in found:
                _refresh_mine(session, conflict)
            return [_summary(c) for c in found]

    def conflict(self, conflict_id: int) -> ConflictDetail:
        """One conflict, field by field."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            conflict = repo.get_conflict(session, conflict_id)
            if conflict is None or conflict.resolved_at is not None:
                raise ValidationError(
                    FieldProblem("conflict", "Xung đột này đã được giải quyết hoặc không còn.")
                )
            _refresh_mine(session, conflict)
            return ConflictDetail(_summary(conflict), tuple(_diffs(conflict)))

    def resolve_conflict(self, conflict_id: int, choices: dict[str, FieldChoice]) -> None:
        """Keep, for each differing field, mine, theirs or a typed value; queue the result."""
        self._book.user.require(Action.SYNC)
        self._book.user.require(Action.EDIT_BOOK)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            conflict = repo.get_conflict(session, conflict_id)
            if conflict is None or conflict.resolved_at is not None:
                raise ValidationError(
                    FieldProblem("conflict", "Xung đột này đã được giải quyết hoặc không còn.")
                )
            model = SYNCED_MODELS[conflict.table_name]
            row = repo.get_row(session, model, conflict.row_id)
            if row is None:
                raise ValidationError(FieldProblem("conflict", "Không còn bản ghi này trong sổ."))
            _refresh_mine(session, conflict)
            mine: dict[str, Any] = json.loads(conflict.local_values)
            theirs: dict[str, Any] = json.loads(conflict.server_values)
            columns = {c.key: c for c in synced_columns(model)}
            final: dict[str, Any] = {}
            problems: list[FieldProblem] = []
            used: set[str] = set()
            for key, column in columns.items():
                label = field_label(key)
                if _same_value(mine.get(key), theirs.get(key)):
                    final[key] = theirs.get(key, mine.get(key))
                    continue
                choice = choices.get(key)
                if choice is None:
                    problems.append(FieldProblem(key, f"{label}: chưa chọn giá trị giữ lại."))
                    continue
                used.add(choice.choice)
                if choice.choice == "mine":
                    final[key] = mine.get(key)
                elif choice.choice == "theirs":
                    final[key] = theirs.get(key)
                else:
                    try:
                        final[key] = _wire_value(_parse_edit(column, choice.text, label))
                    except ValidationError as exc:
                        problems.extend(exc.problems)
            deleted = conflict.server_deleted
            if conflict.local_deleted != conflict.server_deleted:
                choice = choices.get(_DELETED)
                if choice is None or choice.choice not in ("mine", "theirs"):
                    problems.append(
                        FieldProblem(_DELETED, "Đã xóa: hãy chọn giữ bản của máy này hay máy chủ.")
                    )
                else:
                    used.add(choice.choice)
                    deleted = conflict.local_deleted if choice.choice == "mine" else deleted
            if problems:
                raise ValidationError(problems)
            _assign_data(row, final)
            row.deleted = deleted
            if deleted == conflict.server_deleted and _same_data(final, theirs):
                # The server's version won everywhere: nothing to send back.
                row.version = conflict.server_version
                row.synced_version = conflict.server_version
                row.sync_state = SyncState.SYNCED.value
            else:
                row.synced_version = conflict.server_version
                row.version = max(row.version, conflict.server_version) + 1
                row.sync_state = SyncState.TO_UPDATE.value
                row.updated_at = utcnow()
                row.updated_by = self._book.user.username
            row.sync_error = None
            conflict.resolved_at = utcnow()
            conflict.resolution = (
                "mixed" if len(used) > 1 or "edit" in used else (used.pop() if used else "theirs")
            )
            conflict.resolved_by = self._book.user.username

    def sync_errors(self) -> list[SyncErrorRow]:
        """Rows the server refused (not conflicts): "Lỗi đồng bộ"."""
        self._book.user.require(Action.SYNC)
        with self._book.read() as session:
            conflicted = repo.conflicted_row_ids(session)
            found: list[SyncErrorRow] = []
            for table, model in SYNCED_MODELS.items():
                for row in repo.rows_in_state(session, model, SyncState.ERROR.value, limit=1000):
                    if (table, row.id) in conflicted:
                        continue
                    found.append(
                        SyncErrorRow(
                            table=table,
                            table_label=TABLE_LABELS.get(table, table),
                            row_id=row.id,
                            title=_title(table, row_data(row)),
                            reason=row.sync_error or "Máy chủ từ chối bản ghi này.",
                            updated_at=_as_utc(row.updated_at),
                        )
                    )
            return found

    def retry_refused(self, table: str, row_id: str) -> None:
        """Send a refused row again as it is (e.g. once upstream fixed its own problem)."""
        self._book.user.require(Action.SYNC)
        with self._book.transaction() as session:
            session.info[SYNC_APPLY] = True
            if (table, row_id) in repo.conflicted_row_ids(session):
                raise ValidationError(
                    FieldProblem("row", "Bản ghi này đang xung đột: hãy giải quyết xung đột trước.")
                )
            row = repo.get_row(session, SYNCED_MODELS[table], row_id)
            if row is not None and row.sync_state == SyncState.ERROR.value:
                row.sync_state = _queued_state(row)
                row.sync_error = None
