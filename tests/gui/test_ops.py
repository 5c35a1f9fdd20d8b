"""The background-work helper: results on the GUI thread, errors in Vietnamese, progress."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

from desktop.core.domain.errors import FieldProblem, ValidationError
from desktop.ui import ops
from desktop.ui.ops import Pool, run_op
from tests.gui.conftest import wait_for_message, wait_for_ops


def _gui_thread() -> bool:
    app = QApplication.instance()
    assert app is not None
    return QThread.currentThread() is app.thread()


def test_work_runs_off_the_gui_thread_and_result_comes_back_on_it(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    seen: dict[str, Any] = {}

    def work() -> int:
        seen["work_on_gui"] = _gui_thread()
        return 42

    def success(value: int) -> None:
        seen["value"] = value
        seen["success_on_gui"] = _gui_thread()

    op = run_op(parent, work, success=success)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert seen == {"work_on_gui": False, "value": 42, "success_on_gui": True}
    assert ops.running_ops() == 0


def test_database_pool_has_one_writer_and_network_has_its_own() -> None:
    assert ops.thread_pool(Pool.DB).maxThreadCount() == 1
    assert ops.thread_pool(Pool.NETWORK) is not ops.thread_pool(Pool.DB)


def test_database_work_is_serialised(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    active = 0
    overlap = False
    lock = threading.Lock()

    def work() -> None:
        nonlocal active, overlap
        with lock:
            active += 1
            overlap = overlap or active > 1
        time.sleep(0.02)
        with lock:
            active -= 1

    for _ in range(5):
        run_op(parent, work)
    wait_for_ops(qtbot)
    assert not overlap


def test_error_with_message_vi_is_shown_in_vietnamese(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def work() -> None:
        raise ValidationError(FieldProblem("number", "Số hộ: chưa nhập."))

    run_op(parent, work)
    box = wait_for_message(qtbot)
    assert box.text() == "Số hộ: chưa nhập."
    assert box.windowTitle() == "Chưa thực hiện được"
    assert [b.text() for b in box.buttons()] == ["Đồng ý"]
    box.close()


def test_unexpected_error_is_generic_and_logged_without_its_message(
    qtbot: Any, log_records: list[logging.LogRecord]
) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)

    def work() -> None:
        raise RuntimeError("Nguyễn Thị Bé Ba 001234567890")

    run_op(parent, work)
    box = wait_for_message(qtbot)
    assert "lỗi ngoài dự kiến" in box.text()
    assert "Nguyễn" not in box.text()
    logged = "\n".join(r.getMessage() for r in log_records)
    assert "RuntimeError" in logged
    assert "Nguyễn" not in logged and "001234567890" not in logged
    box.close()


def test_custom_failure_callback_replaces_the_message_box(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    caught: list[BaseException] = []

    def work() -> None:
        raise ValueError("x")

    op = run_op(parent, work, failure=caught.append)
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert isinstance(caught[0], ValueError)


def test_progress_is_marshalled_and_shown_after_a_delay(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    release = threading.Event()

    def work(progress: Any) -> str:
        for i in range(1, 11):
            progress(i, 10)
        release.wait(5)
        return "xong"

    results: list[str] = []
    op = run_op(parent, work, success=results.append, label="Đang thử…", with_progress=True)

    def dialog() -> QProgressDialog | None:
        found = [w for w in parent.findChildren(QProgressDialog) if w.isVisible()]
        return found[0] if found else None

    qtbot.waitUntil(lambda: dialog() is not None, timeout=3000)
    shown = dialog()
    assert shown is not None
    assert shown.labelText() == "Đang thử…"
    qtbot.waitUntil(lambda: shown.maximum() == 10 and shown.value() == 10, timeout=3000)
    # Not cancellable: no Cancel button, and Escape does not close it.
    shown.reject()
    assert shown.isVisible()
    release.set()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert results == ["xong"]
    assert dialog() is None


def test_quick_work_shows_no_progress_dialog(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    parent.show()
    op = run_op(parent, lambda: 1, label="Nhanh")
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    qtbot.wait(ops.SHOW_AFTER_MS + 100)
    assert not [w for w in parent.findChildren(QProgressDialog) if w.isVisible()]


def test_cancellable_work_stops_at_next_progress(qtbot: Any) -> None:
    parent = QWidget()
    qtbot.addWidget(parent)
    started = threading.Event()
    steps: list[int] = []

    def work(progress: Any) -> None:
        started.set()
        for i in range(1000):
            progress(i, 1000)
            steps.append(i)
            time.sleep(0.001)

    successes: list[object] = []
    op = run_op(parent, work, success=successes.append, with_progress=True, cancellable=True)
    started.wait(5)
    op.cancel()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert successes == []
    assert len(steps) < 1000


def test_callbacks_are_skipped_when_the_widget_is_gone(qtbot: Any) -> None:
    parent = QWidget()
    called: list[object] = []
    release = threading.Event()

    def work() -> int:
        release.wait(5)
        return 1

    op = run_op(parent, work, success=called.append)
    parent.deleteLater()
    qtbot.wait(10)
    release.set()
    with qtbot.waitSignal(op.finished, timeout=5000):
        pass
    assert called == []
