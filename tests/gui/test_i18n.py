"""Qt's own strings in Vietnamese, read from resources/translations/qtbase_vi.ts."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QCoreApplication, QLocale
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit, QMessageBox, QWizard, QWizardPage

from desktop.ui.i18n import QT_CATALOGUE, TsTranslator, load_ts
from resources import resource_path


def test_catalogue_parses_and_covers_the_standard_buttons() -> None:
    messages = load_ts(resource_path("translations", QT_CATALOGUE))
    assert messages[("QPlatformTheme", "OK", "")] == "Đồng ý"
    assert messages[("QPlatformTheme", "Cancel", "")] == "Hủy"
    assert messages[("QWizard", "&Next >", "")] == "&Tiếp >"
    assert messages[("QWizard", "< &Back", "")] == "< &Quay lại"
    assert messages[("QWizard", "&Finish", "")] == "&Hoàn tất"
    assert messages[("QFileSystemModel", "Type", "All other platforms")] == "Loại"
    assert len(messages) > 100


@pytest.mark.parametrize(
    ("context", "source", "expected"),
    [
        ("QPlatformTheme", "OK", "Đồng ý"),
        ("QPlatformTheme", "&Yes", "&Có"),
        ("QPlatformTheme", "&No", "&Không"),
        ("QPlatformTheme", "Close", "Đóng"),
        ("QPlatformTheme", "Save", "Lưu"),
        ("QPlatformTheme", "Retry", "Thử lại"),
        ("QLineEdit", "&Paste", "&Dán"),
        ("QWidgetTextControl", "Select All", "Chọn tất cả"),
        ("QMessageBox", "Show Details...", "Xem chi tiết..."),
    ],
)
def test_installed_translator_answers_qt(context: str, source: str, expected: str) -> None:
    assert QCoreApplication.translate(context, source) == expected


def test_unknown_strings_fall_through_to_the_source() -> None:
    translator = TsTranslator({("C", "a", ""): "á"})
    assert translator.translate("C", "a") == "á"
    assert translator.translate("C", "a", "some comment") == "á"
    assert translator.translate("C", "b") is None
    assert QCoreApplication.translate("NoSuchContext", "Xin chào") == "Xin chào"


def test_locale_is_vietnamese() -> None:
    assert QLocale().name() == "vi_VN"


def test_standard_buttons_are_vietnamese(qtbot: Any) -> None:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok
        | QDialogButtonBox.StandardButton.Cancel
        | QDialogButtonBox.StandardButton.Yes
        | QDialogButtonBox.StandardButton.No
        | QDialogButtonBox.StandardButton.Close
        | QDialogButtonBox.StandardButton.Save
        | QDialogButtonBox.StandardButton.Discard
    )
    qtbot.addWidget(box)
    texts = {b.text().replace("&", "") for b in box.buttons()}
    assert texts == {"Đồng ý", "Hủy", "Có", "Không", "Đóng", "Lưu", "Bỏ"}

    message = QMessageBox()
    qtbot.addWidget(message)
    message.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Retry)
    message.setDetailedText("chi tiết")
    texts = {b.text().replace("&", "") for b in message.buttons()}
    assert {"Đồng ý", "Thử lại", "Xem chi tiết..."} <= texts


def test_wizard_buttons_are_vietnamese(qtbot: Any) -> None:
    wizard = QWizard()
    qtbot.addWidget(wizard)
    wizard.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
    wizard.addPage(QWizardPage())
    wizard.addPage(QWizardPage())
    assert wizard.buttonText(QWizard.WizardButton.NextButton) == "&Tiếp >"
    assert wizard.buttonText(QWizard.WizardButton.BackButton) == "< &Quay lại"
    assert wizard.buttonText(QWizard.WizardButton.FinishButton) == "&Hoàn tất"
    assert wizard.buttonText(QWizard.WizardButton.CancelButton) == "Hủy"


def test_text_field_context_menu_is_vietnamese(qtbot: Any) -> None:
    edit = QLineEdit("Nguyễn Văn An")
    qtbot.addWidget(edit)
    menu = edit.createStandardContextMenu()
    labels = {a.text().split("\t")[0].replace("&", "") for a in menu.actions() if a.text()}
    assert {"Hoàn tác", "Làm lại", "Cắt", "Sao chép", "Dán", "Xóa", "Chọn tất cả"} <= labels
    menu.deleteLater()
