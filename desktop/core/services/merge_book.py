"""Bring a former commune's book into this one: the communes merged on 1 July 2025 (issue 17).

Three steps, the same for the screen and ``sotreem merge-book``:

- ``open``: the former book's ``.stebak`` backup is checked completely (its own password or
  recovery code, HMAC, hashes, integrity) and rebuilt into a temporary copy in the data
  folder; the backup file itself is only ever read. A backup of this commune, of a newer
  app, damaged, or opened with the wrong secret is refused with a Vietnamese message.
- ``preview``: what would come, table by table (rows already in this book are not counted
  again), the users that are never copied, each former hamlet's place in this commune
  (merged into a hamlet of the same name, else created), and the children who may be in
  both books (the same ID number; or the same folded name, date of birth and a parent's
  name), for the officer to confirm.
- ``apply``: a backup of this book first, then ONE transaction: every record is copied with
  its own id (so bringing the same book twice creates nothing the second time), households
  and injuries follow the hamlet mapping, each household's history gets a line "thuộc xã …
  cũ", the confirmed pairs are merged with the duplicate merge (``duplicates.py``, which moves
  every record of the child), the children who turned 16 since the former book's last run get
  their exit (R02), the former book's audit trail is kept verbatim (``former_audit_entries``,
  its own chain), and one audit line says which book came, when, by whom, which lines of this
  trail hold its rows, and the former trail's length and last hash. If anything raises,
  nothing is written.

Reports, indicator figures, targets, the reporting calendar and the child-friendly
assessments of a former commune are its own (under its own code upstream) and stay in its
book; users, their hamlets and the sync bookkeeping are never copied.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session

from desktop.core.domain.dates import format_vn_date, sixteenth_birthday
from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.core.domain.labels import TABLE_LABELS
from desktop.core.domain.matching import DUPLICATE_REASONS
from desktop.core.domain.permissions import Action
from desktop.core.domain.text import clean_text, fold
from desktop.core.reports.formatting import vn_int
from desktop.core.services.audit import verify_chain
from desktop.core.services.backup import (
    BackupError,
    BackupKind,
    BackupService,
    VerifiedBackup,
    read_manifest,
    verify_backup,
)
from desktop.core.services.duplicates import merge_in_session
from desktop.core.services.events import CHANGED, record_sixteenth_birthday
from desktop.core.services.unlocked import Book
from desktop.core.storage import audit_hook, migrate
from desktop.core.storage.audit_hook import AuditAction, NewEntry
from desktop.core.storage.base import SyncState
from desktop.core.storage.engine import make_engine, make_session_factory, take_write_lock
from desktop.core.storage.models import CommuneSettings, Person
from desktop.core.storage.repositories import audit as audit_repo
from desktop.core.storage.repositories import merge_book as repo
from desktop.core.storage.repositories import users as users_repo
from desktop.core.storage.repositories.merge_book import HamletRow, PersonKeys
from sync import clock

Progress = Callable[[int, int], None]

# Copied, in this order (each table after those its foreign keys point at).
COPIED_TABLES: tuple[str, ...] = (
    "hamlets",
    "households",
    "persons",
    "guardian_links",
    "change_events",
    "special_episodes",
    "risk_categories",
    "risk_episodes",
    "protection_cases",
    "case_children",
    "consent_records",
    "case_steps",
    "case_informants",
    "supports",
    "injuries",
    "labour_records",
    "marriage_records",
    "merge_records",
)
# Never copied, and why (shown in the preview when the former book holds any).
NOT_COPIED_TABLES: dict[str, str] = {
    "users": "tài khoản do quản trị viên sổ mới tạo",
    "user_hamlets": "thôn của cộng tác viên đi theo tài khoản",
    "commune_settings": "thông tin của xã cũ",
    "indicator_targets": "chỉ tiêu của xã cũ",
    "indicator_values": "số liệu các ngành của xã cũ",
    "report_calendar": "lịch báo cáo của xã cũ",
    "periodic_reports": "báo cáo của xã cũ giữ mã và số của xã cũ",
    "report_snapshot_values": "số liệu của báo cáo đã chốt của xã cũ",
    "report_documents": "văn bản (PDF) của báo cáo đã chốt của xã cũ",
    "report_snapshot_members": "danh sách trẻ sau số liệu của báo cáo đã chốt của xã cũ",
    "report_decisions": "ý kiến cấp trên về báo cáo của xã cũ",
    "cfc_assessments": "đánh giá xã phù hợp với trẻ em của xã cũ",
    "cfc_scores": "điểm đánh giá của xã cũ",
    "holiday_changes": "lịch nghỉ do quản trị viên sổ mới đặt",
    "sync_conflicts": "việc đồng bộ của máy xã cũ",
    "sync_outbox_batches": "việc đồng bộ của máy xã cũ",
    "sync_inbox": "việc đồng bộ của máy xã cũ",
}
# Kept verbatim in ``former_audit_entries`` (never re-chained): see ``_keep_trails``.
KEPT_TRAIL_TABLES: tuple[str, ...] = ("audit_entries", "former_audit_entries")
# The groups the preview leads with (the list), each a sum of tables.
SUMMARY_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Hộ gia đình", ("households",)),
    ("Nhân khẩu, trẻ em", ("persons",)),
    ("Biến động", ("change_events",)),
    ("Giai đoạn hoàn cảnh đặc biệt, nguy cơ", ("special_episodes", "risk_episodes")),
    ("Trợ giúp, can thiệp", ("supports",)),
    ("Vụ việc bảo vệ trẻ em", ("protection_cases",)),
    ("Tai nạn, thương tích", ("injuries",)),
)
HAMLET_MERGE, HAMLET_CREATE = "merge", "create"
HISTORY_EVENT = CHANGED  # BD09 Thay đổi thông tin: opens nor closes any record
_HISTORY_NS = uuid.UUID("5f0c2a4e-6d1b-4b8e-9a57-17c0f2025070")
_BOOKKEEPING = {"sync_state": SyncState.TO_POST.value, "synced_version": 0, "sync_error": None}


def _carried(row: dict[str, Any], changed: bool) -> dict[str, Any]:
    """The sync bookkeeping of a copied row (``changed``: the merge altered it).

    The former book's server holds the row at ``synced_version`` under the former code; once
    upstream declares the merge (``merge-communes``) it holds that same version under this
    book's code. A row the former book had synced unchanged is therefore already synced here
    and is never sent again; a row the merge changed (hamlet mapping) or the former book had
    not sent yet goes as an update of that server version, so the server takes it as the same
    record; a row the server never saw goes as new.
    """
    server = int(row["synced_version"] or 0)
    if server <= 0:
        return dict(_BOOKKEEPING)
    version = int(row["version"])
    if not changed and row["sync_state"] == SyncState.SYNCED.value and version == server:
        return {"sync_state": SyncState.SYNCED.value, "synced_version": server, "sync_error": None}
    return {
        "sync_state": SyncState.TO_UPDATE.value,
        "synced_version": server,
        "sync_error": None,
        "version": version + 1 if changed else max(version, server + 1),
    }


# -- what the preview shows ------------------------------------------------------------------


@dataclass(frozen=True)
class HamletChoice:
    """Where one former hamlet goes: into a hamlet of this book, or a hamlet created."""

    former_id: str
    former_name: str
    households: int
    target_name: str
    # The hamlet of this book it is merged into; None when it is created with ``target_name``.
    target_id: str | None = None
    # True when ``target_id`` is another former hamlet created by this same merge.
    joins_new: bool = False

    @property
    def action(self) -> str:
        """HAMLET_MERGE or HAMLET_CREATE."""
        return HAMLET_MERGE if self.target_id else HAMLET_CREATE

    @property
    def action_text(self) -> str:
        """What happens, in Vietnamese."""
        if self.target_id == self.former_id:
            return f"đã có trong sổ (“{self.target_name}”)"
        if self.joins_new:
            return f"gộp cùng thôn cũ khác vào thôn mới “{self.target_name}”"
        if self.target_id:
            return f"gộp vào thôn “{self.target_name}” đã có"
        if fold(self.target_name) == fold(self.former_name):
            return f"giữ nguyên, thêm thôn “{self.target_name}”"
        return f"đổi tên, thêm thôn “{self.target_name}”"


@dataclass(frozen=True)
class CrossDuplicate:
    """A person of this book and one of the former book who may be the same child."""

    existing_id: str
    existing_name: str
    existing_birth: date
    existing_place: str
    incoming_id: str
    incoming_name: str
    incoming_birth: date
    incoming_place: str
    reasons: tuple[str, ...]  # keys of DUPLICATE_REASONS, or "name_birth_parent"

    @property
    def reason_text(self) -> str:
        """The reasons in Vietnamese."""
        return ", ".join(_REASONS[r] for r in self.reasons)


_REASONS = {
    "id_number": DUPLICATE_REASONS["id_number"],
    "name_birth_parent": "trùng họ tên, ngày sinh và tên cha/mẹ",
}


@dataclass(frozen=True)
class TableCount:
    """One table of the former book: rows that would come, rows already in this book."""

    table: str
    label: str
    incoming: int
    already: int


@dataclass(frozen=True)
class MergeBookPreview:
    """What bringing the former book in would do; nothing is written to make it."""

    file_name: str
    former_code: str
    former_name: str  # e.g. "xã Minh Hưng"
    former_book_id: str
    backup_created_at: datetime
    tables: tuple[TableCount, ...]
    not_copied: tuple[tuple[str, str, int], ...]  # (label, why, rows)
    users: tuple[str, ...]  # accounts of the former book, never copied
    hamlets: tuple[HamletChoice, ...]
    duplicates: tuple[CrossDuplicate, ...]
    warnings: tuple[str, ...]
    former_audit_lines: int
    former_audit_head: str

    def incoming(self, table: str) -> int:
        """Rows of ``table`` that would be copied."""
        return next((t.incoming for t in self.tables if t.table == table), 0)

    @property
    def nothing_new(self) -> bool:
        """True when every record of the former book is in this book already."""
        return all(t.incoming == 0 for t in self.tables)

    def summary(self) -> list[tuple[str, int]]:
        """(what, how many would come) of the issue's groups."""
        return [(label, sum(self.incoming(t) for t in group)) for label, group in SUMMARY_GROUPS]

    def lines(self, *, pairs: bool = True) -> list[str]:
        """The preview as text, for the terminal and the officer's screen (which shows the
        pairs in a table of their own: ``pairs=False``)."""
        out = [
            f"Sổ của {self.former_name} cũ (mã {self.former_code}), sao lưu lúc "
            f"{clock.format_datetime(self.backup_created_at)}: {self.file_name}",
        ]
        if self.nothing_new:
            out.append("Mọi hồ sơ của sổ này đã có trong sổ đang mở: không có gì mới để gộp.")
        out.append("Sẽ chuyển sang sổ này:")
        out += [f"  {label}: {vn_int(n)}" for label, n in self.summary()]
        other = [t for t in self.tables if t.incoming and t.table not in _SUMMARISED]
        out += [f"  {t.label}: {vn_int(t.incoming)}" for t in other]
        already = sum(t.already for t in self.tables)
        if already:
            out.append(f"Đã có trong sổ từ trước (không chép lại): {vn_int(already)} bản ghi.")
        if self.users:
            out.append(
                f"Không chép tài khoản ({len(self.users)}): {', '.join(self.users)} — quản trị "
                "viên sổ mới tạo tài khoản."
            )
        for label, why, rows in self.not_copied:
            out.append(f"Không chép {label.lower()} ({vn_int(rows)}): {why}.")
        if self.former_audit_lines:
            out.append(
                f"Nhật ký của sổ xã cũ ({vn_int(self.former_audit_lines)} dòng) được giữ "
                "nguyên vẹn trong sổ này và kiểm tra được riêng."
            )
        out += mapping_lines(
            self.hamlets,
            self.duplicates,
            pairs,
            maybe="Có thể trùng ở hai sổ",
            none="Không thấy trẻ nào có ở cả hai sổ.",
        )
        out += [f"Lưu ý: {w}" for w in self.warnings]
        return out


