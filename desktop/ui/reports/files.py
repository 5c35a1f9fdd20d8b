"""Saving a report: the Vietnamese save dialog and the "open it now?" question afterwards
(shared by the population report and the periodic report)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from desktop.core.reports.protect import ExportProtection
from desktop.ui import messages
from desktop.ui.security.export_dialog import ExportPasswordDialog, ask_export_protection

FORMATS = {
    "pdf": ("PDF", "Tệp PDF (*.pdf)"),
    "xlsx": ("Excel", "Bảng tính Excel (*.xlsx)"),
}


def _tr(text: str) -> str:
    return QCoreApplication.translate("ReportsView", text)


def ask_report_path(
    parent: QWidget,
    fmt: str,
    default: Path,
    on_chosen: Callable[[Path], object],
    title: str | None = None,
) -> QFileDialog:
    """Open the non-blocking save dialog for a ``fmt`` report proposing ``default``
    (``title`` replaces "Lưu báo cáo PDF/Excel" for another kind of file)."""
    name, pattern = FORMATS[fmt]
    dialog = QFileDialog(parent, title or _tr("Lưu báo cáo {name}").format(name=name))
    dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    dialog.setFileMode(QFileDialog.FileMode.AnyFile)
    dialog.setNameFilter(_tr(pattern))
    dialog.setDefaultSuffix(fmt)
    dialog.setDirectory(str(default.parent))
    dialog.selectFile(default.name)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.fileSelected.connect(lambda chosen: on_chosen(Path(chosen)))
    dialog.open()
    return dialog


def write_maybe_protected(
    parent: QWidget, protect: bool, write: Callable[[ExportProtection | None], object]
) -> ExportPasswordDialog | None:
    """Call ``write(None)``, or first ask the export password when ``protect`` is ticked."""
    if not protect:
        write(None)
        return None
    return ask_export_protection(parent, sensitive=False, on_chosen=write)


def with_suffix(path: Path, fmt: str) -> Path:
    """``path`` ending in ``.fmt`` (appended when the person typed a bare name)."""
    return path if path.suffix.lower() == f".{fmt}" else path.with_name(path.name + f".{fmt}")


def offer_to_open(parent: QWidget, path: Path, what: str | None = None) -> QMessageBox:
    """Say where the report (or ``what``, e.g. "phiếu thu thập số liệu") was saved and offer
    to open it."""
    if what is None:
        text, title = _tr("Đã lưu báo cáo vào:\n{p}\n\nMở tệp này ngay?"), _tr("Đã xuất báo cáo")
    else:
        text, title = _tr("Đã lưu {what} vào:\n{p}\n\nMở tệp này ngay?"), _tr("Đã lưu tệp")
    return messages.ask(
        parent,
        text.format(p=path, what=what),
        on_yes=messages.file_opener(parent, path),
        title=title,
        yes_text=_tr("Mở tệp"),
        no_text=_tr("Để sau"),
        icon=QMessageBox.Icon.Information,
    )
