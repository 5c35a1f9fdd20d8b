"""The report's charts on screen ("Biểu đồ"): the same drawings as in the PDF's annex.

``desktop/core/reports/charts.py`` defines each chart once; the PDF draws it, this dialog
shows it as SVG in a ``QSvgWidget`` (no QtCharts: the bundle has Qt Essentials only). The
report's content, with the past periods' values, is read from the book in the background.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QByteArray, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.domain.dates import format_vn_date
from desktop.core.reports import charts
from desktop.core.reports.fonts import font_files
from desktop.core.reports.indicators_report import ReportContent
from desktop.core.services.indicators import IndicatorReport, IndicatorService, period_label
from desktop.ui import messages
from desktop.ui.ops import run_op
from desktop.ui.screen import resize_to_fit

_fonts_added = False


def add_chart_fonts() -> None:
    """Make the PDF's font (Liberation Serif) known to Qt once, so the SVG's text is drawn in
    it on every PC, whatever fonts Windows has."""
    global _fonts_added  # noqa: PLW0603 - once per process, like reportlab's registration
    if _fonts_added:
        return
    for path in font_files():
        QFontDatabase.addApplicationFont(str(path))
    _fonts_added = True


@dataclass(frozen=True)
class _Loaded:
    """What the worker hands back: the content and the two charts as first shown."""

    content: ReportContent
    targets: bytes
    special: bytes


class ChartView(QSvgWidget):
    """One chart, scaled to the space it has without being stretched."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(360, 160)

    def show_svg(self, data: bytes) -> None:
        """Draw ``data`` (SVG), keeping its width-to-height ratio."""
        self.load(QByteArray(data))
        # The mode belongs to the loaded document: set again after every load.
        self.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)
        self.update()


class ChartsDialog(QDialog):
    """ "Biểu đồ — <kỳ>": indicators against their target over the periods (the officer picks
    which), and children in special circumstances by group with those supported."""

    loaded = Signal()

    def __init__(
        self,
        service: IndicatorService,
        code: str,
        report: IndicatorReport,
        as_of: date | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        add_chart_fonts()
        self.content: ReportContent | None = None
        self.setWindowTitle(self.tr("Biểu đồ — {p}").format(p=period_label(code)))
        intro = QLabel(
            self.tr(
                "Số liệu tính đến ngày {d}. Kỳ trước có trong biểu đồ khi báo cáo kỳ đó đã chốt "
                "số liệu."
            ).format(d=format_vn_date(report.period.reference))
        )
        intro.setWordWrap(True)
        intro.setObjectName("hintLabel")
        intro.setToolTip(self.tr("Các biểu đồ này cũng in trong phụ lục của tệp PDF."))
        self.indicator = QComboBox()
        self.indicator.addItem(self.tr("Các chỉ tiêu chính (như trong tệp PDF)"), "")
        self.indicator.setEnabled(False)
        self.indicator.setMinimumContentsLength(40)
        self.indicator.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.indicator.setToolTip(
            self.tr("Chọn một chỉ tiêu để xem giá trị của nó qua các kỳ bên cạnh mục tiêu của xã.")
        )
        self.targets_view = ChartView()
        self.special_view = ChartView()
        self.groups = QLabel()
        self.groups.setWordWrap(True)
        self.groups.setObjectName("hintLabel")
        self.groups.hide()
        self.status = QLabel(self.tr("Đang chuẩn bị biểu đồ…"))
        self.status.setObjectName("hintLabel")
        buttons = QDialogButtonBox()
        buttons.addButton(self.tr("Đóng"), QDialogButtonBox.ButtonRole.RejectRole)
        buttons.rejected.connect(self.reject)

        chooser = QHBoxLayout()
        chooser.addWidget(QLabel(self.tr("Chỉ tiêu so với mục tiêu:")))
        chooser.addWidget(self.indicator, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(chooser)
        layout.addWidget(self.targets_view, 1)
        layout.addWidget(self.special_view, 1)
        layout.addWidget(self.groups)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        resize_to_fit(self, 1000, 760)

        self.indicator.currentIndexChanged.connect(self._indicator_chosen)
        run_op(
            self,
            lambda: _load(service, code, as_of, report),
            success=self._loaded,
            failure=self._failed,
            label=self.tr("Đang chuẩn bị biểu đồ…"),
        )

    @property
    def chosen_code(self) -> str | None:
        """The indicator the target chart shows alone, or None for the PDF's choice."""
        return str(self.indicator.currentData() or "") or None

    def _loaded(self, result: _Loaded) -> None:
        self.content = result.content
        self.targets_view.show_svg(result.targets)
        self.special_view.show_svg(result.special)
        self.indicator.blockSignals(True)
        for code, text in charts.target_choices(result.content):
            self.indicator.addItem(text, code)
        self.indicator.blockSignals(False)
        self.indicator.setEnabled(True)
        names = charts.special_group_names(result.content)
        self.groups.setText("; ".join(names))
        self.groups.setVisible(bool(names))
        self.status.hide()
        self.loaded.emit()

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(self.tr("Không chuẩn bị được biểu đồ."))
        messages.show_exception(self, exc)

    def _indicator_chosen(self) -> None:
        if self.content is not None:
            self.targets_view.show_svg(charts.targets_svg(self.content, self.chosen_code))

    def choose_indicator(self, code: str | None) -> None:
        """Show ``code`` alone on the target chart (None: the PDF's indicators)."""
        index = self.indicator.findData(code or "")
        if index >= 0:
            self.indicator.setCurrentIndex(index)


def _load(
    service: IndicatorService, code: str, as_of: date | None, report: IndicatorReport
) -> _Loaded:
    """On the worker thread: the content with the past periods, and the first two charts."""
    content = service.content(code, as_of, report)
    return _Loaded(content, charts.targets_svg(content), charts.special_svg(content))