def mapping_lines(
    hamlets: Sequence[HamletChoice],
    duplicates: Sequence[CrossDuplicate],
    pairs: bool,
    *,
    maybe: str,
    none: str,
) -> list[str]:
    """The preview's lines on where each former hamlet goes and on the children who may be
    in both (each pair when ``pairs``), for a former book or a former list alike."""
    out = ["Ghép thôn:"]
    out += [f"  {h.former_name} ({vn_int(h.households)} hộ) → {h.action_text}" for h in hamlets]
    if duplicates and not pairs:
        out.append(f"{maybe}: {len(duplicates)} cặp, cần xác nhận.")
    elif duplicates:
        out.append(f"{maybe} ({len(duplicates)} cặp, cần xác nhận):")
        out += [
            f"  {d.existing_id} “{d.existing_name}” {format_vn_date(d.existing_birth)}, "
            f"{d.existing_place} ↔ {d.incoming_id} “{d.incoming_name}” "
            f"{format_vn_date(d.incoming_birth)}, {d.incoming_place} — {d.reason_text}"
            for d in duplicates
        ]
    else:
        out.append(none)
    return out


_SUMMARISED = {t for _label, group in SUMMARY_GROUPS for t in group}


@dataclass(frozen=True)
class MergeBookResult:
    """What was written."""

    preview: MergeBookPreview
    created: dict[str, int] = field(default_factory=dict)
    history_lines: int = 0
    merged_pairs: int = 0
    backup_file: Path | None = None
    # Children brought in who turned 16 after the former book last made those exits (R02).
    sixteenth_birthdays: int = 0
    trail_lines: int = 0  # lines of the former book's audit trail kept verbatim

    @property
    def total(self) -> int:
        """Records copied in all."""
        return sum(self.created.values())

    def message_vi(self) -> str:
        """One paragraph for the officer or the terminal."""
        name = f"{self.preview.former_name} cũ"
        if not self.total and not self.merged_pairs:
            return f"Sổ của {name} đã được gộp từ trước: không có gì mới, sổ không thay đổi."
        text = (
            f"Đã gộp sổ của {name}: {vn_int(self.total)} bản ghi "
            f"({vn_int(self.created.get('persons', 0))} nhân khẩu, "
            f"{vn_int(self.created.get('households', 0))} hộ)"
        )
        if self.merged_pairs:
            text += f", gộp {self.merged_pairs} cặp hồ sơ trùng"
        text += "."
        if self.backup_file is not None:
            text += f" Sổ trước khi gộp đã được sao lưu: {self.backup_file.name}."
        return text


