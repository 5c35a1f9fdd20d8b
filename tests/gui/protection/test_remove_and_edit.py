"""What was typed in error is removed with a reason, and what was typed stays editable: a
child's episodes, risks and supports; injuries; labour and marriage records; a case's steps
(the closure too, which reopens it) and the case itself. Roles that may not are told why."""

from __future__ import annotations

from datetime import date
from typing import Any

from PySide6.QtWidgets import QLabel

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseService,
    CaseState,
    CaseStepForm,
    InjuryForm,
    InjuryService,
    LabourForm,
    LabourService,
    MarriageForm,
    RiskEpisodeForm,
    RiskService,
    SpecialEpisodeForm,
    SpecialService,
    StepKind,
    SupportForm,
    SupportService,
)
from desktop.ui.protection.cases import CaseDialog, CasesView, StepDialog
from desktop.ui.protection.episodes import RiskEpisodeDialog
from desktop.ui.protection.records import (
    InjuriesView,
    LabourDialog,
    LabourMarriageView,
    MarriageDialog,
)
from desktop.ui.protection.remove import RemoveDialog
from desktop.ui.protection.special import ChildProtectionDialog, RiskView
from desktop.ui.protection.supports import SupportDialog
from tests.gui.conftest import wait_for_ops
from tests.gui.protection.conftest import NOW, as_role
from tests.gui.test_translations import check


def _remove(dialog: RemoveDialog | None, qtbot: Any, done: Any) -> None:
    """Refused without a reason (said at the field), then removed with one."""
    assert isinstance(dialog, RemoveDialog)
    check(dialog)
    assert dialog.save_button.text() == "Xóa"
    dialog.save()
    qtbot.waitUntil(lambda: bool(dialog.field_errors["reason"].text()), timeout=10_000)
    assert dialog.field_errors["reason"].text() == "Hãy ghi lý do xóa (ghi nhầm, trùng …)."
    assert dialog.isVisible()
    dialog.reason.setText("Ghi nhầm trẻ")
    with qtbot.waitSignal(done, timeout=10_000):
        dialog.save()


def _record(book: Book, children: dict[str, str], qtbot: Any) -> ChildProtectionDialog:
    an = children["Nguyễn Văn An"]
    SpecialService(book).save(SpecialEpisodeForm(an, 1, date(2024, 5, 1)), confirm=True)
    risks = RiskService(book)
    risks.save(RiskEpisodeForm(an, risks.categories()[0].code, date(2026, 2, 1)))
    SupportService(book).save(SupportForm(an, "TG02", date(2026, 3, 1), provider="UBND xã"))
    groups = SpecialService(book).groups()
    dialog = ChildProtectionDialog(book, an, "Nguyễn Văn An — 02/03/2015, Thôn 1", groups)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.supports.rowCount() == 1, timeout=10_000)
    return dialog


