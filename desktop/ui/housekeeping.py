"""After the main window appears: the whole-file check and the daily backup, in the background.

They run on the database thread of the operations runner (one writer), so typing never
waits; a small bar in the status bar shows how far they are. A damaged book gets the message
it got at login before (and administrators are taken to "Sao lưu", where "Khôi phục" is); a
failed daily backup is shown as a warning and is tried again at the next login.
"""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QWidget

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.core.services.housekeeping import HousekeepingResult, run_housekeeping
from desktop.ui import messages
from desktop.ui.changes import Change
from desktop.ui.ops import Op, run_op

log = logging.getLogger(__name__)


class Housekeeping(QObject):
    """Runs ``run_housekeeping`` once for ``window`` and shows it in the status bar."""

    def __init__(self, window: QMainWindow, book: Book) -> None:
        # The window is the Qt parent only (no Python reference back to it: no cycle keeps a
        # closed window's wrapper alive).
        super().__init__(window)
        self._book = book
        self.result: HousekeepingResult | None = None
        self.op: Op | None = None
        self.label = QLabel(self.tr("Đang kiểm tra và sao lưu sổ…"))
        self.label.setObjectName("hintLabel")
        self.bar = QProgressBar()
        self.bar.setObjectName("housekeepingProgress")
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(120)
        self.bar.setMaximumHeight(14)
        self.bar.setTextVisible(False)
        status = window.statusBar()
        status.addPermanentWidget(self.label)
        status.addPermanentWidget(self.bar)

    @property
    def _window(self) -> QMainWindow:
        window = self.parent()
        assert isinstance(window, QMainWindow)
        return window

    def start(self) -> Op:
        """Queue the work behind whatever the window already asked the database for."""
        book = self._book
        self.op = run_op(
            self._window,
            lambda progress: run_housekeeping(book, progress),
            success=self._done,
            failure=self._failed,
            with_progress=True,
            changes=(Change.BACKUPS,),  # the home screen's "Sao lưu gần nhất" follows
        )
        self.op.progressed.connect(self._progress)
        return self.op

    def _progress(self, done: int, total: int) -> None:
        if shiboken6.isValid(self.bar):
            self.bar.setRange(0, max(total, 1))
            self.bar.setValue(done)

    def _hide(self) -> None:
        self.op = None  # the finished Op refers to the window: keep no cycle
        for widget in (self.label, self.bar):
            if shiboken6.isValid(widget):
                widget.hide()

    def _done(self, result: HousekeepingResult) -> None:
        self.result = result
        self._hide()
        window: QWidget = self._window
        if result.damaged:
            messages.show_error(window, result.damaged, title=self.tr("Sổ bị hỏng"))
            self._offer_restore()
            return
        if result.backup_error:
            messages.show_error(
                window,
                self.tr("Chưa sao lưu tự động hôm nay được: {why} Lần đăng nhập sau sẽ thử lại.")
                .format(why=result.backup_error),
                title=self.tr("Cần chú ý"),
            )  # fmt: skip
            return
        if result.backup is not None:
            self._window.statusBar().showMessage(self.tr("Đã sao lưu tự động hôm nay."), 5000)

    def _failed(self, exc: BaseException) -> None:
        self._hide()
        log.error("Housekeeping failed: %s", type(exc).__name__)
        messages.show_exception(self._window, exc)

    def _offer_restore(self) -> None:
        if not self._book.user.may(Action.RESTORE):
            return
        from desktop.ui.security.backup_view import BackupView

        show_area = getattr(self._window, "show_area", None)
        for _title, widget in getattr(self._window, "areas", []):
            if isinstance(widget, BackupView) and show_area is not None:
                show_area(widget)


def start_housekeeping(window: QMainWindow, book: Book) -> Housekeeping:
    """Start the background check and daily backup for a freshly shown main window."""
    keeper = Housekeeping(window, book)
    keeper.start()
    return keeper