class FormerCommune(Protocol):
    """A former commune whose records come into this book: its book, as a ``.stebak``
    backup (FormerBook) or as a template Excel list (``merge_list.FormerList``)."""

    @property
    def book_id(self) -> str: ...
    @property
    def commune_code(self) -> str: ...
    @property
    def display_name(self) -> str: ...


# -- the former book, opened -----------------------------------------------------------------


class FormerBook:
    """A former commune's backup rebuilt into a temporary copy; ``close`` removes the copy."""

    def __init__(self, verified: VerifiedBackup, engine: Engine, settings: CommuneSettings):
        self.verified = verified
        self.engine = engine
        self.path = verified.info.path
        self.book_id = settings.book_id
        self.commune_code = settings.commune_code
        self.commune_name = settings.commune_name
        self.unit_kind = settings.unit_kind
        # The former book made its 16th-birthday exits (R02) up to this day; the later ones
        # are made when its children arrive here (this book's own run is past them).
        self.auto_events_through = settings.auto_events_through or (
            settings.created_at.date() - timedelta(days=1)
        )
        self._sessions = make_session_factory(engine)
        self._closed = False

    @property
    def display_name(self) -> str:
        """E.g. "xã Minh Hưng" (as in "thuộc xã Minh Hưng cũ")."""
        return f"{self.unit_kind.lower()} {self.commune_name}"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session on the temporary copy (nothing is ever written through it)."""
        with self._sessions() as session:
            yield session

    def close(self) -> None:
        """Release the copy and delete it (a second call does nothing)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.engine.dispose()
        finally:
            self.verified.discard()

    def __enter__(self) -> FormerBook:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self.close()