def test_a_childs_episode_risk_and_support_are_edited_and_removed(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    dialog = _record(book, children, qtbot)
    check(dialog)
    an = children["Nguyễn Văn An"]
    # The risk opens in its form with what was recorded.
    dialog.risk_table.selectRow(0)
    risk = dialog._edit_risk()
    assert isinstance(risk, RiskEpisodeDialog)
    assert risk.start_date.value() == date(2026, 2, 1)
    risk.end_date.setText("01/09/2026")
    risk.end_reason.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        risk.save()
    assert RiskService(book).episodes_of(an)[0].end_date == date(2026, 9, 1)
    # The support opens in its form too.
    dialog.tabs.setCurrentIndex(2)
    dialog.support_table.selectRow(0)
    support = dialog._edit_support()
    assert isinstance(support, SupportDialog)
    support.provider.setText("Hội Chữ thập đỏ")
    with qtbot.waitSignal(dialog.changed, timeout=10_000):
        support.save()
    assert SupportService(book).of_child(an)[0].provider == "Hội Chữ thập đỏ"
    # Each is removed with a reason.
    qtbot.waitUntil(lambda: dialog.supports.rowCount() == 1, timeout=10_000)
    dialog.support_table.selectRow(0)
    _remove(dialog._remove_support(), qtbot, dialog.changed)
    qtbot.waitUntil(lambda: dialog.supports.rowCount() == 0, timeout=10_000)
    dialog.risk_table.selectRow(0)
    _remove(dialog._remove_risk(), qtbot, dialog.changed)
    dialog.episode_table.selectRow(0)
    removing = dialog._remove_episode()
    assert removing is not None
    shown = [label.text() for label in removing.findChildren(QLabel)]
    assert "Nhóm 1" in " ".join(shown) or any("01/05/2024" in t for t in shown)
    assert any("Nguyễn Văn An" in t and "01/05/2024" in t for t in shown)
    _remove(removing, qtbot, dialog.changed)
    qtbot.waitUntil(lambda: dialog.episodes.rowCount() == 0, timeout=10_000)
    assert SpecialService(book).episodes_of(an) == []
    assert RiskService(book).episodes_of(an) == []
    assert SupportService(book).of_child(an) == []
    wait_for_ops(qtbot)
    dialog.reject()


def test_a_viewer_is_told_why_nothing_can_be_removed(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    dialog = _record(book, children, qtbot)
    dialog.close()
    as_role(book, Role.VIEWER)
    view = InjuriesView(book)
    qtbot.addWidget(view)
    assert not view.remove_button.isEnabled() and view.remove_button.toolTip()
    labour = LabourMarriageView(book)
    qtbot.addWidget(labour)
    for button in (labour.edit_labour, labour.remove_labour, labour.remove_marriage):
        assert not button.isEnabled() and button.toolTip()
    as_role(book, Role.COLLABORATOR)
    cases = CasesView(book)
    qtbot.addWidget(cases)
    assert not cases.remove_button.isEnabled()
    assert "nhạy cảm" in cases.remove_button.toolTip()


def test_the_risk_list_opens_the_childs_record_on_its_risks(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    risks = RiskService(book)
    risks.save(
        RiskEpisodeForm(children["Trần Văn Cường"], risks.categories()[0].code, date(2026, 1, 5))
    )
    view = RiskView(book)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    wait_for_ops(qtbot)
    view.table.selectRow(0)
    dialog = view.open_record()
    assert isinstance(dialog, ChildProtectionDialog)
    assert dialog.tabs.currentIndex() == 1
    qtbot.waitUntil(lambda: dialog.risks.rowCount() == 1, timeout=10_000)
    dialog.risk_table.selectRow(0)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        _remove(dialog._remove_risk(), qtbot, dialog.changed)
    assert view.model.rowCount() == 0
    wait_for_ops(qtbot)
    dialog.reject()


def test_an_injury_is_removed_with_its_reason(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    InjuryService(book).save(
        InjuryForm(date(2026, 9, 1), "TN05", "KQ03", person_id=children["Nguyễn Thị Ánh"])
    )
    view = InjuriesView(book)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    assert view.model.rowCount() == 1
    view.table.selectRow(0)
    _remove(view.remove_selected(), qtbot, view.loaded)
    assert view.model.rowCount() == 0
    assert view.counts.text().startswith("0 trường hợp")
    wait_for_ops(qtbot)


def test_labour_and_marriage_records_are_edited_and_removed(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    cuong = children["Trần Văn Cường"]
    service = LabourService(book)
    service.save_labour(
        LabourForm(cuong, date(2026, 6, 1), work="Phụ hồ", employer="Ông Tư", hours_per_week=30)
    )
    service.save_marriage(
        MarriageForm(
            cuong, date(2026, 8, 1), partner_name="Hờ Thị Mỷ",
            partner_birth_date=date(2010, 4, 2), partner_sex=2,
        )
    )  # fmt: skip
    view = LabourMarriageView(book)
    qtbot.addWidget(view)
    view.resize(1300, 600)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    view.labour_table.selectRow(0)
    labour = view.edit_selected_labour()
    assert isinstance(labour, LabourDialog)
    check(labour)
    assert labour.windowTitle() == "Sửa: trẻ em lao động"
    assert labour.employer.text() == "Ông Tư" and labour.hours.text() == "30"
    labour.end_date.setText("31/08/2026")
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        labour.save()
    (record,) = service.labour_list()
    assert record.end_date == date(2026, 8, 31) and record.employer == "Ông Tư"
    assert record.hours_per_week == 30 and record.work == "Phụ hồ"
    view.marriage_table.selectRow(0)
    marriage = view.edit_selected_marriage()
    assert isinstance(marriage, MarriageDialog)
    assert marriage.partner_birth_date.value() == date(2010, 4, 2)
    marriage.registered.setChecked(True)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        marriage.save()
    (married,) = service.marriage_list()
    assert married.registered and married.partner_birth_date == date(2010, 4, 2)
    assert married.partner_sex == 2 and married.partner_name == "Hờ Thị Mỷ"
    view.labour_table.selectRow(0)
    _remove(view.remove_selected_labour(), qtbot, view.loaded)
    view.marriage_table.selectRow(0)
    _remove(view.remove_selected_marriage(), qtbot, view.loaded)
    assert view.labour.rowCount() == 0 and view.marriage.rowCount() == 0
    assert service.labour_list() == () and service.marriage_list() == ()
    wait_for_ops(qtbot)


def test_a_case_is_closed_its_closure_removed_and_the_case_removed(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    cases = CaseService(book)
    saved = cases.submit(
        CaseForm(
            received_on=NOW.date(), received_time=NOW.time(), channel_code="NT02",
            children=(CaseChildForm(person_id=children["Nguyễn Văn An"]),), forms=("XH01.1",),
        )
    )  # fmt: skip
    cases.add_step(
        saved.id,
        CaseStepForm(StepKind.WRITTEN_REPORT, NOW),
    )
    view = CasesView(book)
    qtbot.addWidget(view)
    with qtbot.waitSignal(view.loaded, timeout=10_000):
        view.show()
    dialog = view.open_case(saved.id)
    assert isinstance(dialog, CaseDialog)
    qtbot.waitUntil(lambda: dialog.detail is not None, timeout=10_000)
    wait_for_ops(qtbot)
    assert dialog.close_button.isEnabled()
    assert not dialog.remove_step_button.isEnabled()
    assert dialog.remove_step_button.toolTip() == "Chọn một bước trong bảng."
    closing = dialog.open_step(StepKind.CLOSURE)
    assert isinstance(closing, StepDialog)
    assert closing.kind.current_data() == StepKind.CLOSURE
    assert not closing.has_unsaved_changes()
    closing.outcome_code.setCurrentIndex(1)
    with qtbot.waitSignal(dialog.loaded, timeout=10_000):
        closing.save()
    assert dialog.detail is not None and dialog.detail.state == CaseState.CLOSED
    assert not dialog.close_button.isEnabled()
    assert dialog.close_button.toolTip() == "Vụ việc đã kết thúc."
    # The closure was typed in error: removing it reopens the case.
    closure_row = next(
        i for i in range(dialog.steps.rowCount()) if dialog.steps.row_at(i).kind == StepKind.CLOSURE
    )
    dialog.steps_table.selectRow(closure_row)
    assert dialog.remove_step_button.isEnabled()
    _remove(dialog.remove_step(), qtbot, dialog.loaded)
    assert dialog.detail is not None and dialog.detail.state == CaseState.OPEN
    assert cases.get(saved.id).state == CaseState.OPEN
    wait_for_ops(qtbot)
    dialog.reject()
    wait_for_ops(qtbot)
    view.table.selectRow(0)
    _remove(view.remove_selected(), qtbot, view.loaded)
    assert view.model.rowCount() == 0 and cases.list() == ()
    wait_for_ops(qtbot)


def test_a_case_childs_hiv_status_is_typed_by_the_officer_only(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    cases = CaseService(book)
    saved = cases.submit(
        CaseForm(
            received_on=NOW.date(), received_time=NOW.time(), channel_code="NT02",
            children=(CaseChildForm(person_id=children["Nguyễn Văn An"]),), forms=("XH01.1",),
        )
    )  # fmt: skip
    dialog = CaseDialog(book, saved.id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.show()
    wait_for_ops(qtbot)
    editor = dialog.children_editor
    assert editor.hiv_status.isVisibleTo(editor) and not editor.hiv_status.isEnabled()
    editor.list.setCurrentRow(0)
    assert editor.hiv_status.isEnabled() and editor.hiv_status.current_data() == ""
    editor.hiv_status.set_current_data("affected")
    assert editor.list.item(0).text().endswith("— HIV: Bị ảnh hưởng bởi HIV/AIDS")
    assert dialog._dirty  # the change is typed, not yet saved
    with qtbot.waitSignal(dialog.saved, timeout=20_000):
        dialog.submit()
    assert cases.get(saved.id).children[0].hiv_status == "affected"
    wait_for_ops(qtbot)
    dialog.reject()
    wait_for_ops(qtbot)
    # A collaborator neither sees nor types it.
    as_role(book, Role.COLLABORATOR)
    other = CaseDialog(book, saved.id)
    qtbot.addWidget(other)
    with qtbot.waitSignal(other.loaded, timeout=20_000):
        other.show()
    assert not other.children_editor.hiv_status.isVisibleTo(other.children_editor)
    shown = other.children_editor.list
    assert all("HIV" not in shown.item(i).text() for i in range(shown.count()))
    wait_for_ops(qtbot)
    other.reject()
