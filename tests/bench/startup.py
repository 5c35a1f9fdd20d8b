"""Run in a fresh interpreter by the cold-start benchmark: show a window, print the time."""

from __future__ import annotations

import time


def measure(stage: str, user: str, password: str) -> int:
    """Show the login window (stage "login") or log in and show the main window ("main").

    Prints ``time.time()`` once the window has been shown and painted.
    """
    from desktop.ui.app import make_application
    from desktop.ui.login import LoginWindow

    app = make_application(["sotreem"])
    login = LoginWindow()
    login.show()
    app.processEvents()
    if stage == "login":
        print(time.time(), flush=True)
        return 0
    from desktop.core.services.book import open_book
    from desktop.ui.main_window import MainWindow

    book = open_book(user, password)
    window = MainWindow(book, book.commune())
    login.hide()
    window.show()
    app.processEvents()
    print(time.time(), flush=True)
    from desktop.ui import ops

    # The window starts background work (lists, the day's automatic events): let it finish
    # before the book is closed under it.
    while ops.running_ops():
        app.processEvents()
        time.sleep(0.01)
    window.close()
    book.close()
    return 0


def measure_login(user: str, password: str) -> int:
    """Login window shown → press "Đăng nhập" → main window shown; then the housekeeping.

    Prints two numbers: milliseconds from the login to the painted main window, and how long
    the background housekeeping (whole-file check, daily backup) took after it.
    """
    from desktop.core.services.book import open_book
    from desktop.ui import ops
    from desktop.ui.app import make_application
    from desktop.ui.login import LoginWindow
    from desktop.ui.main_window import MainWindow

    app = make_application(["sotreem"])
    login = LoginWindow()
    login.show()
    app.processEvents()
    start = time.perf_counter()
    book = open_book(user, password)
    window = MainWindow(book, book.commune())
    login.hide()
    window.show()
    app.processEvents()
    shown = time.perf_counter()
    while ops.running_ops():
        app.processEvents()
        time.sleep(0.005)
    done = time.perf_counter()
    keeper = window.housekeeping
    if keeper is None or keeper.result is None or not keeper.result.ok:
        raise SystemExit("housekeeping did not finish cleanly")
    print((shown - start) * 1000, (done - shown) * 1000, flush=True)
    window.close()
    return 0
