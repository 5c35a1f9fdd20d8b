"""Bringing a former commune's book into the new commune's book (issue 17), on real files."""

from __future__ import annotations

import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from desktop import paths
from desktop.core.domain.dates import sixteenth_birthday
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.labels import TABLE_LABELS
from desktop.core.domain.permissions import Action, allowed
from desktop.core.domain.roles import Role
from desktop.core.services.audit import AuditService
from desktop.core.services.backup import BackupError, BackupService, list_backups
from desktop.core.services.book import Book
from desktop.core.services.demo import populate_demo
from desktop.core.services.merge_book import (
    COPIED_TABLES,
    HAMLET_CREATE,
    HAMLET_MERGE,
    KEPT_TRAIL_TABLES,
    NOT_COPIED_TABLES,
    FormerBook,
    MergeBookService,
)
from desktop.core.storage.base import Base
from desktop.core.storage.models import (
    AuditEntry,
    ChangeEvent,
    Hamlet,
    Household,
    Injury,
    Person,
)
from sync import clock
from tests.conftest import travel_to
from tests.unit.core.services.former_books import (
    FORMER_ADMIN,
    FORMER_PASSWORD,
    FormerBackup,
    add_shared_children,
    make_former_backup,
    table_counts,
)

pytestmark = pytest.mark.today("2026-08-15")