# -- the service -------------------------------------------------------------------------------


class MergeBookService:
    """Brings a former commune's book into the open book (administrators only)."""

    def __init__(self, book: Book) -> None:
        self._book = book

    def _require(self) -> None:
        self._book.user.require(Action.MERGE_BOOKS)

    def open(self, path: Path, *, secret: str | None, username: str | None = None) -> FormerBook:
        """Check the former book's backup and open a temporary copy of it; BackupError if not.

        ``secret`` is the former book's recovery code, or ``username``'s password in it.
        """
        self._require()
        commune = self._book.commune()
        manifest = read_manifest(path)
        code = str(manifest.get("commune_code", ""))
        if str(manifest.get("book_id", "")) == self._book.key_file.book_id or code == commune.code:
            raise BackupError(
                f"Tệp {path.name} là bản sao lưu của chính xã đang dùng ({commune.display_name}, "
                f"mã {commune.code}), không phải sổ của một xã cũ. Muốn quay lại bản sao lưu "
                "này thì dùng “Khôi phục”. Chưa có gì được ghi."
            )
        revision = manifest.get("schema_revision")
        if revision is not None and revision not in migrate.known_revisions():
            raise BackupError(
                f"Bản sao lưu {path.name} được tạo bởi phiên bản Sổ Trẻ Em mới hơn phiên bản "
                "đang cài. Hãy cài phiên bản mới nhất rồi gộp sổ; chưa có gì được ghi."
            )
        verified = verify_backup(
            path,
            master_key=None,
            current_book_id=self._book.key_file.book_id,
            current_commune_code=commune.code,
            secret=secret,
            username=username,
        )
        engine: Engine | None = None
        try:
            engine = make_engine(verified.db_file, verified.database_key())
            # An older book is brought to this app's schema: only its temporary copy changes.
            if migrate.current_revision(engine) != migrate.head_revision():
                migrate.upgrade(engine)
            with make_session_factory(engine)() as session:
                settings = session.scalars(select(CommuneSettings)).one()
                session.expunge(settings)
            return FormerBook(verified, engine, settings)
        except BaseException:
            if engine is not None:
                engine.dispose()
            verified.discard()
            raise

    def preview(
        self, former: FormerBook, hamlet_targets: Mapping[str, str] | None = None
    ) -> MergeBookPreview:
        """What would come; ``hamlet_targets`` maps former hamlet ids to names in this book.

        Without ``hamlet_targets`` each former hamlet goes where its name says (the proposal);
        ValidationError when a given mapping leaves a hamlet out or maps it to nothing.
        """
        self._require()
        with self._book.read() as session:
            return _plan(session, former, hamlet_targets)

    def apply(
        self,
        former: FormerBook,
        hamlet_targets: Mapping[str, str] | None,
        confirmed: Sequence[tuple[str, str]] = (),
        progress: Progress | None = None,
    ) -> MergeBookResult:
        """Back up this book, then copy the former book in one transaction.

        ``confirmed`` holds (id in this book, id in the former book) of the pairs the officer
        confirmed as one child: each is merged into the record of this book. If ``progress``
        raises (the officer pressed “Dừng”), nothing is written.
        """
        self._require()
        first = self.preview(former, hamlet_targets)
        pairs = check_pairs(first.duplicates, confirmed)
        if first.nothing_new and not pairs:
            return MergeBookResult(first)
        backup_file = BackupService(self._book).backup(BackupKind.MERGE).path
        user = self._book.user
        today = clock.today()
        with self._book.transaction() as session:
            # The write lock first: nothing else writes between the plan and the copy.
            take_write_lock(session.connection())
            # Planned again inside the transaction: the book may have changed since.
            plan = _plan(session, former, hamlet_targets)
            pairs = check_pairs(plan.duplicates, confirmed)
            audit_from = _audit_seq(session) + 1
            copier = _Copier(session, former, plan, progress, len(pairs))
            created = copier.copy_all()
            history = history_lines(session, former, copier.households, today, self._book)
            reason = f"cùng một trẻ ở sổ của {former.display_name} cũ, gộp khi gộp sổ"
            for existing_id, incoming_id in pairs:
                merge_in_session(session, user, existing_id, incoming_id, choices={}, reason=reason)
                copier.step()
            birthdays = _birthdays_since(session, copier.persons, former.auto_events_through, today)
            trail = _keep_trails(session, former)
            audit_hook.record(
                session,
                [
                    NewEntry(
                        user.username,
                        AuditAction.MERGE_BOOK.value,
                        "merge_book",
                        former.book_id,
                        None,
                        {
                            "from_commune_code": former.commune_code,
                            "from_commune": former.display_name,
                            "file": former.path.name,
                            "backup_created_at": plan.backup_created_at,
                            "on": today,
                            "by": f"{user.full_name} ({user.username})",
                            "copied": created,
                            "history_lines": history,
                            "sixteenth_birthdays": birthdays,
                            "merged_pairs": [list(p) for p in pairs],
                            "hamlets": {h.former_name: h.target_name for h in plan.hamlets},
                            "audit_lines_from": audit_from,
                            "audit_lines_to": _audit_seq(session),
                            "former_audit_lines": plan.former_audit_lines,
                            "former_audit_lines_kept": trail,
                            "former_audit_head": plan.former_audit_head,
                            "backup_before": backup_file.name,
                        },
                    )
                ],
            )
        return MergeBookResult(plan, created, history, len(pairs), backup_file, birthdays, trail)


