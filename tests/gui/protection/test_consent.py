"""Consent on the screens: a case's consents recorded and withdrawn; the case list's export
asks on what basis the children's case data may leave the book."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from desktop.core.domain.roles import Role
from desktop.core.services.book import Book
from desktop.core.services.protection import (
    CaseChildForm,
    CaseForm,
    CaseSaved,
    CaseService,
    ConsentForm,
    ConsentService,
    ExportBasis,
)
from desktop.ui.protection.cases import CaseDialog, CasesView
from desktop.ui.protection.consent import ConsentDialog, ExportBasisDialog, WithdrawDialog
from tests.gui.conftest import find_top_level, wait_for_ops
from tests.gui.protection.conftest import NOW, as_role
from tests.gui.test_translations import check


def _case(book: Book, person_id: str) -> CaseSaved:
    return CaseService(book).submit(
        CaseForm(
            received_on=NOW.date(), received_time=NOW.time(), channel_code="NT02",
            children=(CaseChildForm(person_id=person_id),), forms=("XH01.1",),
        )
    )  # fmt: skip


def _opened(book: Book, case_id: str, qtbot: Any) -> CaseDialog:
    dialog = CaseDialog(book, case_id)
    qtbot.addWidget(dialog)
    with qtbot.waitSignal(dialog.loaded, timeout=20_000):
        dialog.show()
    wait_for_ops(qtbot)
    return dialog


def test_a_consent_is_recorded_then_withdrawn_on_the_case(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    saved = _case(book, children["Nguyễn Văn An"])
    dialog = _opened(book, saved.id, qtbot)
    panel = dialog.consents
    assert panel is not None and panel.model.rowCount() == 0
    assert panel.record_button.isEnabled() and not panel.withdraw_button.isEnabled()
    assert panel.withdraw_button.toolTip() == "Chọn một sự đồng ý trong bảng."
    form = panel.open_record()
    assert isinstance(form, ConsentDialog)
    check(form)
    assert form.purpose.current_data() == "export"
    form.save()  # An is 11: his carer and he must both agree
    qtbot.waitUntil(form.summary.isVisible, timeout=10_000)
    assert form.field_errors["representative_name"].text()
    assert form.field_errors["child_consented"].text()
    form.representative_name.setText("Nguyễn Văn Bình")
    form.representative_consented.setChecked(True)
    form.child_consented.setChecked(True)
    form.scope.setText("Danh sách gửi Phòng Văn hóa - Xã hội")
    with qtbot.waitSignal(dialog.changed, timeout=20_000):
        form.save()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1, timeout=10_000)
    assert panel.model.data(panel.model.index(0, 1)) == "Xuất danh sách, dữ liệu có tên trẻ"
    assert panel.model.data(panel.model.index(0, 2)) == "Nguyễn Văn Bình đồng ý; trẻ đồng ý"
    assert panel.model.data(panel.model.index(0, 4)) == "Còn hiệu lực"
    panel.table.selectRow(0)
    assert panel.withdraw_button.isEnabled()
    withdraw = panel.open_withdraw()
    assert isinstance(withdraw, WithdrawDialog)
    check(withdraw)
    withdraw.reason.setText("Mẹ của trẻ rút lại")
    with qtbot.waitSignal(dialog.changed, timeout=20_000):
        withdraw.save()
    qtbot.waitUntil(
        lambda: panel.model.data(panel.model.index(0, 4)) == "Đã rút lại ngày 18/09/2026",
        timeout=10_000,
    )
    panel.table.selectRow(0)
    assert not panel.withdraw_button.isEnabled()
    assert panel.withdraw_button.toolTip() == "Sự đồng ý này đã được rút lại."
    assert ConsentService(book).of_case(saved.id)[0].withdrawn_on == NOW.date()
    wait_for_ops(qtbot)
    dialog.reject()


def test_a_collaborator_sees_no_consents(children: dict[str, str], book: Book, qtbot: Any) -> None:
    saved = _case(book, children["Nguyễn Văn An"])
    as_role(book, Role.COLLABORATOR)
    dialog = _opened(book, saved.id, qtbot)
    assert dialog.consents is None
    dialog.reject()


def _basis_dialog(view: CasesView, qtbot: Any) -> ExportBasisDialog:
    view.export_button.click()
    qtbot.waitUntil(lambda: bool(view.findChildren(ExportBasisDialog)), timeout=10_000)
    found = view.findChildren(ExportBasisDialog)[-1]
    qtbot.waitUntil(found.isVisible, timeout=5_000)
    return found


def test_the_case_list_export_asks_for_the_basis_first(
    children: dict[str, str], book: Book, qtbot: Any, tmp_path: Path
) -> None:
    first = _case(book, children["Nguyễn Văn An"])
    second = _case(book, children["Trần Văn Cường"])
    ConsentService(book).record(
        ConsentForm(
            "export", NOW.date(), case_id=first.id, representative_name="Nguyễn Văn Bình",
            representative_consented=True, child_consented=True,
        )
    )  # fmt: skip
    view = CasesView(book)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=10_000)
    asked = _basis_dialog(view, qtbot)
    check(asked)
    # The second case has no consent: relying on consents is disabled, with the reason.
    assert not asked.consented.isEnabled()
    assert second.case_no in asked.missing_label.text()
    assert first.case_no not in asked.missing_label.text()
    assert asked.not_needed.isChecked() and asked.reason.isEnabled()
    asked.buttons.accepted.emit()  # no reason chosen: said at the field, the dialog stays
    assert asked.reason_error.text() == "Hãy chọn hoặc ghi lý do không cần đồng ý."
    assert asked.isVisible()
    asked.reason.setCurrentIndex(1)
    asked.recipient.setText("Công an huyện")
    assert asked.basis() == ExportBasis(
        "Theo yêu cầu bằng văn bản của cơ quan điều tra, viện kiểm sát, tòa án", "Công an huyện"
    )
    asked.buttons.accepted.emit()
    dialogs = find_top_level(QFileDialog)
    assert dialogs and dialogs[0].windowTitle() == "Xuất danh sách ra Excel"
    dialogs[0].reject()
    wait_for_ops(qtbot)


def test_with_every_consent_in_place_the_consents_are_relied_on(
    children: dict[str, str], book: Book, qtbot: Any
) -> None:
    saved = _case(book, children["Nguyễn Văn An"])
    ConsentService(book).record(
        ConsentForm(
            "export", NOW.date(), case_id=saved.id, representative_name="Nguyễn Văn Bình",
            representative_consented=True, child_consented=True,
        )
    )  # fmt: skip
    view = CasesView(book)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    asked = _basis_dialog(view, qtbot)
    assert asked.consented.isEnabled() and asked.consented.isChecked()
    assert not asked.reason.isEnabled()
    assert asked.basis() == ExportBasis()
    asked.reject()
    wait_for_ops(qtbot)
