#!/usr/bin/env python3
"""Make installer/sotreem.ico (the Windows icon of the .exe files and the setup program).

    python installer/make_icon.py

Renders resources/icons/so-tre-em.svg — the icon the running app shows — at the sizes Windows
asks for and packs them as PNG images in one .ico file (Windows Vista and later read those).
Run it again when the SVG changes and commit the result; the build only reads the .ico.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "icons" / "so-tre-em.svg"
ICO = ROOT / "installer" / "sotreem.ico"
SIZES = (16, 20, 24, 32, 40, 48, 64, 256)


def render_png(size: int) -> bytes:
    """The SVG drawn at ``size``×``size`` pixels, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(SVG)).render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # PySide6 6.12 takes the format as str at run time; its stubs say bytes.
    image.save(buffer, "PNG")  # type: ignore[call-overload]
    buffer.close()
    return bytes(data.data())


def pack_ico(images: dict[int, bytes]) -> bytes:
    """An .ico file holding one PNG per size (ICONDIR, ICONDIRENTRYs, then the images)."""
    header = struct.pack("<HHH", 0, 1, len(images))
    entries = b""
    blobs = b""
    offset = 6 + 16 * len(images)
    for size, png in sorted(images.items()):
        side = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication(sys.argv[:1])  # QImage/QPainter want an application object
    ICO.write_bytes(pack_ico({size: render_png(size) for size in SIZES}))
    del app
    sizes = ", ".join(map(str, SIZES))
    print(f"{ICO.relative_to(ROOT)}: {ICO.stat().st_size} bytes, sizes {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