# -- planning --------------------------------------------------------------------------------


def _plan(
    session: Session, former: FormerBook, hamlet_targets: Mapping[str, str] | None
) -> MergeBookPreview:
    with former.read() as old:
        tables = []
        for name in COPIED_TABLES:
            here = repo.keys(session, name)
            there = repo.keys(old, name)
            if name == "risk_categories":
                # A category is its code: one this book has already is not brought twice.
                codes = repo.risk_codes(session)
                there = {
                    str(row["id"])
                    for chunk in repo.rows(old, name)
                    for row in chunk
                    if row["code"] not in codes
                }
                here_count = repo.count(old, name) - len(there - here)
                tables.append(
                    TableCount(name, TABLE_LABELS.get(name, name), len(there - here), here_count)
                )
                continue
            tables.append(
                TableCount(name, TABLE_LABELS.get(name, name), len(there - here), len(there & here))
            )
        former_hamlets = repo.hamlets_in_use(old)
        hamlets = hamlet_choices(session, former_hamlets, hamlet_targets)
        hamlet_counts = next(t for t in tables if t.table == "hamlets")
        created = sum(1 for h in hamlets if h.action == HAMLET_CREATE)
        tables[tables.index(hamlet_counts)] = TableCount(
            "hamlets", hamlet_counts.label, created, hamlet_counts.already
        )
        not_copied = tuple(
            (TABLE_LABELS.get(name, name), why, rows)
            for name, why in NOT_COPIED_TABLES.items()
            if name not in ("users", "commune_settings") and (rows := repo.count(old, name))
        )
        users = tuple(f"{u.username} ({u.full_name})" for u in users_repo.all_users(old))
        duplicates = _cross_duplicates(session, old, former)
        warnings = _number_clashes(session, old, hamlets)
        by_name = [h for h in hamlets if h.action == HAMLET_MERGE and h.target_id != h.former_id]
        if hamlet_targets is None and by_name:
            warnings.insert(
                0,
                f"{len(by_name)} thôn của xã cũ trùng tên với thôn đã có trong sổ nên được đề "
                "xuất gộp vào thôn đó. Nếu là hai thôn khác nhau (ví dụ “Thôn 1” của hai xã cũ), "
                "hãy ghi tên khác ở cột “Thôn mới”.",
            )
        chain = verify_chain(audit_repo.walk(old))
        link = audit_repo.head(old)
        if not chain.ok:
            warnings.append(f"Nhật ký của sổ xã cũ: {chain.message_vi}")
    return MergeBookPreview(
        file_name=former.path.name,
        former_code=former.commune_code,
        former_name=former.display_name,
        former_book_id=former.book_id,
        backup_created_at=former.verified.info.created_at,
        tables=tuple(tables),
        not_copied=not_copied,
        users=users,
        hamlets=tuple(hamlets),
        duplicates=tuple(duplicates),
        warnings=tuple(warnings),
        former_audit_lines=chain.checked,
        former_audit_head=link.entry_hash if link else "",
    )