@pytest.fixture
def former(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FormerBackup:
    """The book of the former commune Minh Hưng (code 11111), backed up."""
    return make_former_backup(
        monkeypatch, tmp_path / "xa-cu", code="11111", name="Minh Hưng", seed=7
    )


@pytest.fixture
def new_book(book: Book, former: FormerBackup) -> Book:
    """The new commune's book (code 12345): its own children, and the shared ones."""
    populate_demo(book, 50, seed=8)
    add_shared_children(book, former.shared)
    return book


def _open(book: Book, former: FormerBackup) -> FormerBook:
    return MergeBookService(book).open(former.path, secret=former.recovery_code)


def _pairs(book: Book, former: FormerBackup) -> list[tuple[str, str]]:
    with _open(book, former) as opened:
        preview = MergeBookService(book).preview(opened)
    return [(d.existing_id, d.incoming_id) for d in preview.duplicates]


def _temp_copies() -> list[Path]:
    return [p for p in paths.data_dir().iterdir() if p.name.startswith(".khoi-phuc-")]


def test_every_table_is_copied_or_left_on_purpose() -> None:
    """A new table must be given a place here before a merge can forget it."""
    every = [*COPIED_TABLES, *NOT_COPIED_TABLES, *KEPT_TRAIL_TABLES]
    assert set(every) == set(Base.metadata.tables)
    assert len(every) == len(set(every))  # each in one place only
    # Each is named in Vietnamese in the preview.
    assert set(every) <= set(TABLE_LABELS)


def test_only_administrators_merge_books() -> None:
    assert allowed(Role.ADMIN, Action.MERGE_BOOKS)
    for role in (Role.OFFICER, Role.COLLABORATOR, Role.VIEWER):
        assert not allowed(role, Action.MERGE_BOOKS)


def test_preview_counts_what_would_come(new_book: Book, former: FormerBackup) -> None:
    before = table_counts(new_book)
    with _open(new_book, former) as opened:
        preview = MergeBookService(new_book).preview(opened)
    for table in COPIED_TABLES:
        if table == "hamlets":
            continue
        assert preview.incoming(table) == former.counts[table], table
    summary = dict(preview.summary())
    assert summary["Hộ gia đình"] == former.counts["households"]
    assert summary["Nhân khẩu, trẻ em"] == former.counts["persons"]
    assert summary["Biến động"] == former.counts["change_events"]
    assert summary["Trợ giúp, can thiệp"] == former.counts["supports"]
    assert summary["Vụ việc bảo vệ trẻ em"] == former.counts["protection_cases"]
    assert summary["Tai nạn, thương tích"] == former.counts["injuries"]
    assert preview.users == (f"{FORMER_ADMIN} (Lê Thị Cũ)",)
    assert preview.former_code == "11111"
    assert preview.former_name == "xã Minh Hưng"
    # Both communes have "Thôn 1", "Thôn 2", "Thôn 3": each former hamlet joins its namesake.
    assert {h.former_name for h in preview.hamlets} == {"Thôn 1", "Thôn 2", "Thôn 3"}
    assert all(h.action == HAMLET_MERGE for h in preview.hamlets)
    assert preview.incoming("hamlets") == 0
    assert "3 thôn của xã cũ trùng tên với thôn đã có" in preview.warnings[0]
    # Every shared child is listed once, with why: two by ID number, two by name and parent.
    assert [c.id_number is None for c in former.shared] == [False, False, True, True]
    listed = {d.incoming_id: d for d in preview.duplicates}
    for child in former.shared:
        assert child.former_id in listed
        expected = "id_number" if child.id_number else "name_birth_parent"
        assert expected in listed[child.former_id].reasons
    assert len(preview.duplicates) == len(former.shared)
    text = "\n".join(preview.lines())
    assert "Không chép tài khoản (1)" in text and "Thôn 1" in text
    # Nothing was written, and the temporary copy is gone.
    assert table_counts(new_book) == before
    assert _temp_copies() == []


def test_apply_brings_every_record_once_and_keeps_history(
    new_book: Book, former: FormerBackup
) -> None:
    digest = former.digest()
    before = table_counts(new_book)
    # The former book holds rows of every table brought (so each count below means something).
    assert all(former.counts[t] for t in COPIED_TABLES), former.counts
    pairs = _pairs(new_book, former)
    with _open(new_book, former) as opened:
        result = MergeBookService(new_book).apply(opened, None, pairs)
    after = table_counts(new_book)
    households = former.counts["households"]
    for table in COPIED_TABLES:
        expected = before[table] + former.counts[table]
        if table == "hamlets":
            expected = before[table]  # all three merged into the namesakes
        elif table == "change_events":
            expected += households  # one "thuộc xã Minh Hưng cũ" line per household
        elif table == "merge_records":
            expected += len(pairs)
        assert after[table] == expected, table
    assert result.created["persons"] == former.counts["persons"]
    assert result.history_lines == households
    assert result.merged_pairs == len(former.shared)
    assert result.backup_file is not None and result.backup_file.exists()
    assert [b.info.kind for b in list_backups() if b.info] == ["truoc-gop-so"]
    with new_book.read() as session:
        # Households now sit in the new commune's hamlets, each with the former commune named.
        hamlet_ids = set(session.scalars(select(Hamlet.id)))
        assert set(session.scalars(select(Household.hamlet_id))) <= hamlet_ids
        lines = session.scalars(
            select(ChangeEvent).where(ChangeEvent.place == "xã Minh Hưng cũ")
        ).all()
        assert len(lines) == households
        assert all("Thuộc xã Minh Hưng cũ (mã 11111)" in e.details for e in lines)
        assert all("15/08/2026" in e.details for e in lines)
        # The confirmed pairs: the former record folded into the new book's, events moved.
        for existing_id, incoming_id in pairs:
            removed = session.get(Person, incoming_id)
            assert removed is not None and removed.deleted and removed.merged_into_id == existing_id
            assert not session.scalars(
                select(ChangeEvent).where(
                    ChangeEvent.person_id == incoming_id, ChangeEvent.deleted.is_(False)
                )
            ).all()
        # Nothing of a child is left on a record folded into another: all of it was moved.
        folded = {incoming for _existing, incoming in pairs}
        for table in Base.metadata.sorted_tables:
            for column in ("person_id", "child_id", "partner_person_id"):
                if column not in table.c or "deleted" not in table.c:
                    continue
                left = session.execute(
                    select(table.c.id).where(
                        table.c[column].in_(folded), table.c.deleted.is_(False)
                    )
                ).all()
                assert left == [], (table.name, column)
        # Injuries named a former hamlet: they name the new commune's hamlet now.
        assert set(session.scalars(select(Injury.hamlet_id).where(Injury.hamlet_id.is_not(None))))
        assert set(session.scalars(select(Injury.hamlet_id))) - {None} <= hamlet_ids
        line = session.scalars(select(AuditEntry).where(AuditEntry.action == "merge_book")).one()
    details = json.loads(line.after)
    assert details["from_commune_code"] == "11111"
    assert details["by"] == "Nguyễn Văn Quản (admin)"
    assert details["on"] == "2026-08-15"
    assert details["copied"]["persons"] == former.counts["persons"]
    assert details["audit_lines_from"] < details["audit_lines_to"] == line.seq - 1
    with new_book.read() as session:
        brought = session.scalars(
            select(AuditEntry).where(
                AuditEntry.seq >= details["audit_lines_from"],
                AuditEntry.seq <= details["audit_lines_to"],
                AuditEntry.table_name == "persons",
                AuditEntry.action == "create",
            )
        ).all()
    # The copied persons' values are in the trail, in batch lines of the admin.
    assert brought and all(e.username == "admin" for e in brought)
    assert AuditService(new_book).verify().ok
    assert former.digest() == digest  # the former book's backup is only ever read
    assert _temp_copies() == []


def test_second_run_creates_nothing(new_book: Book, former: FormerBackup) -> None:
    pairs = _pairs(new_book, former)
    with _open(new_book, former) as opened:
        MergeBookService(new_book).apply(opened, None, pairs)
    once = table_counts(new_book)
    with _open(new_book, former) as opened:
        service = MergeBookService(new_book)
        preview = service.preview(opened)
        assert preview.nothing_new
        assert preview.duplicates == ()
        assert all(h.target_id == h.former_id or h.action == HAMLET_MERGE for h in preview.hamlets)
        again = service.apply(opened, None, ())
    assert again.total == 0 and again.backup_file is None
    assert "không có gì mới" in again.message_vi()
    assert table_counts(new_book) == once


def test_interrupted_apply_leaves_the_book_as_it_was(new_book: Book, former: FormerBackup) -> None:
    before = table_counts(new_book)
    head = before["audit_entries"]

    class Stopped(Exception):
        """The officer pressed “Dừng”."""

    def stop(done: int, total: int) -> None:
        if done > total // 2:
            raise Stopped

    with _open(new_book, former) as opened, pytest.raises(Stopped):
        MergeBookService(new_book).apply(opened, None, _pairs(new_book, former), stop)
    after = table_counts(new_book)
    # Only the backup taken first left a trace: its own audit line.
    assert after["audit_entries"] == head + 1
    assert {k: v for k, v in after.items() if k != "audit_entries"} == {
        k: v for k, v in before.items() if k != "audit_entries"
    }
    assert AuditService(new_book).verify().ok
    assert _temp_copies() == []


def test_hamlet_mapping_renames_and_merges(new_book: Book, former: FormerBackup) -> None:
    with _open(new_book, former) as opened:
        service = MergeBookService(new_book)
        proposal = service.preview(opened)
        ids = {h.former_name: h.former_id for h in proposal.hamlets}
        targets = {
            ids["Thôn 1"]: "Thôn Minh Hưng",  # created under a new name
            ids["Thôn 2"]: "thôn minh hưng",  # the same new hamlet (folded name)
            ids["Thôn 3"]: "THÔN 3",  # merged into the new book's Thôn 3
        }
        preview = service.preview(opened, targets)
        by_name = {h.former_name: h for h in preview.hamlets}
        assert by_name["Thôn 1"].action == HAMLET_CREATE
        assert by_name["Thôn 2"].target_id == ids["Thôn 1"]
        assert (
            by_name["Thôn 2"].action_text == "gộp cùng thôn cũ khác vào thôn mới “Thôn Minh Hưng”"
        )
        assert by_name["Thôn 3"].action == HAMLET_MERGE
        assert preview.incoming("hamlets") == 1
        service.apply(opened, targets, ())
    with new_book.read() as session:
        created = session.get(Hamlet, ids["Thôn 1"])
        assert created is not None and created.name == "Thôn Minh Hưng"
        moved = session.scalars(select(Household).where(Household.hamlet_id == created.id)).all()
    assert len(moved) == sum(
        h.households for h in proposal.hamlets if h.former_name in ("Thôn 1", "Thôn 2")
    )


# -- bad input: a clear Vietnamese message, nothing written ----------------------------------


def _nothing_written(book: Book, before: dict[str, int]) -> None:
    assert table_counts(book) == before
    assert list_backups() == []
    assert _temp_copies() == []


def test_a_backup_of_this_commune_is_refused(new_book: Book, tmp_path: Path) -> None:
    own = BackupService(new_book).backup_now(tmp_path / "cua-xa-nay").path
    before = table_counts(new_book)
    with pytest.raises(BackupError) as caught:
        MergeBookService(new_book).open(own, secret=None)
    assert "chính xã đang dùng" in caught.value.message_vi
    assert "mã 12345" in caught.value.message_vi
    assert table_counts(new_book) == before


def test_another_book_of_the_same_commune_code_is_refused(
    new_book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = make_former_backup(monkeypatch, tmp_path / "trung-ma", code="12345", name="X", seed=9)
    before = table_counts(new_book)
    with pytest.raises(BackupError, match="chính xã đang dùng"):
        MergeBookService(new_book).open(twin.path, secret=twin.recovery_code)
    _nothing_written(new_book, before)


def test_a_backup_of_a_newer_app_is_refused(
    new_book: Book, former: FormerBackup, tmp_path: Path
) -> None:
    newer = tmp_path / "moi-hon.stebak"
    with zipfile.ZipFile(former.path) as src, zipfile.ZipFile(newer, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "manifest.json":
                manifest = json.loads(data)
                manifest["schema_revision"] = "9999_from_the_future"
                data = json.dumps(manifest).encode()
            dst.writestr(item, data)
    before = table_counts(new_book)
    with pytest.raises(BackupError, match="phiên bản Sổ Trẻ Em mới hơn"):
        MergeBookService(new_book).open(newer, secret=former.recovery_code)
    _nothing_written(new_book, before)


def test_a_wrong_password_is_refused(new_book: Book, former: FormerBackup) -> None:
    before = table_counts(new_book)
    service = MergeBookService(new_book)
    with pytest.raises(BackupError, match="Mật khẩu không mở được"):
        service.open(former.path, secret="sai-mat-khau", username=FORMER_ADMIN)
    with pytest.raises(BackupError, match="Mã khôi phục không mở được"):
        service.open(former.path, secret="AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(BackupError, match="mã khôi phục của sổ đó"):
        service.open(former.path, secret=None)
    _nothing_written(new_book, before)
    # The right password of the former book's own administrator opens it.
    with service.open(former.path, secret=FORMER_PASSWORD, username=FORMER_ADMIN) as opened:
        assert opened.commune_code == "11111"


def test_a_damaged_file_is_refused(new_book: Book, former: FormerBackup, tmp_path: Path) -> None:
    cut = tmp_path / "bi-cat.stebak"
    cut.write_bytes(former.path.read_bytes()[: former.path.stat().st_size // 2])
    before = table_counts(new_book)
    with pytest.raises(BackupError, match="bị hỏng"):
        MergeBookService(new_book).open(cut, secret=former.recovery_code)
    _nothing_written(new_book, before)


def test_a_hamlet_mapped_to_nothing_is_refused(new_book: Book, former: FormerBackup) -> None:
    before = table_counts(new_book)
    with _open(new_book, former) as opened:
        service = MergeBookService(new_book)
        ids = [h.former_id for h in service.preview(opened).hamlets]
        with pytest.raises(ValidationError) as empty:
            service.apply(opened, {ids[0]: "  ", ids[1]: "Thôn 2", ids[2]: "Thôn 3"}, ())
        assert "được ghép với một thôn để trống" in empty.value.message_vi
        with pytest.raises(ValidationError) as missing:
            service.apply(opened, {ids[0]: "Thôn 1", ids[1]: "Thôn 2"}, ())
        assert "chưa được ghép với thôn nào" in missing.value.message_vi
        assert "Thôn 3" in missing.value.message_vi
    _nothing_written(new_book, before)


def test_two_former_hamlets_with_one_name_are_refused(
    book: Book, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A former book whose two hamlets differ only by case and accents (made by an old import).
    home = str(paths.data_dir())
    former = make_former_backup(
        monkeypatch, tmp_path / "hai-thon", code="22222", name="Hải Hòa", seed=11
    )
    monkeypatch.setenv("SOTREEM_HOME", str(tmp_path / "hai-thon" / "nha-22222-11"))
    from desktop.core.services.book import open_book

    old = open_book(FORMER_ADMIN, FORMER_PASSWORD)
    try:
        with old.transaction() as session:
            household = session.scalars(select(Household)).first()
            assert household is not None
            first = session.get(Hamlet, household.hamlet_id)
            assert first is not None
            twin = Hamlet(name=first.name.upper(), name_key=first.name_key)
            session.add(twin)
            session.flush()
            household.hamlet_id = twin.id
        path = BackupService(old).backup_now(tmp_path / "hai-thon" / "lai").path
    finally:
        old.close()
    monkeypatch.setenv("SOTREEM_HOME", home)
    before = table_counts(book)
    service = MergeBookService(book)
    with (
        service.open(path, secret=former.recovery_code) as opened,
        pytest.raises(ValidationError) as caught,
    ):
        service.preview(opened)
    assert "2 thôn cùng tên" in caught.value.message_vi
    assert table_counts(book) == before


def test_a_pair_never_proposed_is_refused(new_book: Book, former: FormerBackup) -> None:
    before = table_counts(new_book)
    pairs = _pairs(new_book, former)
    with _open(new_book, former) as opened:
        with pytest.raises(ValidationError) as wrong:
            MergeBookService(new_book).apply(opened, None, [(pairs[0][0], pairs[1][1])])
        assert "không có trong danh sách có thể trùng" in wrong.value.message_vi
    _nothing_written(new_book, before)


def test_children_who_turned_16_since_the_former_book_was_last_used(
    new_book: Book, former: FormerBackup
) -> None:
    """The new book's own 16th-birthday run is past them: the merge records them (R02)."""
    made_on = clock.today()
    with new_book.read() as session:
        ours = set(session.scalars(select(Person.id)))
    with travel_to(made_on + timedelta(days=400)):
        later = clock.today()
        with _open(new_book, former) as opened:
            result = MergeBookService(new_book).apply(opened, None, ())
    with new_book.read() as session:
        brought = session.scalars(
            select(Person).where(Person.id.not_in(ours), Person.status == "active")
        ).all()
        due = {
            p.id: sixteenth_birthday(p.birth_date)
            for p in brought
            if made_on < sixteenth_birthday(p.birth_date) <= later
        }
        exits = {
            e.person_id: e.event_date
            for e in session.scalars(select(ChangeEvent).where(ChangeEvent.event_code == "BD05"))
        }
    assert due, "the former commune has children turning 16 in those 400 days"
    # Every child of the former book who turned 16 in the gap has the exit, on the birthday.
    assert {pid: exits.get(pid) for pid in due} == due
    assert result.sixteenth_birthdays >= len(due)


def test_a_backup_of_an_older_app_is_brought_to_this_schema_first(
    new_book: Book, former: FormerBackup, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A former book last used with an older version: its temporary copy is upgraded."""
    from alembic import command
    from alembic.config import Config

    from desktop.core.services.backup import BackupKind, read_manifest, write_backup
    from desktop.core.storage import migrate
    from desktop.core.storage.engine import make_engine
    from desktop.core.storage.keyfile import KeyFile

    home = paths.data_dir()
    monkeypatch.setenv("SOTREEM_HOME", str(former.path.parent.parent / "nha-11111-7"))
    keys = KeyFile.load(paths.key_file())
    key = keys.unlock_with_recovery(former.recovery_code)
    engine = make_engine(paths.book_file(), key)
    try:
        config = Config()
        config.set_main_option("script_location", str(migrate.MIGRATIONS_DIR))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0006_report_decisions")  # before the enrolment columns
        older = migrate.current_revision(engine)
        assert older != migrate.head_revision()
        old_backup = write_backup(
            engine, keys, key, kind=BackupKind.MANUAL, target_dir=tmp_path / "cu-hon",
            commune_name="Minh Hưng",
        )  # fmt: skip
    finally:
        engine.dispose()
    monkeypatch.setenv("SOTREEM_HOME", str(home))
    assert read_manifest(old_backup.path)["schema_revision"] == older
    digest = old_backup.path.read_bytes()
    service = MergeBookService(new_book)
    with service.open(old_backup.path, secret=former.recovery_code) as opened:
        preview = service.preview(opened)
        assert preview.incoming("persons") == former.counts["persons"]
        result = service.apply(opened, None, ())
    assert result.created["persons"] == former.counts["persons"]
    assert old_backup.path.read_bytes() == digest  # upgraded: the temporary copy only
    assert AuditService(new_book).verify().ok


def test_the_former_trail_is_kept_verbatim_and_checked(
    new_book: Book, former: FormerBackup
) -> None:
    with _open(new_book, former) as opened:
        result = MergeBookService(new_book).apply(opened, None, ())
    # Every line of the former book's trail (as backed up) is kept, once.
    assert result.trail_lines == former.counts["audit_entries"]
    assert table_counts(new_book)["former_audit_entries"] == former.counts["audit_entries"]
    service = AuditService(new_book)
    (trail,) = service.verify_former()
    assert trail.ok and trail.commune_code == "11111"
    assert trail.chain.checked == former.counts["audit_entries"]
    assert "nguyên vẹn" in trail.message_vi
    assert service.verify().ok
    # Again: nothing is kept twice.
    with _open(new_book, former) as opened:
        assert MergeBookService(new_book).apply(opened, None, ()).trail_lines == 0
    # The database refuses to change a kept line; one changed behind its back is found.
    with pytest.raises(Exception, match="append-only"), new_book.transaction() as session:
        session.execute(text("UPDATE former_audit_entries SET username = 'x' WHERE seq = 2"))
    with new_book.transaction() as session:
        session.execute(text("DROP TRIGGER former_audit_entries_no_update"))
        session.execute(text("UPDATE former_audit_entries SET username = 'x' WHERE seq = 2"))
    (tampered,) = service.verify_former()
    assert not tampered.ok
    assert "dòng số 2" in tampered.message_vi


def test_a_record_history_goes_on_into_the_former_book(
    new_book: Book, former: FormerBackup
) -> None:
    """The audit browser, asked for one record, shows its lines here and in the former book."""
    from desktop.core.services.audit import AuditFilter

    child = former.shared[0].former_id
    with _open(new_book, former) as opened:
        MergeBookService(new_book).apply(opened, None, ())
    page = AuditService(new_book).page(AuditFilter(record_id=child))
    labels = [row.action_label for row in page.rows]
    # Created here by the merge (a batch line of the administrator), newest first; then its
    # creation in the former book (the demo's bulk load) and the former book's own changes.
    assert labels[0] == "Thêm mới"
    assert page.rows[0].username == "admin"
    assert "Thêm mới (sổ xã cũ 11111)" in labels
    assert all(row.record_id == child for row in page.rows)
    kept = [row for row in page.rows if "sổ xã cũ" in row.action_label]
    assert kept and all(row.username == FORMER_ADMIN for row in kept)
