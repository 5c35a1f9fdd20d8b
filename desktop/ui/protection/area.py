"""The "Bảo vệ trẻ em" area of the main window: one tab per kind of record."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QTabWidget, QVBoxLayout, QWidget

from desktop.core.domain.permissions import Action
from desktop.core.services.book import Book
from desktop.ui.protection.cases import CasesView
from desktop.ui.protection.records import InjuriesView, LabourMarriageView
from desktop.ui.protection.settings import SettingsView
from desktop.ui.protection.special import RiskView, SpecialView

T = TypeVar("T", bound=QWidget)


class ProtectionView(QWidget):
    """Special circumstances, risks, cases, injuries, labour and marriage, the lists.

    Each tab's screen is built the first time it is shown (the main window opens faster).
    """

    def __init__(self, book: Book, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._book = book
        title = QLabel(self.tr("Bảo vệ trẻ em"))
        title.setObjectName("pageTitle")
        self.tabs = QTabWidget()
        self._built: dict[int, QWidget] = {}
        self._makers: list[Callable[[Book], QWidget]] = [
            SpecialView, RiskView, CasesView, InjuriesView, LabourMarriageView, SettingsView,
        ]  # fmt: skip
        titles = [
            self.tr("Hoàn cảnh đặc biệt"), self.tr("Nguy cơ"), self.tr("Vụ việc"),
            self.tr("Tai nạn, thương tích"), self.tr("Lao động, tảo hôn"),
            self.tr("Ngày nghỉ, loại nguy cơ"),
        ]  # fmt: skip
        for text in titles:
            page = QWidget()
            box = QVBoxLayout(page)
            box.setContentsMargins(0, 0, 0, 0)
            self.tabs.addTab(page, text)
        self.tabs.currentChanged.connect(self._build)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 8)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

    def _build(self, index: int) -> QWidget:
        built = self._built.get(index)
        if built is None:
            built = self._makers[index](self._book)
            self._built[index] = built
            page = self.tabs.widget(index)
            box = page.layout() if page is not None else None
            if box is not None:
                box.addWidget(built)
        return built

    def _tab(self, index: int, kind: type[T]) -> T:
        built = self._build(index)
        assert isinstance(built, kind)
        return built

    @property
    def special(self) -> SpecialView:
        """The special-circumstance list."""
        return self._tab(0, SpecialView)

    @property
    def risks(self) -> RiskView:
        """The at-risk list."""
        return self._tab(1, RiskView)

    @property
    def cases(self) -> CasesView:
        """The case list."""
        return self._tab(2, CasesView)

    @property
    def injuries(self) -> InjuriesView:
        """Injuries and drownings."""
        return self._tab(3, InjuriesView)

    @property
    def labour(self) -> LabourMarriageView:
        """Child labour and marriage."""
        return self._tab(4, LabourMarriageView)

    @property
    def settings(self) -> SettingsView:
        """Holidays and risk categories."""
        return self._tab(5, SettingsView)

    def show_tab(self, widget: QWidget) -> None:
        """Bring ``widget``'s tab to the front."""
        for index, built in self._built.items():
            if built is widget:
                self.tabs.setCurrentIndex(index)

    def showEvent(self, event: QShowEvent) -> None:
        """The first tab is built when the area is first shown."""
        self._build(self.tabs.currentIndex())
        super().showEvent(event)


def protection_areas(book: Book) -> list[tuple[str, QWidget]]:
    """The area, for the roles that may see the protection lists."""
    if not book.user.may(Action.VIEW_PROTECTION):
        return []
    return [(QCoreApplication.translate("MainWindow", "Bảo vệ trẻ em"), ProtectionView(book))]