def hamlet_choices(
    session: Session, former: list[HamletRow], targets: Mapping[str, str] | None
) -> list[HamletChoice]:
    """Where each former hamlet goes; ValidationError for a gap or an ambiguity."""
    problems: list[FieldProblem] = []
    by_key: dict[str, list[HamletRow]] = {}
    for hamlet in former:
        by_key.setdefault(hamlet.name_key, []).append(hamlet)
    for same in by_key.values():
        if len(same) > 1:
            problems.append(
                FieldProblem(
                    "thon_cu",
                    f"Sổ xã cũ có {len(same)} thôn cùng tên “{same[0].name}” ("
                    + ", ".join(f"{vn_int(h.households)} hộ" for h in same)
                    + "): không biết ghép thôn nào với thôn nào. Hãy đổi tên cho khác nhau "
                    "trong sổ xã cũ (mở sổ đó, sửa tên thôn, sao lưu lại) rồi gộp. Chưa có gì "
                    "được ghi.",
                )
            )
    if problems:
        raise ValidationError(problems)
    here = {h.name_key: (h.id, h.name) for h in repo.hamlets_in_use(session) if not h.deleted}
    # A former hamlet already brought in (a second run) keeps its place.
    present = {h.id: h.name for h in repo.hamlets_in_use(session)}
    choices: list[HamletChoice] = []
    created: dict[str, tuple[str, str]] = {}
    for hamlet in former:
        if hamlet.id in present:
            choices.append(
                HamletChoice(hamlet.id, hamlet.name, hamlet.households, present[hamlet.id],
                             hamlet.id)
            )  # fmt: skip
            continue
        if targets is None:
            wanted = hamlet.name
        elif hamlet.id not in targets:
            problems.append(
                FieldProblem(
                    "thon_moi",
                    f"Thôn “{hamlet.name}” của xã cũ ({vn_int(hamlet.households)} hộ) chưa "
                    "được ghép với thôn nào của xã mới. Hãy ghi thôn mới cho thôn này.",
                )
            )
            continue
        else:
            wanted = clean_text(targets[hamlet.id])
        if not wanted:
            problems.append(
                FieldProblem(
                    "thon_moi",
                    f"Thôn “{hamlet.name}” của xã cũ được ghép với một thôn để trống. Hãy ghi "
                    "tên thôn của xã mới (thôn đã có để gộp vào, hoặc tên thôn mới).",
                )
            )
            continue
        key = fold(wanted)
        if key in here:
            target_id, target_name = here[key]
            choices.append(
                HamletChoice(hamlet.id, hamlet.name, hamlet.households, target_name, target_id)
            )
        elif key in created:
            # Two former hamlets given one new name become one hamlet: the first makes it.
            target_id, target_name = created[key]
            choices.append(
                HamletChoice(
                    hamlet.id, hamlet.name, hamlet.households, target_name, target_id, True
                )
            )
        else:
            created[key] = (hamlet.id, wanted)
            choices.append(HamletChoice(hamlet.id, hamlet.name, hamlet.households, wanted))
    if targets is not None:
        known = {h.id for h in former}
        for former_id in targets:
            if former_id not in known:
                problems.append(FieldProblem("thon_cu", f"Sổ xã cũ không có thôn mã {former_id}."))
    if problems:
        raise ValidationError(problems)
    return choices


class BookMatches:
    """This book's live persons, indexed by the two rules that find a child held by two books
    (the same ID number; or the same folded name, birth date and a parent's name), for the
    pairs a merge of a former book or list lists for the officer to confirm."""

    def __init__(self, session: Session) -> None:
        ours = repo.live_person_keys(session)
        self._by_number: dict[str, list[PersonKeys]] = {}
        self._by_name: dict[tuple[str, date], list[PersonKeys]] = {}
        for person in ours:
            if person.id_number:
                self._by_number.setdefault(person.id_number, []).append(person)
            self._by_name.setdefault((person.name_key, person.birth_date), []).append(person)
        self._labels = repo.household_labels(session)

    def of(self, person: PersonKeys, place: str) -> list[CrossDuplicate]:
        """The persons of this book ``person`` (coming from ``place``) may be, with why."""
        reasons: dict[str, tuple[PersonKeys, list[str]]] = {}
        if person.id_number:
            for match in self._by_number.get(person.id_number, []):
                reasons.setdefault(match.id, (match, []))[1].append("id_number")
        for match in self._by_name.get((person.name_key, person.birth_date), []):
            if person.parent_keys & match.parent_keys:
                reasons.setdefault(match.id, (match, []))[1].append("name_birth_parent")
        return [
            CrossDuplicate(
                existing_id=match.id,
                existing_name=match.full_name,
                existing_birth=match.birth_date,
                existing_place=self._labels.get(match.household_id or "", "không thuộc hộ"),
                incoming_id=person.id,
                incoming_name=person.full_name,
                incoming_birth=person.birth_date,
                incoming_place=place,
                reasons=tuple(why),
            )
            for match, why in reasons.values()
        ]


def in_pair_order(found: list[CrossDuplicate]) -> list[CrossDuplicate]:
    """The pairs as listed: by this book's name, then by ids."""
    return sorted(found, key=lambda d: (fold(d.existing_name), d.existing_id, d.incoming_id))


