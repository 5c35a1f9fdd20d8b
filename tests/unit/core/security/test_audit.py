"""The audit trail: written with every change, in the same transaction, and tamper-evident."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from desktop.cli import run_cli
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.services.audit import AuditFilter, AuditService
from desktop.core.services.book import Book, LoginError, open_book
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.storage.models import AuditEntry, CommuneSettings, Household, Person
from sync import clock
from tests.conftest import ADMIN_PASSWORD


def _entries(book: Book) -> list[AuditEntry]:
    with book.read() as session:
        return list(session.query(AuditEntry).order_by(AuditEntry.seq))


_GIVEN = ["An", "Bình", "Chi", "Dũng", "Đào", "Giang", "Hà"]


def _save(book: Book, hamlet_id: str, number: str = "1", **extra: object) -> str:
    form = HouseholdForm(
        hamlet_id=hamlet_id,
        number=number,
        head_name="Nguyễn Văn Hộ",
        children=[
            ChildForm(
                f"Nguyễn Thị {_GIVEN[int(number) % len(_GIVEN)]}",
                date(2019, 3, int(number)),
                2,
                id_number="",
            )
        ],
    )
    for key, value in extra.items():
        setattr(form, key, value)
    return HouseholdService(book).save_household(form)


def test_every_change_is_recorded_with_who_and_what(book: Book, hamlet_id: str) -> None:
    household_id = _save(book, hamlet_id)
    entries = _entries(book)
    by_table = {(e.table_name, e.action) for e in entries}
    assert {("commune_settings", "create"), ("users", "create"), ("hamlets", "create")} <= by_table
    assert ("households", "create") in by_table and ("persons", "create") in by_table
    created = next(e for e in entries if e.table_name == "households")
    assert created.username == "admin" and created.record_id == household_id
    after = json.loads(created.after)
    assert after["head_name"] == "Nguyễn Văn Hộ" and "head_name_key" not in after
    assert "version" not in after and "sync_state" not in after

    service = HouseholdService(book)
    form = service.get_household(household_id)
    form.address = "Xóm Bến"
    service.save_household(form)
    update = _entries(book)[-1]
    assert update.action == "update" and update.table_name == "households"
    assert json.loads(update.before) == {"address": ""}
    assert json.loads(update.after) == {"address": "Xóm Bến"}

    count = len(_entries(book))
    service.save_household(service.get_household(household_id))  # nothing changed
    assert [e.action for e in _entries(book)[count:]] == ["view"]  # only the view is new

    form = service.get_household(household_id)
    form.children[0].remove = True
    form.children[0].notes = "Nhập nhầm"
    service.save_household(form)
    tombstone = _entries(book)[-1]
    assert tombstone.action == "delete" and tombstone.table_name == "persons"
    assert json.loads(tombstone.after)["deleted"] is True
    assert AuditService(book).verify().ok


def test_audit_line_exists_only_if_the_change_committed(book: Book, hamlet_id: str) -> None:
    before = len(_entries(book))
    with pytest.raises(RuntimeError), book.transaction() as session:
        session.add(Household(hamlet_id=hamlet_id, number="9", head_name="X", head_name_key="x"))
        session.flush()  # the audit lines are written here …
        raise RuntimeError("mất điện")  # … and rolled back with the change
    assert len(_entries(book)) == before
    assert AuditService(book).verify().ok


def test_sync_bookkeeping_alone_is_not_a_change(book: Book, hamlet_id: str) -> None:
    from desktop.core.storage.tracking import SYNC_APPLY

    before = len(_entries(book))
    with book.transaction() as session:
        session.info[SYNC_APPLY] = True
        settings = session.query(CommuneSettings).one()
        settings.last_sync_at = clock.now()
        settings.device_token = "bi-mat-thiet-bi"
    entries = _entries(book)[before:]
    assert len(entries) == 1 and entries[0].action == "sync_update"
    assert json.loads(entries[0].after) == {"device_token": "***"}  # the secret never appears


def test_bulk_inserts_are_audited_in_compact_batch_lines(book: Book) -> None:
    from sqlalchemy import select

    from desktop.core.services.demo import populate_demo
    from desktop.core.storage.audit_hook import batch_rows

    children = populate_demo(book, 50, seed=7)
    entries = _entries(book)
    persons = [e for e in entries if e.table_name == "persons" and e.action == "create"]
    # One line per bulk statement (not one per row), holding every row's values.
    assert len(persons) < children
    audited = [row for e in persons for row in (batch_rows(e.after) or [json.loads(e.after)])]
    with book.read() as session:
        stored = {p.id: p for p in session.scalars(select(Person))}
    by_id = {row["id"]: row for row in audited}
    assert set(stored) <= set(by_id)
    some = next(iter(stored.values()))
    assert by_id[some.id]["full_name"] == some.full_name
    assert by_id[some.id]["birth_date"] == some.birth_date.isoformat()
    report = AuditService(book).verify()
    assert report.ok and report.checked == len(entries)
    # A record's history still shows its creation, with its values.
    page = AuditService(book).page(AuditFilter(record_id=some.id), 0, 50)
    assert page.total >= 1 and page.rows[-1].action == "create"
    assert ("full_name", "", some.full_name) in [
        (c.field, c.before, c.after) for c in page.rows[-1].changes
    ]


def test_an_edited_batch_line_breaks_the_chain(book: Book) -> None:
    from sqlalchemy import update

    from desktop.core.services.demo import populate_demo
    from desktop.core.storage.audit_hook import batch_rows

    populate_demo(book, 50, seed=3)
    batch = next(e for e in _entries(book) if batch_rows(e.after) is not None)
    forged = batch.after.replace('"n":', '"n":1', 1)
    _tamper(book, "SELECT 1")  # drops the append-only triggers
    with book.engine.begin() as conn:
        conn.execute(update(AuditEntry).where(AuditEntry.seq == batch.seq).values(after=forged))
    report = AuditService(book).verify()
    assert not report.ok and report.broken_seq == batch.seq


def test_bulk_update_and_delete_are_audited(book: Book, hamlet_id: str) -> None:
    from sqlalchemy import delete, update

    from desktop.core.storage.models import Hamlet, UserHamlet

    household_id = _save(book, hamlet_id)
    with book.transaction() as session:
        session.execute(
            update(Household).where(Household.id == household_id).values(phone="0912345678")
        )
        session.add(UserHamlet(user_id=book.user.id, hamlet_id=hamlet_id))
    with book.transaction() as session:
        session.execute(delete(UserHamlet).where(UserHamlet.hamlet_id == hamlet_id))
        session.execute(update(Hamlet).values(collaborator_name="Lò Thị Mai"))
    tail = _entries(book)[-4:]
    assert [(e.table_name, e.action) for e in tail] == [
        ("households", "update"),
        ("user_hamlets", "create"),
        ("user_hamlets", "delete"),
        ("hamlets", "update"),
    ]
    assert json.loads(tail[0].after) == {"phone": "0912345678"}
    assert json.loads(tail[2].before)["hamlet_id"] == hamlet_id
    assert AuditService(book).verify().ok


def test_household_detail_view_is_recorded(book: Book, hamlet_id: str) -> None:
    household_id = _save(book, hamlet_id)
    HouseholdService(book).get_household(household_id)
    view = _entries(book)[-1]
    assert (view.action, view.table_name, view.record_id) == ("view", "households", household_id)
    assert "id_number" in json.loads(view.after)["fields"]


def test_logins_and_wrong_tries_are_recorded(book: Book) -> None:
    book.close()
    for _ in range(2):
        with pytest.raises(LoginError):
            open_book("admin", "sai-mat-khau-123")
    opened = open_book("admin", ADMIN_PASSWORD)
    try:
        tail = [e for e in _entries(opened) if e.action.startswith("login")]
        assert [e.action for e in tail] == ["login_failed", "login"]
        assert json.loads(tail[0].after)["attempts"] == 2
        # Opening never waits for the daily backup: housekeeping writes it afterwards.
        assert _entries(opened)[-1].action == "login"
        from desktop.core.services.housekeeping import run_housekeeping

        assert run_housekeeping(opened).backup is not None
        assert _entries(opened)[-1].action == "backup"
    finally:
        opened.close()


def _tamper(book: Book, statement: str) -> None:
    with book.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text(statement))


def test_editing_a_line_is_detected_at_that_line(book: Book, hamlet_id: str) -> None:
    _save(book, hamlet_id)
    target = _entries(book)[3]
    _tamper(book, f"UPDATE audit_entries SET username = 'ke-gian' WHERE seq = {target.seq}")
    report = AuditService(book).verify()
    assert not report.ok and report.broken_seq == target.seq
    assert report.checked == target.seq - 1
    assert f"dòng số {target.seq}" in report.message_vi and "bị sửa nội dung" in report.message_vi


def test_removing_a_line_is_detected(book: Book, hamlet_id: str) -> None:
    _save(book, hamlet_id)
    _tamper(book, "DELETE FROM audit_entries WHERE seq = 2")
    report = AuditService(book).verify()
    assert not report.ok and report.broken_seq == 3
    assert "có dòng đã bị xóa" in report.message_vi


def test_rewriting_a_line_with_a_new_hash_breaks_the_next_link(book: Book, hamlet_id: str) -> None:
    from desktop.core.storage.audit_hook import compute_hash

    _save(book, hamlet_id)
    entry = _entries(book)[1]
    forged = compute_hash(
        entry.prev_hash,
        seq=entry.seq,
        at=entry.at,
        username="ke-gian",
        action=entry.action,
        table_name=entry.table_name,
        record_id=entry.record_id,
        before=entry.before,
        after=entry.after,
    )
    _tamper(
        book,
        f"UPDATE audit_entries SET username = 'ke-gian', entry_hash = '{forged}' WHERE seq = 2",
    )
    report = AuditService(book).verify()
    assert not report.ok and report.broken_seq == 3


def test_cli_audit_verify(
    book: Book, hamlet_id: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _save(book, hamlet_id)
    monkeypatch.setenv("SOTREEM_PASSWORD", ADMIN_PASSWORD)
    assert run_cli(["audit", "verify"]) == 0
    assert "Nhật ký nguyên vẹn" in capsys.readouterr().out
    _tamper(book, "UPDATE audit_entries SET after = '{}' WHERE seq = 4")
    assert run_cli(["audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert "dòng số 4" in out and "ghi lúc" in out


def test_browsing_filters_and_pages(book: Book, hamlet_id: str) -> None:
    for number in range(1, 6):
        _save(book, hamlet_id, number=str(number))
    service = AuditService(book)
    everything = service.page(AuditFilter(), 0, 1000)
    assert everything.total == len(_entries(book))
    assert [r.seq for r in everything.rows] == sorted(
        (r.seq for r in everything.rows), reverse=True
    )
    households = service.page(AuditFilter(table_name="households", action="create"), 0, 2)
    assert households.total == 5 and len(households.rows) == 2
    assert households.rows[0].table_label == "Hộ gia đình"
    assert households.rows[0].action_label == "Thêm mới"
    one = households.rows[0].record_id
    assert service.page(AuditFilter(record_id=one), 0, 50).total == 1
    today = clock.today()
    assert service.page(AuditFilter(date_from=today, date_to=today), 0, 1).total == everything.total
    assert service.page(AuditFilter(date_to=today - timedelta(days=1)), 0, 1).total == 0
    assert service.page(AuditFilter(username="khong-ai"), 0, 10).total == 0
    choices = service.choices()
    assert "admin" in choices.usernames
    assert ("households", "Hộ gia đình") in choices.tables


def test_only_administrators_read_the_trail(book: Book, login_as: Callable[..., Book]) -> None:
    officer = login_as("canbo", Role.OFFICER)
    with pytest.raises(PermissionDenied, match="xem nhật ký"):
        AuditService(officer).page(AuditFilter())
    with pytest.raises(PermissionDenied):
        AuditService(officer).verify()
