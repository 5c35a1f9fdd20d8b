"""Special circumstances: the list with its coverage, the episode form and its refusals, one
support and a campaign — as an officer uses them; what other roles may not do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    SpecialEpisodeForm,
    SpecialService,
    SupportForm,
    SupportService,
)
from desktop.ui.protection.area import ProtectionView
from desktop.ui.protection.episodes import SpecialEpisodeDialog
from desktop.ui.protection.special import ChildProtectionDialog, SpecialView
from desktop.ui.protection.supports import BulkSupportWizard, SupportDialog
from tests.gui.conftest import answer, type_text, wait_for_message, wait_for_ops
from tests.gui.protection.conftest import as_role
from tests.gui.test_translations import check


def _episode(book: Book, person_id: str, group: int, start: date) -> str:
    return SpecialService(book).save(
        SpecialEpisodeForm(person_id=person_id, group_no=group, start_date=start), confirm=True
    )


@pytest.fixture
def view(children: dict[str, str], book: Book, qtbot: Any) -> Iterator[SpecialView]:
    _episode(book, children["Nguyễn Văn An"], 1, date(2024, 5, 1))
    _episode(book, children["Trần Văn Cường"], 1, date(2025, 2, 1))
    made = SpecialView(book)
    qtbot.addWidget(made)
    made.resize(1300, 620)
    with qtbot.waitSignal(made.loaded, timeout=20_000):
        made.show()
    wait_for_ops(qtbot)
    yield made


def test_export_asks_where_to_save(view: SpecialView, qtbot: Any) -> None:
    from PySide6.QtWidgets import QFileDialog

    from tests.gui.conftest import find_top_level

    assert not view.export_button.isHidden()
    view.export_button.click()
    dialogs = find_top_level(QFileDialog)
    assert dialogs and dialogs[0].windowTitle() == "Xuất danh sách ra Excel"
    dialogs[0].reject()


def test_list_shows_children_and_live_coverage(view: SpecialView, qtbot: Any) -> None:
    assert view.model.rowCount() == 2
    assert view.coverage.text().startswith("0 / 2 được trợ giúp (0 %) — chỉ tiêu 90 %")
    names = {view.model.row_at(i).full_name for i in range(2)}
    assert names == {"Nguyễn Văn An", "Trần Văn Cường"}
    assert view.model.data(view.model.index(0, 6)) == "Chưa được trợ giúp"
    check(view)


def test_episode_form_saves_and_the_list_follows(
    view: SpecialView, children: dict[str, str], qtbot: Any
) -> None:
    dialog = view.open_episode(None)
    assert isinstance(dialog, SpecialEpisodeDialog)
    check(dialog)
    dialog.save()  # nothing chosen: said at the fields, nothing lost
    assert dialog.field_errors["person_id"].text() == "Hãy chọn trẻ em (gõ tên để tìm)."
    assert dialog.field_errors["group_no"].text() == "Hãy chọn một trong 14 nhóm."
    type_text(dialog.child.search, "anh")
    with qtbot.waitSignal(dialog.child.searched, timeout=10_000):
        dialog.child.look_up()
    dialog.child._take_first()
    assert dialog.child.person_id == children["Nguyễn Thị Ánh"]
    dialog.group_no.set_current_data(2)
    assert dialog.subgroup_no.isEnabled() and dialog.subgroup_no.count() == 3
    dialog.subgroup_no.setCurrentIndex(1)
    dialog.start_date.setText("01/08/2026")
    dialog.end_date.setText("01/07/2026")  # before the start: the service refuses
    dialog.note.setPlainText("Bị bỏ rơi trước cổng trạm y tế")
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.field_errors["end_date"].text()), timeout=10_000)
    assert "trước ngày bắt đầu" in dialog.field_errors["end_date"].text()
    assert dialog.isVisible() and dialog.note.toPlainText() == "Bị bỏ rơi trước cổng trạm y tế"
    dialog.end_date.clear()
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        dialog.save()
    wait_for_ops(qtbot)
    assert view.model.rowCount() == 3


def test_group_rule_asks_before_saving(
    view: SpecialView, children: dict[str, str], qtbot: Any
) -> None:
    dialog = view.open_episode(None)
    dialog.child.set_child(children["Trần Thị Dung"], "Trần Thị Dung")
    dialog.group_no.set_current_data(13)  # not a poor or near-poor household
    dialog.start_date.setText("01/09/2026")
    dialog.save()
    box = wait_for_message(qtbot)
    assert "hộ nghèo hoặc cận nghèo" in box.text()
    assert "hộ nghèo" in dialog.field_errors["group_no"].text()
    with qtbot.waitSignal(dialog.saved, timeout=10_000):
        answer(box, "Vẫn lưu")


def test_one_support_raises_the_coverage(
    view: SpecialView, children: dict[str, str], qtbot: Any
) -> None:
    view.table.setCurrentIndex(view.model.index(0, 0))
    dialog = view.open_support()
    assert isinstance(dialog, SupportDialog)
    check(dialog)
    dialog.support_code.set_current_data("TG02")
    dialog.amount.setText("1,5 triệu")
    dialog.save()
    assert "chữ số" in dialog.field_errors["amount"].text()
    dialog.amount.setText("500.000")
    dialog.given_on.setText("01/12/2026")  # in the future
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.field_errors["given_on"].text()), timeout=10_000)
    dialog.given_on.setText("10/09/2026")
    with qtbot.waitSignal(view.loaded, timeout=20_000):
        dialog.save()
    wait_for_ops(qtbot)
    assert view.coverage.text().startswith("1 / 2 được trợ giúp (50 %)")
    view.supported.set_current_data(False)
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)


def test_child_record_lists_episodes_and_supports(
    view: SpecialView, children: dict[str, str], book: Book, qtbot: Any
) -> None:
    SupportService(book).save(
        SupportForm(children["Nguyễn Văn An"], "TG10", date(2026, 9, 1), provider="UBND xã")
    )
    row = next(i for i in range(2) if view.model.row_at(i).full_name == "Nguyễn Văn An")
    view.table.setCurrentIndex(view.model.index(row, 0))
    dialog = view.open_record()
    assert isinstance(dialog, ChildProtectionDialog)
    qtbot.waitUntil(lambda: dialog.supports.rowCount() == 1, timeout=10_000)
    assert dialog.episodes.rowCount() == 1
    assert dialog.tabs.tabText(2) == "Trợ giúp đã nhận (1)"
    check(dialog)
    dialog.reject()


def test_campaign_gives_one_support_to_a_filtered_list(
    view: SpecialView, children: dict[str, str], book: Book, qtbot: Any
) -> None:
    wizard = view.open_bulk()
    assert isinstance(wizard, BulkSupportWizard)
    wait_for_ops(qtbot)
    page = wizard.filter_page
    assert len(page.rows) == 4  # every child, before filtering
    group1 = next(
        i
        for i in range(page.groups.count())
        if page.groups.item(i).data(Qt.ItemDataRole.UserRole) == 1
    )
    with qtbot.waitSignal(wizard.searched, timeout=10_000):
        page.groups.item(group1).setCheckState(Qt.CheckState.Checked)
    assert {r.full_name for r in page.rows} == {"Nguyễn Văn An", "Trần Văn Cường"}
    check(wizard)
    wizard.next()
    wizard.support_page.campaign_name.setText("Tặng quà Trung thu 2026")
    wizard.support_page.support_code.set_current_data("TG10")
    wizard.given_on.setText("15/09/2026")
    with qtbot.waitSignal(wizard.previewed, timeout=10_000):
        wizard.next()
    preview = wizard.preview_page
    assert preview.preview is not None and preview.preview.accepted == 2
    assert preview.summary.text().startswith("2 trẻ sẽ được ghi")
    with qtbot.waitSignal(wizard.done_saving, timeout=20_000) as saved:
        wizard.button(QWizard.WizardButton.FinishButton).click()
    assert saved.args[0].saved == 2
    box = wait_for_message(qtbot)
    assert box.text() == "Đã lưu trợ giúp cho 2 trẻ."
    box.accept()
    qtbot.waitUntil(lambda: view.coverage.text().startswith("2 / 2"), timeout=20_000)


def test_viewer_has_no_protection_area_and_collaborator_cannot_open_cases(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    from desktop.ui.protection.area import protection_areas

    as_role(book, Role.VIEWER)
    assert protection_areas(book) == []
    as_role(book, Role.COLLABORATOR)
    areas = protection_areas(book)
    assert len(areas) == 1
    area = areas[0][1]
    assert isinstance(area, ProtectionView)
    qtbot.addWidget(area)
    area.resize(1300, 640)
    area.show()
    cases = area.cases
    assert not cases.new_button.isEnabled()
    assert cases.new_button.toolTip() == "Tài khoản của bạn không có quyền sửa thông tin nhạy cảm."
    assert not cases.intake_button.isEnabled() and not cases.hidden_note.isHidden()
    settings = area.settings
    assert not settings.add_day.isEnabled()
    assert settings.add_day.toolTip() == "Tài khoản của bạn không có quyền thay đổi cài đặt."
    assert area.special.add_button.isEnabled()  # collaborators record their hamlets' children
    assert area.special.export_button.isHidden()  # no EXPORT right: lists with names stay here
    assert area.special.export_button.toolTip().startswith("Tài khoản của bạn không có quyền xuất")
    wait_for_ops(qtbot)
