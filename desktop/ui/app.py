"""Start the GUI: Vietnamese everywhere, then setup (first run) or login, then the book."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from logging.handlers import RotatingFileHandler
from types import TracebackType

from PySide6.QtCore import QObject, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication, QWidget

from desktop import paths
from desktop.core.services.book import book_exists
from desktop.ui import messages, ops
from desktop.ui.i18n import install_vietnamese
from desktop.ui.login import LoginWindow, OpenedBook
from desktop.ui.main_window import MainWindow
from desktop.ui.setup_wizard import CreatedBook, SetupWizard
from desktop.ui.tables import install_readable_headers
from desktop.ui.theme import apply_theme

APP_NAME = "Sổ Trẻ Em"
ORGANIZATION = "SoTreEm"

log = logging.getLogger(__name__)


def _setup_logging() -> None:
    """A rotating log file in the data folder (no names, passwords or keys are ever logged)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = RotatingFileHandler(
        paths.logs_dir() / "so-tre-em.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)


def _qt_messages(mode: QtMsgType, _context: object, message: str) -> None:
    level = {
        QtMsgType.QtDebugMsg: logging.DEBUG,
        QtMsgType.QtInfoMsg: logging.INFO,
        QtMsgType.QtWarningMsg: logging.WARNING,
        QtMsgType.QtCriticalMsg: logging.ERROR,
        QtMsgType.QtFatalMsg: logging.CRITICAL,
    }.get(mode, logging.WARNING)
    logging.getLogger("qt").log(level, "%s", message)


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    # An exception escaping a slot: log it (without its message) and tell the person calmly.
    exc.__traceback__ = tb
    messages.show_exception(QApplication.activeWindow(), exc)


class AppController(QObject):
    """Which window is showing: setup wizard or login, then the main window."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window: QWidget | None = None
        self.main_window: MainWindow | None = None

    def start(self) -> QWidget:
        """Show the first window (setup on the first run, login afterwards)."""
        if book_exists():
            self.window = self._login_window()
        else:
            wizard = SetupWizard()
            wizard.book_created.connect(self._created)
            self.window = wizard
        self.window.show()
        return self.window

    def _login_window(self) -> LoginWindow:
        login = LoginWindow()
        login.logged_in.connect(self._logged_in)
        return login

    def _logged_out(self) -> None:
        """After "Đăng xuất": the book is closed; the next officer logs in."""
        self.main_window = None
        login = self._login_window()
        self.window = login
        login.show()

    def _logged_in(self, opened: OpenedBook) -> None:
        self._open_main(opened)

    def _created(self, created: CreatedBook) -> None:
        self._open_main(created)

    def _open_main(self, opened: OpenedBook | CreatedBook) -> None:
        main = MainWindow(opened.book, opened.commune)
        # Deleted on close: late results of background work then find no widget to update.
        main.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        main.logged_out.connect(self._logged_out)
        self.main_window = main
        main.show()
        previous, self.window = self.window, main
        if previous is not None and previous is not main:
            previous.hide()
            previous.deleteLater()


def make_application(argv: Sequence[str]) -> QApplication:
    """The QApplication, dressed in Vietnamese (reuses an existing one, e.g. in tests)."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(list(argv))
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName(ORGANIZATION)
    app.setDesktopFileName("so-tre-em")
    apply_theme(app)
    install_readable_headers(app)
    # Keep the translators alive as long as the application.
    app._sotreem_translators = install_vietnamese(app)  # type: ignore[attr-defined]
    return app


def run_gui(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app until its last window closes; the exit status."""
    _setup_logging()
    app = make_application(sys.argv if argv is None else argv)
    qInstallMessageHandler(_qt_messages)
    sys.excepthook = _excepthook
    controller = AppController(app)
    controller.start()
    status = app.exec()
    ops.wait_for_all()
    log.info("Exit %s", status)
    return int(status)
