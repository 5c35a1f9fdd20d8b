"""The main window: navigation among the working areas, status bar, idle lock."""

from __future__ import annotations

import logging
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.permissions import Action
from desktop.core.domain.roles import ROLE_LABELS
from desktop.core.services.access import HIDDEN_NOTE
from desktop.core.services.book import Book, CommuneInfo
from desktop.ui import messages, ops
from desktop.ui.changes import Change, on_change
from desktop.ui.children.view import children_areas
from desktop.ui.home.navigate import install_home
from desktop.ui.home.view import HomeView
from desktop.ui.households.view import HouseholdsView
from desktop.ui.housekeeping import start_housekeeping
from desktop.ui.imports.view import exchange_areas
from desktop.ui.ops import run_op
from desktop.ui.periodic.cfc import CfcView
from desktop.ui.periodic.view import PeriodicReportView
from desktop.ui.protection.area import protection_areas
from desktop.ui.reports.view import ReportsView
from desktop.ui.screen import resize_to_fit
from desktop.ui.security.areas import security_areas
from desktop.ui.security.password_dialog import ChangePasswordDialog
from desktop.ui.security.users_view import UsersView
from desktop.ui.sync.view import SyncServiceFactory, SyncView, default_sync_service
from desktop.ui.widgets import ErrorLabel
from sync import clock

log = logging.getLogger(__name__)

MIN_SIZE = (960, 520)
PREFERRED_SIZE = (1280, 720)

# Input that counts as "someone is using the app".
_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
    QEvent.Type.ShortcutOverride,
}


class IdleWatcher(QObject):
    """Application-wide event filter; emits ``idle`` after ``timeout_ms`` without input."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timeout_ms = timeout_ms
        # The monotonic clock, replaceable so a test can move time instead of waiting for it.
        self.now: Callable[[], float] = clock.monotonic
        self._last = self.now()
        self._timer = QTimer(self)
        # Checking a timestamp is cheaper than restarting a timer on every mouse move.
        self._timer.setInterval(max(50, min(timeout_ms // 4, 15_000)))
        self._timer.timeout.connect(self.check)
        self._installed = False

    def start(self) -> None:
        """Begin watching (installs the event filter on the application)."""
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self._last = self.now()
        self._timer.start()

    def stop(self) -> None:
        """Stop watching (removes the event filter)."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    def activity(self) -> None:
        """Count as input now."""
        self._last = self.now()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY:
            self._last = self.now()
        return False

    def check(self) -> None:
        """Emit ``idle`` if there was no input for the timeout (the timer calls this)."""
        if (self.now() - self._last) * 1000 >= self.timeout_ms:
            self._timer.stop()
            self.idle.emit()


class LockDialog(QDialog):
    """Asks the current user's password after the idle lock; or quits the app."""

    unlocked = Signal()
    quit_requested = Signal()

    def __init__(self, book: Book, minutes: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        self._busy = False
        self.setWindowTitle(self.tr("Sổ Trẻ Em đã khóa"))
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        heading = QLabel(self.tr("Sổ đã tạm khóa"))
        heading.setObjectName("pageTitle")
        self.message = text = QLabel(
            self.tr(
                "Không có thao tác nào trong {m} phút nên sổ đã được khóa để bảo vệ thông tin "
                "của trẻ em. {name}, hãy nhập mật khẩu để tiếp tục."
            ).format(m=minutes, name=book.user.full_name)
        )
        text.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("mật khẩu của {u}").format(u=book.user.username))
        self.error = ErrorLabel()
        self.unlock_button = QPushButton(self.tr("Mở khóa"))
        self.unlock_button.setObjectName("primary")
        self.unlock_button.setDefault(True)
        self.quit_button = QPushButton(self.tr("Thoát chương trình"))
        self.quit_button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.quit_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(text)
        layout.addWidget(self.password)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.setMinimumWidth(460)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.quit_button.clicked.connect(self.quit_requested.emit)

    def reject(self) -> None:
        """Escape does not unlock."""

    def try_unlock(self) -> None:
        """Check the password in the background."""
        if self._busy:
            return
        password = self.password.text()
        if not password:
            self.error.show_message(self.tr("Hãy nhập mật khẩu."))
            return
        self._busy = True
        self.unlock_button.setEnabled(False)
        book = self._book
        run_op(self, lambda: book.verify_password(password), success=self._checked)

    def _checked(self, ok: object) -> None:
        self._busy = False
        self.unlock_button.setEnabled(True)
        if ok is True:
            self.password.clear()
            self.unlocked.emit()
            self.done(QDialog.DialogCode.Accepted)
        else:
            self.error.show_message(self.tr("Mật khẩu không đúng."))
            self.password.selectAll()
            self.password.setFocus()


