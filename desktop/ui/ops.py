"""The one helper for background work (in the spirit of Anki's CollectionOp/QueryOp).

A widget hands a callable to :func:`run_op`; it runs on a worker thread and its result (or
exception) comes back on the GUI thread to the widget's callbacks. Database work goes through
a single-thread pool — SQLite has one writer — and network work through another, so a slow
upload never delays a save. Only ids and plain dataclasses cross the thread boundary.

    run_op(self, lambda: service.save_household(form), success=self._saved,
           label=self.tr("Đang lưu hộ…"))

With ``with_progress=True`` the callable receives a ``progress(done, total)`` function it may
call from the worker thread; the values are marshalled to the GUI thread and shown in a
progress dialog. The dialog appears only if the work lasts longer than ``SHOW_AFTER_MS``.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QProgressBar, QProgressDialog, QWidget

from desktop.ui import messages
from desktop.ui.changes import Change, announce

log = logging.getLogger(__name__)

SHOW_AFTER_MS = 300
_PROGRESS_EVERY_S = 0.05  # at most ~20 progress updates a second reach the GUI thread

Progress = Callable[[int, int], None]
Success = Callable[[Any], object]
Failure = Callable[[BaseException], object]


class Pool(enum.Enum):
    """Where work runs: the database's single writer thread, or the network threads."""

    DB = "db"
    NETWORK = "network"


_POOL_SIZES = {Pool.DB: 1, Pool.NETWORK: 2}
_pools: dict[Pool, QThreadPool] = {}
_running: set[Op] = set()


class Cancelled(Exception):
    """Raised inside the work by ``progress()`` after the person pressed "Dừng"."""


def thread_pool(kind: Pool) -> QThreadPool:
    """The pool for ``kind`` (created on first use)."""
    pool = _pools.get(kind)
    if pool is None:
        pool = QThreadPool()
        pool.setObjectName(f"sotreem-{kind.value}")
        pool.setMaxThreadCount(_POOL_SIZES[kind])
        _pools[kind] = pool
    return pool


def running_ops() -> int:
    """How many operations have not yet delivered their result (tests wait for 0)."""
    return len(_running)


def wait_for_all(timeout_ms: int = 30_000) -> bool:
    """Wait until every worker thread is idle (at shutdown, before closing the book)."""
    deadline = time.monotonic() + timeout_ms / 1000
    for pool in _pools.values():
        left = max(0, int((deadline - time.monotonic()) * 1000))
        if not pool.waitForDone(left):
            return False
    return True


class _Task(QRunnable):
    """Runs the work on a pool thread and reports back through the Op's signals."""

    def __init__(self, op: Op) -> None:
        super().__init__()
        self._op = op

    def run(self) -> None:
        op = self._op
        try:
            result = op._work(op.report) if op._with_progress else op._work()
        except BaseException as exc:
            op._failed.emit(exc)
        else:
            op._succeeded.emit(result)


