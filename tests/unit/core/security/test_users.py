"""People sharing one book: their own passwords, resets, deactivation, recovery codes, roles."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from desktop import paths
from desktop.core.domain.errors import ValidationError
from desktop.core.domain.permissions import PermissionDenied
from desktop.core.domain.roles import Role
from desktop.core.services.book import Book, LoginError, open_book, reset_password_with_recovery
from desktop.core.services.households import ChildForm, HouseholdForm, HouseholdService
from desktop.core.services.reports import ReportService
from desktop.core.services.users import NewUser, UserService
from desktop.core.storage.keyfile import KeyFile
from desktop.core.sync_service import SyncService
from tests.conftest import ADMIN_PASSWORD
from tests.unit.core.security.conftest import OTHER_PASSWORD


def test_each_person_unlocks_the_same_book_with_their_own_password(book: Book) -> None:
    row = UserService(book).add_user(
        NewUser("canbo.lan", "Lò Thị Lan", Role.OFFICER, "mk-rieng-2026-xyz")
    )
    assert row.role_label == "Cán bộ phụ trách trẻ em" and row.active
    keys = KeyFile.load(paths.key_file())
    assert keys.usernames() == ["admin", "canbo.lan"]
    assert keys.unlock("canbo.lan", "mk-rieng-2026-xyz") == keys.unlock("admin", ADMIN_PASSWORD)
    lan = open_book("canbo.lan", "mk-rieng-2026-xyz")
    try:
        assert lan.user.full_name == "Lò Thị Lan" and lan.user.role == Role.OFFICER
        assert lan.commune().code == "12345"
    finally:
        lan.close()
    assert "mk-rieng-2026-xyz" not in paths.key_file().read_text(encoding="utf-8")


def test_add_user_reports_every_problem(book: Book) -> None:
    with pytest.raises(ValidationError) as caught:
        UserService(book).add_user(NewUser("A B", "", Role.COLLABORATOR, "ngan"))
    fields = {p.field for p in caught.value.problems}
    assert fields == {"username", "full_name", "password", "hamlet_ids"}
    UserService(book).add_user(NewUser("lan", "Lan", Role.VIEWER, "mk-rieng-2026-xyz"))
    with pytest.raises(ValidationError, match="đã có trong sổ"):
        UserService(book).add_user(NewUser("LAN", "Lan 2", Role.VIEWER, "mk-rieng-2026-xyz"))


def test_deactivated_person_cannot_log_in_and_their_wrap_is_gone(book: Book) -> None:
    service = UserService(book)
    row = service.add_user(NewUser("lan", "Lan", Role.OFFICER, "mk-rieng-2026-xyz"))
    service.deactivate(row.id)
    assert not KeyFile.load(paths.key_file()).has_user("lan")
    with pytest.raises(LoginError):
        open_book("lan", "mk-rieng-2026-xyz")
    listed = {u.username: u for u in service.list_users()}
    assert not listed["lan"].active  # kept in the book, and in the audit trail


def test_the_last_administrator_cannot_be_removed(book: Book) -> None:
    service = UserService(book)
    with pytest.raises(PermissionDenied, match="đang đăng nhập"):
        service.deactivate(book.user.id)
    with pytest.raises(PermissionDenied, match="chính mình"):
        service.update_user(book.user.id, "Quản", Role.OFFICER)
    other = service.add_user(NewUser("quan2", "Quản 2", Role.ADMIN, "mk-quan-thu-hai-9"))
    service.deactivate(other.id)  # another admin may go while one stays


def test_reset_forces_a_password_change_at_next_login(book: Book, hamlet_id: str) -> None:
    service = UserService(book)
    row = service.add_user(NewUser("lan", "Lan", Role.OFFICER, "mk-rieng-2026-xyz"))
    service.reset_password(row.id, "tam-thoi-12345")
    with pytest.raises(LoginError):
        open_book("lan", "mk-rieng-2026-xyz")
    lan = open_book("lan", "tam-thoi-12345")
    try:
        assert lan.user.must_change_password
        assert HouseholdService(lan).hamlets()  # reading is allowed
        with pytest.raises(PermissionDenied, match="đổi mật khẩu"):
            HouseholdService(lan).save_household(
                HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="A")
            )
        mine = UserService(lan)
        with pytest.raises(ValidationError, match="hiện tại không đúng"):
            mine.change_own_password("sai-roi-123456", "mk-moi-2027-abc")
        with pytest.raises(ValidationError, match="khác mật khẩu cũ"):
            mine.change_own_password("tam-thoi-12345", "tam-thoi-12345")
        mine.change_own_password("tam-thoi-12345", "mk-moi-2027-abc")
        assert not lan.user.must_change_password
        assert lan.verify_password("mk-moi-2027-abc")  # the idle lock knows the new one
        HouseholdService(lan).save_household(
            HouseholdForm(hamlet_id=hamlet_id, number="1", head_name="Nguyễn Văn A")
        )
    finally:
        lan.close()
    again = open_book("lan", "mk-moi-2027-abc")
    assert not again.user.must_change_password
    again.close()


def test_new_recovery_code_replaces_the_old_one(book: Book) -> None:
    old_keys = KeyFile.load(paths.key_file())
    code = UserService(book).new_recovery_code()
    keys = KeyFile.load(paths.key_file())
    assert keys.unlock_with_recovery(code) == old_keys.unlock("admin", ADMIN_PASSWORD)
    reset_password_with_recovery("admin", code, "quan-moi-2027-xyz")
    assert open_book("admin", "quan-moi-2027-xyz").close() is None


def test_wrong_recovery_code_changes_nothing(book: Book) -> None:
    before = paths.key_file().read_bytes()
    with pytest.raises(LoginError, match="Mã khôi phục không đúng"):
        reset_password_with_recovery("admin", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF", "mat-khau-moi-123")
    assert paths.key_file().read_bytes() == before


def test_idle_lock_setting(book: Book, login_as: Callable[..., Book]) -> None:
    service = UserService(book)
    assert service.set_idle_lock_minutes(5) == 5
    assert book.commune().idle_lock_minutes == 5
    with pytest.raises(ValidationError, match="từ 1 đến 120"):
        service.set_idle_lock_minutes(0)
    officer = login_as("canbo", Role.OFFICER)
    with pytest.raises(PermissionDenied, match="cài đặt"):
        UserService(officer).set_idle_lock_minutes(10)
    with pytest.raises(PermissionDenied, match="quản lý người dùng"):
        UserService(officer).list_users()


def _household(book: Book, hamlet_id: str, number: str) -> str:
    return HouseholdService(book).save_household(
        HouseholdForm(
            hamlet_id=hamlet_id,
            number=number,
            head_name=f"Chủ hộ {number}",
            address="Xóm Trên",
            phone="0912000111",
            children=[
                ChildForm(
                    f"Lò Văn {'Em' if number == '1' else 'Anh'}",
                    date(2018, 1, int(number)),
                    1,
                    id_number=f"0382180001{int(number):02d}",
                )
            ],
        )
    )


def test_collaborator_sees_and_edits_only_their_hamlets(
    book: Book, hamlet_id: str, login_as: Callable[..., Book]
) -> None:
    other_hamlet = HouseholdService(book).add_hamlet("Thôn Tây").id
    mine = _household(book, hamlet_id, "1")
    theirs = _household(book, other_hamlet, "2")
    ctv = login_as("ctv.dong", Role.COLLABORATOR, (hamlet_id,))
    service = HouseholdService(ctv)
    assert [h.id for h in service.hamlets()] == [hamlet_id]
    assert [r.id for r in service.list_households()] == [mine]
    assert service.get_household(mine).children[0].id_number == "038218000101"
    with pytest.raises(PermissionDenied, match="thôn được phân công"):
        service.get_household(theirs)
    form = service.get_household(mine)
    form.hamlet_id = other_hamlet
    with pytest.raises(PermissionDenied):
        service.save_household(form)
    with pytest.raises(PermissionDenied, match="danh sách thôn"):
        service.add_hamlet("Thôn Mới")
    with pytest.raises(PermissionDenied):
        ReportService(ctv).population(date(2026, 6, 30))
    with pytest.raises(PermissionDenied, match="đồng bộ"):
        SyncService(ctv).push()


def test_viewer_gets_rows_without_personal_fields(
    book: Book, hamlet_id: str, login_as: Callable[..., Book]
) -> None:
    household_id = _household(book, hamlet_id, "1")
    viewer = login_as("xem", Role.VIEWER)
    service = HouseholdService(viewer)
    rows = service.list_households()
    assert rows[0].head_name == "Chủ hộ 1" and rows[0].address == ""
    form = service.get_household(household_id)
    assert (form.address, form.phone, form.children[0].id_number) == ("", "", "")
    assert form.children[0].full_name == "Lò Văn Em"
    with pytest.raises(PermissionDenied, match="sửa sổ"):
        service.save_household(form)
    assert ReportService(viewer).population(date(2026, 6, 30)).total == 1
    # The admin's data is untouched by the viewer's blanked copy.
    assert HouseholdService(book).get_household(household_id).phone == "0912000111"


def test_other_password_constant_is_strong() -> None:
    from desktop.core.domain.passwords import password_problems

    assert password_problems(OTHER_PASSWORD) == []