class AreaStack(QStackedWidget):
    """The working areas, one at a time, each in a scroll area of its own.

    An area taller or wider than the window (at 125 % scaling a 1366×768 screen leaves
    1093×614 logical pixels) scrolls instead of squeezing its texts. ``currentWidget`` and
    ``setCurrentWidget`` speak of the areas themselves, not of their scroll areas.
    """

    def add_area(self, area: QWidget) -> None:
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(area)
        self.addWidget(scroll)

    def currentWidget(self) -> QWidget | None:
        current = super().currentWidget()
        inner = current.widget() if isinstance(current, QScrollArea) else None
        return inner if inner is not None else current

    def setCurrentWidget(self, widget: QWidget) -> None:
        for index in range(self.count()):
            page = self.widget(index)
            if page is widget or (isinstance(page, QScrollArea) and page.widget() is widget):
                self.setCurrentIndex(index)
                return


class MainWindow(QMainWindow):
    """The commune book, open: "Hộ gia đình", "Báo cáo", "Đồng bộ"."""

    closed = Signal()
    logged_out = Signal()  # the officer chose "Đăng xuất": show the login window again

    def __init__(
        self,
        book: Book,
        commune: CommuneInfo,
        parent: QWidget | None = None,
        *,
        idle_lock_ms: int | None = None,
        sync_service_factory: SyncServiceFactory = default_sync_service,
        housekeeping: bool = True,
    ) -> None:
        super().__init__(parent)
        self.book = book
        self.commune = commune
        self._closed = False
        self._logging_out = False
        self._hidden_for_lock: list[QWidget] = []
        self.lock_dialog: LockDialog | None = None
        self.setWindowTitle(self.tr("Sổ Trẻ Em — {c}").format(c=commune.display_name))

        self.households = HouseholdsView(book)
        self.reports = ReportsView(book)
        self.periodic = PeriodicReportView(book)
        self.cfc = CfcView(book)
        self.sync = SyncView(book, service_factory=sync_service_factory)
        # Only the areas the role may use are shown (desktop/core/domain/permissions.py).
        # The first screen after login: what needs the officer today (desktop/ui/home/).
        self.home = HomeView(book, self.sync.service)
        self.areas: list[tuple[str, QWidget]] = [(self.tr("Trang chủ"), self.home)]
        self.areas.append((self.tr("Hộ gia đình"), self.households))
        self.areas += children_areas(book)
        self.areas += protection_areas(book)
        if book.user.may(Action.REPORT):
            self.areas.append((self.tr("Báo cáo"), self.reports))
            self.areas.append((self.tr("Báo cáo định kỳ"), self.periodic))
            # Two lines: the navigation is 180 px wide (word wrap breaks under its padding).
            self.areas.append((self.tr("Xã phù hợp\nvới trẻ em"), self.cfc))
        if book.user.may(Action.SYNC):
            self.areas.append((self.tr("Đồng bộ"), self.sync))
        self.areas += exchange_areas(book)
        self.areas += security_areas(book)
        self.navigation = QListWidget()
        self.navigation.setObjectName("navigation")
        self.navigation.setFixedWidth(180)
        self.stack = AreaStack()
        for title, widget in self.areas:
            self.navigation.addItem(QListWidgetItem(title))
            self.stack.add_area(widget)
        self.locked_cover = QLabel(self.tr("Sổ đang tạm khóa."))
        self.locked_cover.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.locked_cover.setObjectName("pageTitle")
        self.stack.add_area(self.locked_cover)

        self._build_menu()

        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.navigation)
        layout.addWidget(self.stack, 1)
        self.setCentralWidget(central)

        user = book.user
        self.user_label = QLabel(
            self.tr("Người dùng: {name} ({role})").format(
                name=user.full_name, role=ROLE_LABELS.get(user.role, user.role.value)
            )
        )
        place = f"{commune.display_name}, {commune.province_name}"
        self.commune_label = QLabel(self.tr("Đơn vị: {c}").format(c=place))
        self.pending_label = QLabel()
        status = self.statusBar()
        status.addWidget(self.user_label)
        status.addWidget(self.commune_label)
        status.addPermanentWidget(self.pending_label)

        self.navigation.currentRowChanged.connect(self._area_changed)
        on_change(self, (Change.BOOK, Change.SYNC), self.refresh_pending)
        self.sync.pending_changed.connect(self._show_pending)
        install_home(self, self.home)
        self.navigation.setCurrentRow(0)

        minutes = commune.idle_lock_minutes or 15
        self.idle_minutes = minutes
        self.idle = IdleWatcher(idle_lock_ms if idle_lock_ms is not None else minutes * 60_000)
        self.idle.idle.connect(self.lock)

        self._close_when_idle = QTimer(self)
        self._close_when_idle.setInterval(100)
        self._close_when_idle.timeout.connect(self._close_if_idle)

        self.setMinimumSize(*MIN_SIZE)
        resize_to_fit(self, *PREFERRED_SIZE)

        self.households.reload()
        if book.user.may(Action.SYNC):
            self.sync.refresh()
        self.refresh_pending()
        self.idle.start()
        install_security(self)
        # The daily backup and the whole-file check: after the window, never before it.
        self.housekeeping = start_housekeeping(self, book) if housekeeping else None

    # -- menu -----------------------------------------------------------------------------

    def _build_menu(self) -> None:
        """ "Sổ": lock, log out, quit — an officer who steps away never leaves the book open."""
        menu = self.menuBar().addMenu(self.tr("&Sổ"))
        self.lock_action = QAction(self.tr("&Khóa màn hình"), self)
        self.lock_action.setShortcut(QKeySequence("Ctrl+L"))
        self.lock_action.setStatusTip(self.tr("Che dữ liệu và hỏi lại mật khẩu (Ctrl+L)."))
        self.lock_action.triggered.connect(self.lock)
        self.logout_action = QAction(self.tr("Đăng &xuất"), self)
        self.logout_action.setStatusTip(self.tr("Đóng sổ và trở về màn hình đăng nhập."))
        self.logout_action.triggered.connect(self.log_out)
        self.quit_action = QAction(self.tr("&Thoát chương trình"), self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setStatusTip(self.tr("Đóng sổ và thoát (Ctrl+Q)."))
        self.quit_action.triggered.connect(self.close)
        menu.addAction(self.lock_action)
        menu.addAction(self.logout_action)
        menu.addSeparator()
        menu.addAction(self.quit_action)

    def log_out(self) -> None:
        """Close the book (after running work ends) and go back to the login window."""
        self._logging_out = True
        self.close()

    # -- navigation -----------------------------------------------------------------------

    def _area_changed(self, row: int) -> None:
        if 0 <= row < len(self.areas):
            self.stack.setCurrentWidget(self.areas[row][1])
            if self.areas[row][1] is self.sync:
                self.sync.refresh()

    def show_area(self, widget: QWidget) -> None:
        """Switch to the area ``widget``."""
        for row, (_title, area) in enumerate(self.areas):
            if area is widget:
                self.navigation.setCurrentRow(row)

    # -- status bar -----------------------------------------------------------------------

    def refresh_pending(self) -> None:
        """Count the changes waiting to be sent (background)."""
        if not self.book.user.may(Action.SYNC):
            self.pending_label.hide()
            return
        if not self.sync.available:
            self.pending_label.setText(self.tr("Chờ đồng bộ: —"))
            return
        service = self.sync.service
        if service is not None:
            run_op(self, service.pending_count, success=self._show_pending)

    def _show_pending(self, count: object) -> None:
        if isinstance(count, int):
            self.pending_label.setText(self.tr("Chờ đồng bộ: {n}").format(n=count))

    # -- idle lock ------------------------------------------------------------------------

    @property
    def is_locked(self) -> bool:
        """True while the lock dialog is up."""
        return self.lock_dialog is not None

    def lock(self) -> None:
        """Hide everything showing data and ask for the password."""
        if self.lock_dialog is not None or self._closed:
            return
        log.info("Idle lock")
        windows = (Qt.WindowType.Window, Qt.WindowType.Dialog, Qt.WindowType.Sheet)
        self._hidden_for_lock = [
            widget
            for widget in QApplication.topLevelWidgets()
            if widget is not self
            and widget.isVisible()
            and widget.windowType() in windows
            and not isinstance(widget, LockDialog)
        ]
        for widget in QApplication.topLevelWidgets():
            if widget.isVisible() and widget.windowType() in (
                Qt.WindowType.Popup,
                Qt.WindowType.ToolTip,
            ):
                widget.close()  # open menus and tooltips can show names too
        for widget in self._hidden_for_lock:
            widget.hide()
        self.navigation.setEnabled(False)
        self.menuBar().setEnabled(False)  # the lock dialog itself offers "Thoát chương trình"
        self.stack.setCurrentWidget(self.locked_cover)
        dialog = LockDialog(self.book, self.idle_minutes, self)
        dialog.unlocked.connect(self.unlock)
        dialog.quit_requested.connect(self.close)
        self.lock_dialog = dialog
        dialog.open()
        dialog.password.setFocus()

    def unlock(self) -> None:
        """Show the data again after the right password."""
        dialog, self.lock_dialog = self.lock_dialog, None
        if dialog is not None:
            dialog.deleteLater()
        self.navigation.setEnabled(True)
        self.menuBar().setEnabled(True)
        self._area_changed(self.navigation.currentRow())
        for widget in self._hidden_for_lock:
            if shiboken6.isValid(widget):
                widget.show()
        self._hidden_for_lock = []
        self.idle.start()

    # -- closing --------------------------------------------------------------------------

    def _close_if_idle(self) -> None:
        if not ops.running_ops():
            self._close_when_idle.stop()
            self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window closes the book, once work in progress has finished."""
        if not self._closed and ops.running_ops():
            # Never freeze: wait for the running save or upload without blocking, then close.
            event.ignore()
            if not self._close_when_idle.isActive():
                self.statusBar().showMessage(
                    self.tr("Đang chờ việc đang làm dở xong rồi sẽ đóng sổ…")
                )
                self._close_when_idle.start()
            return
        self._close_when_idle.stop()
        if not self._closed:
            self._closed = True
            self.idle.stop()
            if self.lock_dialog is not None:
                self.lock_dialog.hide()
            for widget in self._hidden_for_lock:
                if shiboken6.isValid(widget):
                    widget.close()
            if not ops.wait_for_all():
                log.warning("Background work still running at close")
            try:
                self.book.close()
            except Exception:
                log.exception("Closing the book failed")
            self.closed.emit()
            if self._logging_out:
                self.logged_out.emit()
        super().closeEvent(event)


# -- security parts of the window --------------------------------------------------------


def install_security(window: MainWindow) -> None:
    """Password button, idle-lock setting, a forced password change, start-up warnings."""
    book = window.book
    button = QPushButton(window.tr("Đổi mật khẩu…"))
    button.setFlat(True)
    button.setMinimumWidth(button.fontMetrics().horizontalAdvance(button.text()) + 32)
    button.setObjectName("changePassword")
    window.statusBar().addPermanentWidget(button)
    window.change_password_button = button  # type: ignore[attr-defined]
    button.clicked.connect(lambda: open_change_password(window))
    for _title, widget in window.areas:
        if isinstance(widget, UsersView):
            widget.idle_minutes_changed.connect(lambda m: set_idle_minutes(window, m))
    if book.user.must_change_password:
        force_password_change(window)
    if not book.user.may(Action.VIEW_PERSONAL):
        # Say why ID numbers, phones and addresses are empty (they are hidden, not missing).
        note = QLabel(QCoreApplication.translate("MainWindow", HIDDEN_NOTE))
        note.setObjectName("hintLabel")
        window.statusBar().addWidget(note)
    for warning in book.warnings:
        messages.show_error(window, warning, title=window.tr("Cần chú ý"))


def set_idle_minutes(window: MainWindow, minutes: int) -> None:
    """Apply a new idle-lock time at once."""
    window.idle_minutes = minutes
    window.idle.timeout_ms = minutes * 60_000
    window.idle.start()


def open_change_password(window: MainWindow) -> ChangePasswordDialog:
    """The optional password change."""
    dialog = ChangePasswordDialog(window.book, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.changed.connect(lambda: messages.show_message(window, window.tr("Đã đổi mật khẩu.")))
    dialog.open()
    return dialog


def force_password_change(window: MainWindow) -> ChangePasswordDialog:
    """Cover the data and ask for a new password before anything else."""
    window.navigation.setEnabled(False)
    window.stack.setCurrentWidget(window.locked_cover)
    dialog = ChangePasswordDialog(window.book, window, forced=True)
    window.forced_password_dialog = dialog  # type: ignore[attr-defined]

    def changed() -> None:
        window.navigation.setEnabled(True)
        row = max(0, window.navigation.currentRow())
        window.navigation.setCurrentRow(row)
        window.stack.setCurrentWidget(window.areas[row][1])
        dialog.deleteLater()

    dialog.changed.connect(changed)
    dialog.quit_requested.connect(window.close)
    dialog.open()
    return dialog


WindowFactory = Callable[[Book, CommuneInfo], MainWindow]
