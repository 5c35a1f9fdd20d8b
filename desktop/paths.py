"""Where every file of Sổ Trẻ Em lives. The only module that knows; tests redirect it.

The data folder belongs to the commune, not to one Windows account, because several officers
may share one PC: on Windows it is ``%PROGRAMDATA%\\SoTreEm``; elsewhere
``$XDG_DATA_HOME/sotreem`` (``~/.local/share/sotreem``). ``SOTREEM_HOME`` overrides both, and
the tests always set it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ENV_HOME = "SOTREEM_HOME"


def data_dir() -> Path:
    """The data folder, created if missing."""
    override = os.environ.get(ENV_HOME)
    if override:
        base = Path(override).expanduser()
    elif sys.platform == "win32":
        base = Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "SoTreEm"
    else:
        xdg = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        base = Path(xdg) / "sotreem"
    base.mkdir(parents=True, exist_ok=True)
    return base


def book_file() -> Path:
    """The encrypted SQLCipher database of the commune book."""
    return data_dir() / "so-tre-em.db"


def key_file() -> Path:
    """The wrapped master keys (one per user, one for the recovery code)."""
    return data_dir() / "so-tre-em.keys.json"


def backups_dir() -> Path:
    """Automatic and pre-migration backups (the files stay encrypted)."""
    path = data_dir() / "sao-luu"
    path.mkdir(parents=True, exist_ok=True)
    return path


def logs_dir() -> Path:
    """Log files. Logs never contain names, passwords or keys."""
    path = data_dir() / "nhat-ky"
    path.mkdir(parents=True, exist_ok=True)
    return path


def exports_dir() -> Path:
    """Default folder offered for reports and exports."""
    path = data_dir() / "bao-cao"
    path.mkdir(parents=True, exist_ok=True)
    return path
