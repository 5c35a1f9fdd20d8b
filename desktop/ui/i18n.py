"""Vietnamese for Qt's own strings, read straight from a Qt Linguist .ts file.

Qt ships no Vietnamese catalogue (``qtbase_vi.qm`` does not exist), so the buttons Qt draws
itself (OK, Cancel, the wizard's Next/Back, the right-click menu of text fields …) would stay
in English. ``resources/translations/qtbase_vi.ts`` holds their Vietnamese; this module parses
it at start-up (a few hundred entries, well under a millisecond) so that no ``lrelease`` step
is needed to build or run the app.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLocale, QObject, QTranslator

from resources import resource_path

QT_CATALOGUE = "qtbase_vi.ts"

# (context, source text, disambiguation or "") → translation
Messages = dict[tuple[str, str, str], str]


def load_ts(path: Path) -> Messages:
    """Finished, non-empty translations of a .ts file."""
    root = ET.parse(path).getroot()
    messages: Messages = {}
    for context in root.iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            source = message.findtext("source")
            node = message.find("translation")
            if source is None or node is None:
                continue
            if node.get("type") in {"unfinished", "obsolete", "vanished"}:
                continue
            text = node.text or ""
            if not text:
                continue
            comment = message.findtext("comment") or ""
            messages[(name, source, comment)] = text
    return messages


class TsTranslator(QTranslator):
    """A QTranslator answering from a parsed .ts file (no compiled .qm needed)."""

    def __init__(self, messages: Messages, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._messages = messages

    @classmethod
    def from_file(cls, path: Path, parent: QObject | None = None) -> TsTranslator:
        """A translator for the .ts file at ``path``."""
        return cls(load_ts(path), parent)

    def translate(
        self,
        context: str,
        sourceText: str,  # noqa: N803 - Qt's name
        disambiguation: str | None = None,
        n: int = -1,
    ) -> str | None:
        """The translation, or None so Qt keeps looking (and finally shows the source)."""
        found = self._messages.get((context, sourceText, disambiguation or ""))
        if found is None and disambiguation:
            # Like QTranslator: an entry without a comment also answers a disambiguated call.
            found = self._messages.get((context, sourceText, ""))
        return found

    def isEmpty(self) -> bool:
        """Qt asks this before consulting the translator."""
        return not self._messages

    def __len__(self) -> int:
        return len(self._messages)


def install_vietnamese(app: QCoreApplication) -> list[QTranslator]:
    """Make Vietnamese the language of the app and of Qt's own strings; returns translators.

    The caller keeps the returned list alive for as long as the application runs.
    """
    QLocale.setDefault(QLocale(QLocale.Language.Vietnamese, QLocale.Country.Vietnam))
    translator = TsTranslator.from_file(resource_path("translations", QT_CATALOGUE), app)
    app.installTranslator(translator)
    return [translator]
