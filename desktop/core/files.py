"""The one safe file writer: a crash, a full disk or a pulled USB stick never leaves a
half-written file where a good one was.

Every file the app writes for keeps — reports, exports, the key file, transfer files,
backups — goes through :func:`atomic_output` (or :func:`write_atomically` for bytes in
memory): the data goes to a temporary name beside the target, is flushed to the disk, and only
then replaces the target in one step (``os.replace``), after which the folder entry is flushed
too where the system allows it.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

TEMP_SUFFIX = ".dang-ghi"  # "being written": a leftover with this suffix is never a good file


def fsync_file(path: Path) -> None:
    """Flush ``path``'s data to the disk (Windows needs a handle open for writing)."""
    fd = os.open(path, os.O_RDWR | getattr(os, "O_BINARY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename) to the disk; a no-op where folders can't be opened."""
    if os.name == "nt":  # NTFS journals the rename itself; a folder cannot be opened as a file
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it is flushed and replaces ``path``.

    If the block raises, the temporary file is removed and ``path`` is left as it was.
    """
    # Same folder as the target, so os.replace stays on one file system and is atomic.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        fsync_file(tmp)
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        # After a successful replace the temporary name no longer exists.
        tmp.unlink(missing_ok=True)


def write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` safely (see the module's docstring)."""
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
