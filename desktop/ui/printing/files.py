"""Choosing where to save or what to open (non-blocking), and saving with a password."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFileDialog, QWidget

from desktop import paths
from desktop.core.reports.protect import ExportProtection
from desktop.ui import messages

XLSX_FILTER = "Bảng tính Excel (*.xlsx)"
PDF_FILTER = "Tệp PDF (*.pdf)"
SPREADSHEET_FILTER = "Bảng tính (*.xlsx *.xlsm *.csv *.txt);;Tất cả các tệp (*)"


def _tr(text: str) -> str:
    return QCoreApplication.translate("Printing", text)


def choose_save_path(
    parent: QWidget,
    title: str,
    file_name: str,
    on_chosen: Callable[[Path], object],
) -> QFileDialog:
    """Ask where to save ``file_name`` (its suffix picks the filter); calls ``on_chosen``."""
    suffix = Path(file_name).suffix.lstrip(".").lower()
    dialog = QFileDialog(parent, title)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(_tr(PDF_FILTER if suffix == "pdf" else XLSX_FILTER))
    dialog.setDefaultSuffix(suffix)
    dialog.setDirectory(str(paths.exports_dir()))
    dialog.selectFile(file_name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def chosen(text: str) -> None:
        path = Path(text)
        if suffix and path.suffix.lower() != f".{suffix}":
            path = path.with_name(f"{path.name}.{suffix}")
        on_chosen(path)

    dialog.fileSelected.connect(chosen)
    dialog.open()
    return dialog


def choose_open_path(
    parent: QWidget,
    title: str,
    on_chosen: Callable[[Path], object],
    name_filter: str = SPREADSHEET_FILTER,
) -> QFileDialog:
    """Ask which spreadsheet to open (``name_filter``: which files are offered, e.g.
    XLSX_FILTER for a file only openpyxl reads); calls ``on_chosen`` with it."""
    dialog = QFileDialog(parent, title)
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)
    dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
    dialog.setNameFilter(_tr(name_filter))
    dialog.setDirectory(str(Path.home()))
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda text: on_chosen(Path(text)))
    dialog.open()
    return dialog


def ask_protection(
    parent: QWidget, on_chosen: Callable[[ExportProtection], object], *, sensitive: bool = True
) -> QWidget:
    """Ask for the file's password (the security screens' dialog); calls ``on_chosen``."""
    from desktop.ui.security.export_dialog import ask_export_protection

    return ask_export_protection(parent, sensitive=sensitive, on_chosen=on_chosen)


def offer_to_open(parent: QWidget, path: Path, what: str) -> None:
    """Say where ``what`` was saved and offer to open it."""
    messages.ask(
        parent,
        _tr("Đã lưu {what} vào:\n{path}\n\nMở tệp này ngay?").format(what=what, path=path),
        on_yes=messages.file_opener(parent, path),
        title=_tr("Đã lưu tệp"),
        yes_text=_tr("Mở tệp"),
        no_text=_tr("Để sau"),
    )
