"""Vietnamese message boxes that never block: they open window-modal and call back.

Nothing here runs a nested event loop (``exec()``), so a background operation finishing
while a box is open is handled normally, and tests can find the box and close it.
"""

from __future__ import annotations

import logging
import traceback
import weakref
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)


def _tr(text: str) -> str:
    return QCoreApplication.translate("messages", text)


def show_message(
    parent: QWidget | None,
    text: str,
    *,
    title: str | None = None,
    icon: QMessageBox.Icon = QMessageBox.Icon.Information,
    informative: str = "",
) -> QMessageBox:
    """Open a message box with one "Đồng ý" button and return it (already shown)."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title or _tr("Sổ Trẻ Em"))
    box.setText(text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    if informative:
        box.setInformativeText(informative)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def show_error(parent: QWidget | None, text: str, *, title: str | None = None) -> QMessageBox:
    """A warning box: something could not be done; ``text`` says what and what to do."""
    return show_message(
        parent,
        text,
        title=title or _tr("Chưa thực hiện được"),
        icon=QMessageBox.Icon.Warning,
    )


GENERIC_ERROR = (
    "Đã có lỗi ngoài dự kiến nên việc này chưa làm xong. Dữ liệu đã lưu trước đó không bị "
    "ảnh hưởng. Hãy thử lại; nếu vẫn lỗi, hãy báo cho cán bộ kỹ thuật và gửi kèm thư mục "
    "“nhat-ky” trong thư mục dữ liệu."
)


def log_unexpected(exc: BaseException) -> None:
    """Log an unexpected error without its message (messages may quote names or ID numbers)."""
    # Where it happened, without source lines or values: only file, line and function.
    frames = "\n".join(
        f"  {frame.filename}:{frame.lineno} in {frame.name}"
        for frame in traceback.extract_tb(exc.__traceback__)
    )
    log.error("Unexpected %s\n%s", type(exc).__qualname__, frames)


def show_exception(parent: QWidget | None, exc: BaseException) -> QMessageBox:
    """Show ``exc`` to the person: its ``message_vi`` if it has one, else a generic message."""
    message = getattr(exc, "message_vi", None)
    if isinstance(message, str) and message:
        return show_error(parent, message)
    log_unexpected(exc)
    return show_error(parent, _tr(GENERIC_ERROR), title=_tr("Lỗi ngoài dự kiến"))


def ask(
    parent: QWidget | None,
    text: str,
    *,
    on_yes: Callable[[], object],
    on_no: Callable[[], object] | None = None,
    title: str | None = None,
    yes_text: str | None = None,
    no_text: str | None = None,
    icon: QMessageBox.Icon = QMessageBox.Icon.Question,
) -> QMessageBox:
    """Ask a yes/no question; calls ``on_yes`` or ``on_no`` when answered."""
    box = QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(title or _tr("Sổ Trẻ Em"))
    box.setText(text)
    box.setTextFormat(Qt.TextFormat.PlainText)
    yes = box.addButton(yes_text or _tr("Có"), QMessageBox.ButtonRole.YesRole)
    no = box.addButton(no_text or _tr("Không"), QMessageBox.ButtonRole.NoRole)
    box.setDefaultButton(no)
    box.setEscapeButton(no)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

    def answered(_result: int) -> None:
        if box.clickedButton() is yes:
            on_yes()
        elif on_no is not None:
            on_no()

    box.finished.connect(answered)
    box.open()
    return box


def open_file(parent: QWidget | None, path: Path) -> QMessageBox | None:
    """Open ``path`` in the program the system gives it; when none does, say so with the
    file's path and offer to open its folder instead. Returns the box shown, if any."""
    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices

    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(path))):
        return None

    def open_folder() -> None:
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent))):
            show_message(
                parent,
                _tr("Không mở được thư mục:\n{d}\n\nHãy tìm tệp theo đường dẫn trên.").format(
                    d=path.parent
                ),
                icon=QMessageBox.Icon.Warning,
            )

    return ask(
        parent,
        _tr(
            "Máy này không có chương trình nào mở được tệp:\n{p}\n\n"
            "Tệp đã được lưu. Mở thư mục chứa tệp để chép hoặc mở bằng chương trình khác?"
        ).format(p=path),
        on_yes=open_folder,
        title=_tr("Không mở được tệp"),
        yes_text=_tr("Mở thư mục"),
        no_text=_tr("Đóng"),
        icon=QMessageBox.Icon.Warning,
    )


def file_opener(parent: QWidget | None, path: Path) -> Callable[[], object]:
    """A callback for a "Mở tệp" button that opens ``path`` with :func:`open_file`.

    It holds ``parent`` only weakly: a strong reference from a slot of a box that ``parent``
    owns keeps the Python wrapper alive past the C++ widget, and Qt then frees it twice
    (a crash when the window closes)."""
    ref = weakref.ref(parent) if parent is not None else None

    def opener() -> object:
        return open_file(ref() if ref is not None else None, path)

    return opener
