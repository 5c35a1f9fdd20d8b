"""Write report files so that a failure never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from desktop.core import files


class ReportWriteError(OSError):
    """A report could not be saved; the message is in Vietnamese and names the file."""

    def __init__(self, path: Path, reason: OSError) -> None:
        """Describe the failure to save ``path`` for a person, keeping the OS error as cause."""
        super().__init__(
            f"Không lưu được báo cáo vào tệp «{path}»: {reason.strerror or reason}. "
            "Nếu tệp đang mở trong chương trình khác (Word, Excel, trình đọc PDF), hãy đóng "
            "tệp đó rồi thử lại; hoặc chọn thư mục khác có quyền ghi."
        )
        self.path = path


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    The one safe writer (``desktop/core/files.py``), with its failures told in Vietnamese.
    """
    try:
        with files.atomic_output(path) as tmp:
            yield tmp
    except ReportWriteError:
        raise
    except OSError as exc:
        raise ReportWriteError(path, exc) from exc