class _ProgressDialog(QProgressDialog):
    """A progress dialog that cannot be dismissed unless the work can be stopped."""

    def __init__(self, parent: QWidget | None, label: str, cancellable: bool) -> None:
        super().__init__(parent)
        self._cancellable = cancellable
        self.setWindowTitle(self.tr("Xin chờ"))
        self.setLabelText(label)
        # Our own bar, updated directly: QProgressDialog.setValue() would run a nested
        # event loop (processEvents) in a modal dialog, re-entering our callbacks.
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(True)
        self.bar.setFormat("%v / %m")
        self.setBar(self.bar)
        self.setAutoClose(False)
        self.setAutoReset(False)
        if cancellable:
            self.setCancelButtonText(self.tr("Dừng"))
        else:
            self.setCancelButton(None)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setMinimumWidth(420)

    def reject(self) -> None:
        """Escape stops the work only when it can be stopped."""
        if self._cancellable:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closing the window counts as "Dừng", or is refused."""
        if self._cancellable:
            super().closeEvent(event)
        else:
            event.ignore()


class Op(QObject):
    """One piece of background work. Create it with :func:`run_op`."""

    _succeeded = Signal(object)
    _failed = Signal(object)
    _progressed = Signal(int, int)
    finished = Signal()  # emitted on the GUI thread after the callbacks ran
    progressed = Signal(int, int)  # (done, total) on the GUI thread, for a status-bar display

    def __init__(
        self,
        parent: QWidget | None,
        work: Callable[..., Any],
        *,
        success: Success | None,
        failure: Failure | None,
        pool: Pool,
        label: str | None,
        with_progress: bool,
        cancellable: bool,
        changes: Iterable[Change] = (),
    ) -> None:
        # Deliberately no Qt parent: the Op outlives a widget closed while it works.
        super().__init__(None)
        self._parent = parent
        self._work = work
        self._success = success
        self._failure = failure
        self._pool = pool
        self._label = label
        self._with_progress = with_progress
        self._cancellable = cancellable
        self._changes = tuple(changes)
        self._cancel = threading.Event()
        self._last_report = 0.0
        self._dialog: _ProgressDialog | None = None
        self._done = False
        self._progress: tuple[int, int] | None = None
        self._succeeded.connect(self._on_succeeded, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._on_failed, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)

    # -- worker side ----------------------------------------------------------------------

    def report(self, done: int, total: int) -> None:
        """Progress from the worker thread (throttled); raises Cancelled after "Dừng"."""
        if self._cancel.is_set():
            raise Cancelled
        now = time.monotonic()
        if done >= total or now - self._last_report >= _PROGRESS_EVERY_S:
            self._last_report = now
            self._progressed.emit(int(done), int(total))

    # -- GUI side -------------------------------------------------------------------------

    @property
    def done(self) -> bool:
        """True once the result was delivered."""
        return self._done

    def cancel(self) -> None:
        """Ask the work to stop at its next progress report."""
        self._cancel.set()

    def start(self) -> Op:
        """Queue the work on its pool; the progress dialog appears after SHOW_AFTER_MS."""
        _running.add(self)
        if self._label is not None:
            QTimer.singleShot(SHOW_AFTER_MS, self, self._show_dialog)
        thread_pool(self._pool).start(_Task(self))
        return self

    def _parent_alive(self) -> bool:
        return self._parent is None or shiboken6.isValid(self._parent)

    def _show_dialog(self) -> None:
        if self._done or self._label is None or not self._parent_alive():
            return
        self._dialog = _ProgressDialog(self._parent, self._label, self._cancellable)
        self._dialog.canceled.connect(self.cancel)
        if self._progress is not None:
            self._apply_progress(*self._progress)
        self._dialog.show()

    def _on_progress(self, done: int, total: int) -> None:
        self._progress = (done, total)
        self._apply_progress(done, total)
        self.progressed.emit(done, total)

    def _apply_progress(self, done: int, total: int) -> None:
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.bar.setRange(0, max(total, 1))
            self._dialog.bar.setValue(min(done, max(total, 1)))

    def _close_dialog(self) -> None:
        if self._dialog is not None and shiboken6.isValid(self._dialog):
            self._dialog.hide()
            self._dialog.deleteLater()
        self._dialog = None

    def _on_succeeded(self, result: object) -> None:
        self._finish()
        try:
            if self._success is not None and self._parent_alive():
                self._success(result)
        finally:
            # The book changed even if the widget that asked is gone: every screen hears it.
            announce(*self._changes)
            self._after()

    def _on_failed(self, exc: BaseException) -> None:
        self._finish()
        try:
            if isinstance(exc, Cancelled):
                log.info("Background work stopped by the user")
            elif not self._parent_alive():
                messages.log_unexpected(exc)
            elif self._failure is not None:
                self._failure(exc)
            else:
                messages.show_exception(self._parent, exc)
        finally:
            self._after()

    def _finish(self) -> None:
        self._done = True
        self._close_dialog()

    def _after(self) -> None:
        _running.discard(self)
        self.finished.emit()
        self.deleteLater()


def run_op(
    parent: QWidget | None,
    work: Callable[..., Any],
    *,
    success: Success | None = None,
    failure: Failure | None = None,
    pool: Pool = Pool.DB,
    label: str | None = None,
    with_progress: bool = False,
    cancellable: bool = False,
    changes: Iterable[Change] = (),
) -> Op:
    """Run ``work`` in the background; call ``success(result)`` on the GUI thread.

    ``failure(exc)`` replaces the default handling, which shows the exception's
    ``message_vi`` (or a generic Vietnamese message, logging the error without its text).
    Callbacks are skipped if ``parent`` was deleted meanwhile. ``label`` shows a progress
    dialog over ``parent`` when the work takes longer than SHOW_AFTER_MS. ``changes`` says
    what the work changed in the book: once it succeeded, every screen showing that is told
    (``desktop/ui/changes.py``).
    """
    if QCoreApplication.instance() is None:
        raise RuntimeError("run_op needs a QApplication")
    op = Op(
        parent,
        work,
        success=success,
        failure=failure,
        pool=pool,
        label=label,
        with_progress=with_progress,
        cancellable=cancellable,
        changes=changes,
    )
    return op.start()
