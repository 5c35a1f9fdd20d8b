"""Bundled data files: fonts, code lists, translations, icons, indicator definitions.

This package holds no logic beyond locating its own files, so the frozen bundle (PyInstaller)
and the source tree find them the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parent


def resource_dir() -> Path:
    """The folder that holds the bundled resources (inside the bundle when frozen)."""
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root is not None:
        return Path(frozen_root) / "resources"
    return _ROOT


def resource_path(*parts: str) -> Path:
    """The path of one bundled file, e.g. ``resource_path("fonts", "OFL.txt")``."""
    path = resource_dir().joinpath(*parts)
    if not path.exists():
        raise FileNotFoundError(f"Thiếu tệp tài nguyên của chương trình: {path}")
    return path