def _cross_duplicates(session: Session, old: Session, former: FormerBook) -> list[CrossDuplicate]:
    """Persons of the former book not yet here who may be one of this book's."""
    arrived = repo.keys(session, "persons")
    matches = BookMatches(session)
    labels_there = repo.household_labels(old)
    found: list[CrossDuplicate] = []
    for person in repo.live_person_keys(old):
        if person.id in arrived:
            continue
        place = labels_there.get(person.household_id or "", "không thuộc hộ")
        found += matches.of(person, f"{place}, {former.display_name} cũ")
    return in_pair_order(found)


def _number_clashes(session: Session, old: Session, hamlets: list[HamletChoice]) -> list[str]:
    """Households that will share a number in a hamlet they are merged into."""
    numbers = repo.household_numbers(session)
    arrived = repo.keys(session, "households")
    target = {h.former_id: h for h in hamlets if h.target_id and h.target_id != h.former_id}
    clashes: dict[str, int] = {}
    for household_id, hamlet_id, number in repo.live_households(old):
        choice = target.get(hamlet_id)
        if choice is None or household_id in arrived or choice.target_id is None:
            continue
        if number in numbers.get(choice.target_id, set()):
            clashes[choice.target_name] = clashes.get(choice.target_name, 0) + 1
    return [
        f"{vn_int(n)} hộ của xã cũ trùng số hộ với hộ đã có trong thôn “{name}”: số hộ được "
        "giữ nguyên; hãy đánh lại số hộ sau khi gộp."
        for name, n in sorted(clashes.items())
    ]


def check_pairs(
    duplicates: Sequence[CrossDuplicate], confirmed: Sequence[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The confirmed pairs still to merge; ValidationError for one that was never proposed."""
    proposed = {(d.existing_id, d.incoming_id) for d in duplicates}
    problems: list[FieldProblem] = []
    seen_existing: dict[str, int] = {}
    seen_incoming: dict[str, int] = {}
    pairs: list[tuple[str, str]] = []
    for number, (existing_id, incoming_id) in enumerate(confirmed, start=1):
        if (existing_id, incoming_id) not in proposed:
            problems.append(
                FieldProblem(
                    "cap_trung",
                    f"Cặp thứ {number} ({existing_id} ↔ {incoming_id}) không có trong danh sách "
                    "có thể trùng (đã gộp rồi, hoặc mã không đúng). Hãy xem trước lại.",
                    number,
                )
            )
            continue
        for seen, key, where in (
            (seen_existing, existing_id, "sổ đang mở"),
            (seen_incoming, incoming_id, "sổ xã cũ"),
        ):
            if key in seen:
                problems.append(
                    FieldProblem(
                        "cap_trung",
                        f"Hồ sơ {key} của {where} có ở cả cặp thứ {seen[key]} và cặp thứ "
                        f"{number}: mỗi hồ sơ chỉ gộp với một hồ sơ.",
                        number,
                    )
                )
            seen[key] = number
        pairs.append((existing_id, incoming_id))
    if problems:
        raise ValidationError(problems)
    return pairs


# -- writing ---------------------------------------------------------------------------------


def _audit_seq(session: Session) -> int:
    link = audit_repo.head(session)
    return link.seq if link else 0


class _Copier:
    """Copies the former book's rows that this book lacks, table by table, in chunks."""

    def __init__(
        self,
        session: Session,
        former: FormerBook,
        plan: MergeBookPreview,
        progress: Progress | None,
        pairs: int,
    ) -> None:
        self._session = session
        self._former = former
        self._plan = plan
        self._progress = progress
        self._done = 0
        self._total = sum(t.incoming for t in plan.tables) + pairs
        self.households: list[str] = []  # the live households copied, for their history line
        self.persons: list[tuple[str, date]] = []  # the live persons copied, with birth dates
        self._hamlet_of = {
            h.former_id: h.target_id or h.former_id for h in plan.hamlets
        }  # former hamlet id → hamlet of this book
        self._renamed = {h.former_id: h.target_name for h in plan.hamlets if not h.target_id}
        if progress is not None:
            progress(0, self._total)

    def step(self, rows: int = 1) -> None:
        self._done += rows
        if self._progress is not None:
            self._progress(self._done, self._total)

    def copy_all(self) -> dict[str, int]:
        created: dict[str, int] = {}
        for name in COPIED_TABLES:
            if self._plan.incoming(name):
                created[name] = self._copy(name)
            elif name == "hamlets":
                self._copy(name)  # none incoming, but a merged hamlet may leave a tombstone
        return created

    def _copy(self, name: str) -> int:
        here = repo.keys(self._session, name)
        key = repo.key_column(name)
        target = repo.table(name)
        synced = "sync_state" in target.c
        codes = repo.risk_codes(self._session) if name == "risk_categories" else set()
        written = 0
        with self._former.read() as old:
            for chunk in repo.rows(old, name):
                rows = []
                retired: list[dict[str, Any]] = []
                for row in chunk:
                    if str(row[key]) in here:
                        continue
                    as_kept = dict(row)
                    if name == "hamlets":
                        if row["id"] not in self._renamed:
                            # Merged into a hamlet of this book. Upstream holds it: its
                            # tombstone, sent under this book's code, retires it there too.
                            if row["synced_version"] and not row["deleted"]:
                                retired.append(row | {"deleted": True} | _carried(row, True))
                            continue
                        row["name"] = self._renamed[row["id"]]
                        row["name_key"] = fold(row["name"])
                    elif name == "risk_categories" and row["code"] in codes:
                        continue
                    if "hamlet_id" in row and row["hamlet_id"] is not None:
                        row["hamlet_id"] = self._hamlet_of.get(row["hamlet_id"], row["hamlet_id"])
                    if synced:
                        row.update(_carried(row, row != as_kept))
                    if name == "households" and not row["deleted"]:
                        self.households.append(str(row["id"]))
                    if name == "persons" and not row["deleted"]:
                        self.persons.append((str(row["id"]), row["birth_date"]))
                    rows.append(row)
                if rows:
                    self._session.execute(insert(target), rows)
                    written += len(rows)
                    self.step(len(rows))
                if retired:
                    # Not a record brought in (not counted): upstream's copy, retired.
                    self._session.execute(insert(target), retired)
        return written


def _keep_trails(session: Session, former: FormerBook) -> int:
    """Keep the former book's audit trail verbatim (and those it kept); the lines added.

    Only lines after the last one already kept are added, so a second run adds nothing and a
    newer backup of the same book adds its newer lines.
    """
    kept = repo.archived_heads(session)
    target = repo.table("former_audit_entries")
    written = 0
    with former.read() as old:
        for chunk in repo.trail_lines(old, kept.get(former.book_id, 0)):
            rows = [
                {**line, "book_id": former.book_id, "commune_code": former.commune_code}
                for line in chunk
            ]
            session.execute(insert(target), rows)
            written += len(rows)
        for book_id, code in repo.former_trails(old):
            for lines in repo.former_trail_lines(old, book_id, kept.get(book_id, 0)):
                rows = [
                    {name: getattr(line, name) for name in repo.TRAIL_COLUMNS}
                    | {"book_id": book_id, "commune_code": code}
                    for line in lines
                ]
                session.execute(insert(target), rows)
                written += len(rows)
    return written


def _birthdays_since(
    session: Session, persons: list[tuple[str, date]], after: date, today: date
) -> int:
    """Record the 16th birthdays of the children brought in, from ``after`` to today (R02)."""
    due = [pid for pid, born in persons if after < sixteenth_birthday(born) <= today]
    recorded = 0
    for person_id in due:
        person = session.get(Person, person_id)
        # A child folded into this book's record (status "merged") has that record's history.
        if person is None:
            continue
        # Episodes closed (0 or more), or None when nothing was due.
        if record_sixteenth_birthday(session, person, after, today) is not None:
            recorded += 1
    return recorded


def history_lines(
    session: Session,
    former: FormerCommune,
    households: list[str],
    today: date,
    book: Book,
) -> int:
    """A change event on each household brought in: it belonged to the former commune.

    The event is the durable record of where the household came from (``former_communes.py``
    reads it for the reports before the merge): ``place`` names the former commune ("xã Minh
    Hưng cũ"), ``cause`` holds its five-digit code (a BD09 event has no cause otherwise),
    ``event_date`` the day of the merge and ``updated_by`` who merged. Being a change event it
    goes into every backup and is synced like any other, so a restored or re-enrolled book
    keeps it.
    """
    if not households:
        return 0
    user = book.user
    settings = users_repo.settings(session)
    place = f"{former.display_name} cũ"
    details = clean_text(
        f"Thuộc {place} (mã {former.commune_code}). Chuyển sang sổ {settings.unit_kind} "
        f"{settings.commune_name} khi "
        f"gộp sổ ngày {format_vn_date(today)}, người gộp: {user.full_name} ({user.username})."
    )
    stamp: dict[str, Any] = {
        **_BOOKKEEPING,
        "version": 1,
        "updated_at": clock.now(),
        "updated_by": user.username,
        "deleted": False,
    }
    rows = [
        {
            **stamp,
            "id": str(uuid.uuid5(_HISTORY_NS, f"{former.book_id}:{household_id}")),
            "event_code": HISTORY_EVENT,
            "event_date": today,
            "person_id": None,
            "household_id": household_id,
            "other_household_id": None,
            "place": place,
            "cause": former.commune_code,
            "details": details,
            "automatic": True,
        }
        for household_id in households
    ]
    present = repo.keys(session, "change_events")
    rows = [row for row in rows if row["id"] not in present]
    for start in range(0, len(rows), repo.CHUNK):
        session.execute(insert(repo.table("change_events")), rows[start : start + repo.CHUNK])
    return len(rows)


__all__ = [
    "COPIED_TABLES",
    "NOT_COPIED_TABLES",
    "CrossDuplicate",
    "FormerBook",
    "FormerCommune",
    "HamletChoice",
    "MergeBookPreview",
    "MergeBookResult",
    "MergeBookService",
    "TableCount",
    "check_pairs",
    "hamlet_choices",
    "history_lines",
]
