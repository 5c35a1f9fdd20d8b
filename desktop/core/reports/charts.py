"""The report's two charts, defined once: drawn in the PDF's annex and shown on screen as SVG.

Both are reportlab.graphics drawings made from a report's ``ReportContent``:

- ``targets_chart``: indicators against the commune's target over the last periods. By default
  the PDF's choice (``CHART_CODES``, one group of bars per indicator); given one indicator, its
  value in each period beside its target, each bar labelled.
- ``special_chart``: children in special circumstances by group, and those supported (CT08a's
  and CT08b's cells).

``svg`` turns a drawing into SVG bytes (``renderSVG``, pure Python) for ``QSvgWidget``: the
text stays text, in the PDF's font (Liberation Serif, which the screen registers too), so the
Vietnamese letters are the ones the PDF prints.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.shapes import Drawing, Group, String, mmult, rotate, translate
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth

from desktop.core.domain.text import nfc
from desktop.core.indicators.engine import Cell, IndicatorResult
from desktop.core.reports.document import TEXT_WIDTH
from desktop.core.reports.fonts import BOLD, BOLD_ITALIC, ITALIC, REGULAR, register_fonts

if TYPE_CHECKING:  # the content is built in indicators_report, which draws these charts
    from desktop.core.reports.indicators_report import ReportContent

__all__ = [
    "CHART_CODES",
    "SCREEN_FONT_FAMILY",
    "SPECIAL_TITLE",
    "TARGETS_TITLE",
    "special_chart",
    "special_group_names",
    "special_svg",
    "svg",
    "target_choices",
    "targets_chart",
    "targets_svg",
]

# The indicators the PDF's chart shows (all percentages): special circumstances, birth
# registration, health insurance, pre-school at 5 and at 3–5.
CHART_CODES = ("CT08a", "CT14", "TK0201", "CT16", "TK0402")
TARGETS_TITLE = "Chỉ tiêu so với mục tiêu qua các kỳ"
TARGET_NAME = "Mục tiêu của xã"
SPECIAL_TITLE = "Trẻ em có hoàn cảnh đặc biệt theo nhóm và số được trợ giúp"
SPECIAL_NAME = "Trẻ em có hoàn cảnh đặc biệt"
SUPPORTED_NAME = "Được trợ giúp trong kỳ"
NO_VALUE = "chưa có số liệu"
# The family the SVG names: the same faces as the PDF's, registered by the screen under
# their own name (reportlab's registered names mean nothing outside reportlab).
SCREEN_FONT_FAMILY = "Liberation Serif"

_PERIOD_COLOURS = tuple(colors.HexColor(x) for x in ("#9ecae1", "#4292c6", "#08519c"))
_TARGET_COLOUR = colors.HexColor("#e6550d")
_SPECIAL_COLOUR = colors.HexColor("#4292c6")
_SUPPORTED_COLOUR = colors.HexColor("#31a354")
_NOTE_COLOUR = colors.HexColor("#555555")
_LABEL_SIZE = 8
_TITLE_SIZE = 10


# -- choices -----------------------------------------------------------------------------------


def _by_code(content: ReportContent) -> dict[str, IndicatorResult]:
    return {r.code: r for r in content.results}


def target_choices(content: ReportContent) -> list[tuple[str, str]]:
    """The indicators the target chart can show one by one: (code, "CT14 – Tỷ lệ …"), in the
    report's order. Yes/no indicators are left out (a bar of 0 or 1 says nothing)."""
    return [(r.code, nfc(f"{r.code} – {r.name_vi}")) for r in content.results if r.unit != "yes_no"]


def special_group_names(content: ReportContent) -> list[str]:
    """The groups on the special-circumstances chart by name ("Nhóm 4: Trẻ em …")."""
    return [nfc(c.label) for c in _special_groups(_by_code(content))]


# -- drawing helpers ---------------------------------------------------------------------------


def _vn_number(value: float) -> str:
    """An axis or bar number: Vietnamese decimal comma, "." between thousands, no ".0"."""
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def _value_text(value: float | None, unit: str, unit_label: str) -> str:
    if value is None:
        return NO_VALUE
    if unit == "count":
        return _vn_number(round(value))
    text = _vn_number(round(value, 2))
    return f"{text} %" if unit_label == "%" else f"{text} {unit_label}"


def _nice_axis(top: float, integer: bool) -> tuple[float, float]:
    """(highest value, step) of a value axis reaching ``top`` in about five round steps."""
    top = max(top, 1.0 if integer else 0.0)
    if top <= 0:
        return 1.0, 0.2
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1.0, math.ceil(step))
    return math.ceil(top / step - 1e-9) * step, step


def _lines(text: str, font: str, size: float, width: float, most: int = 2) -> list[str]:
    """``text`` broken into at most ``most`` lines of ``width`` points (the last cut with …)."""
    words = nfc(text).split()
    lines: list[str] = []
    while words and len(lines) < most:
        line = words.pop(0)
        while words and stringWidth(f"{line} {words[0]}", font, size) <= width:
            line = f"{line} {words.pop(0)}"
        lines.append(line)
    if words:
        last = lines[-1]
        while last and stringWidth(last + " …", font, size) > width:
            last = last[:-1].rstrip()
        lines[-1] = last + " …"
    return lines


def _chart(drawing_width: float, drawing_height: float, top_space: float) -> VerticalBarChart:
    chart = VerticalBarChart()
    chart.x, chart.y = 16 * mm, 18 * mm
    chart.width = drawing_width - 22 * mm
    chart.height = drawing_height - chart.y - top_space
    for labels in (chart.categoryAxis.labels, chart.valueAxis.labels):
        labels.fontName = REGULAR
        labels.fontSize = _LABEL_SIZE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = _vn_number
    chart.valueAxis.visibleGrid = True
    chart.valueAxis.gridStrokeColor = colors.HexColor("#dddddd")
    chart.valueAxis.gridStrokeWidth = 0.5
    return chart


def _scale(chart: VerticalBarChart, values: Sequence[float | None], integer: bool) -> None:
    top, step = _nice_axis(max((v for v in values if v is not None), default=0.0), integer)
    chart.valueAxis.valueMax = top
    chart.valueAxis.valueStep = step


def _bar_sizes(chart: VerticalBarChart, categories: int, series: int, widest: float = 36) -> None:
    """Bars at most ``widest`` points wide, centred in their category (reportlab spreads a few
    bars over the whole width otherwise)."""
    step = chart.width / max(categories, 1)
    bar = min(widest, step * 0.8 / max(series, 1))
    chart.barWidth = bar
    chart.barSpacing = 0
    chart.groupSpacing = step - bar * series


def _bar_labels(chart: VerticalBarChart, formatter: object) -> None:
    chart.barLabelFormat = formatter
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.nudge = 6


def _axis_title(drawing: Drawing, chart: VerticalBarChart, text: str) -> None:
    """The value axis's name, written upwards along it."""
    drawing.add(
        Group(
            String(
                0,
                0,
                nfc(text),
                fontName=ITALIC,
                fontSize=_LABEL_SIZE,
                textAnchor="middle",
            ),
            transform=mmult(translate(4 * mm, chart.y + chart.height / 2), rotate(90)),
        )
    )


def _titles(drawing: Drawing, title: str, subtitles: Sequence[str]) -> float:
    """Write the title and its smaller lines at the top; return the height they take."""
    y = drawing.height - 10
    for line in _lines(title, BOLD, _TITLE_SIZE, drawing.width - 8):
        drawing.add(
            String(
                drawing.width / 2, y, line, fontName=BOLD, fontSize=_TITLE_SIZE, textAnchor="middle"
            )
        )
        y -= _TITLE_SIZE + 2
    for sub in subtitles:
        for line in _lines(sub, REGULAR, 9, drawing.width - 8):
            drawing.add(
                String(
                    drawing.width / 2, y, line, fontName=REGULAR, fontSize=9, textAnchor="middle"
                )
            )
            y -= 11
    return float(drawing.height - y)


def _legend(drawing: Drawing, pairs: Sequence[tuple[object, str]]) -> None:
    legend = Legend()
    legend.x, legend.y = 16 * mm, 7 * mm
    legend.fontName = REGULAR
    legend.fontSize = _LABEL_SIZE
    legend.alignment = "right"
    legend.columnMaximum = 1
    legend.dx, legend.dy = 6, 6
    legend.deltax = max(stringWidth(name, REGULAR, _LABEL_SIZE) for _, name in pairs) + 20
    legend.colorNamePairs = [(colour, nfc(name)) for colour, name in pairs]
    drawing.add(legend)


def _note(drawing: Drawing, chart: VerticalBarChart, text: str) -> None:
    """A line written across the middle of an empty plot."""
    drawing.add(
        String(
            chart.x + chart.width / 2,
            chart.y + chart.height / 2,
            nfc(text),
            fontName=ITALIC,
            fontSize=9,
            fillColor=_NOTE_COLOUR,
            textAnchor="middle",
        )
    )


# -- indicators against their target -----------------------------------------------------------


def _target_value(r: IndicatorResult, year: int) -> float | None:
    t = r.target("commune", year)
    return float(t.value) if t is not None and t.value is not None else None


def _unit_words(r: IndicatorResult) -> str:
    if r.unit == "count":
        return "Số lượng"
    return "Tỷ lệ (%)" if r.unit_label == "%" else f"Tỷ suất ({r.unit_label})"


def targets_chart(
    content: ReportContent, code: str | None = None, width: float = TEXT_WIDTH
) -> Drawing:
    """Indicators against the commune's target over the last periods (``content.history``).

    Without ``code``: the PDF's indicators (``CHART_CODES``), one group of bars per indicator
    (one bar per period, then the target). With ``code``: that indicator alone, one labelled
    bar per period and one for the target. No bar is drawn where a period has no value.
    """
    register_fonts()
    by_code = _by_code(content)
    if code is not None and code in by_code:
        return _one_target_chart(content, by_code[code], width)
    codes = [c for c in CHART_CODES if c in by_code]
    periods = list(content.history) or [(content.period_label, {})]
    year = content.reference_date.year
    units = {by_code[c].unit_label for c in codes}
    unit = next(iter(units)) if len(units) == 1 else ""  # the PDF's: all percentages
    title = f"{TARGETS_TITLE} ({unit})" if unit else TARGETS_TITLE
    drawing = Drawing(width, round(75 * mm))
    top_space = _titles(drawing, title, ()) + 4
    chart = _chart(width, drawing.height, top_space)
    series: list[list[float | None]] = [[values.get(c) for c in codes] for _, values in periods]
    series.append([_target_value(by_code[c], year) for c in codes])
    chart.data = series if codes else [[None]]
    chart.categoryAxis.categoryNames = codes or ["—"]
    _bar_sizes(chart, len(codes), len(series))
    _scale(chart, [v for s in series for v in s], integer=False)
    for i in range(len(series)):
        last = i == len(series) - 1
        chart.bars[i].fillColor = _TARGET_COLOUR if last else _PERIOD_COLOURS[i % 3]
    drawing.add(chart)
    _axis_title(drawing, chart, "Tỷ lệ (%)" if unit == "%" else "Giá trị")
    if not any(v is not None for s in series for v in s):
        _note(drawing, chart, "Các chỉ tiêu này chưa có số liệu và mục tiêu.")
    names = [label for label, _ in periods] + [TARGET_NAME]
    _legend(drawing, [(chart.bars[i].fillColor, names[i]) for i in range(len(series))])
    return drawing


def _one_target_chart(content: ReportContent, r: IndicatorResult, width: float) -> Drawing:
    periods = list(content.history) or [(content.period_label, {})]
    year = content.reference_date.year
    target = r.target("commune", year)
    values = [v.get(r.code) for _, v in periods] + [_target_value(r, year)]
    names = [label for label, _ in periods] + [TARGET_NAME]
    drawing = Drawing(width, round(75 * mm))
    subtitle = nfc(f"{r.code} – {r.name_vi}")
    top_space = _titles(drawing, f"{TARGETS_TITLE} ({r.unit_label})", [subtitle]) + 8
    chart = _chart(width, drawing.height, top_space)
    chart.data = [values]
    chart.categoryAxis.categoryNames = [nfc(n) for n in names]
    _bar_sizes(chart, len(values), 1, widest=48)
    _scale(chart, values, integer=r.unit == "count")
    for i in range(len(values)):
        last = i == len(values) - 1
        chart.bars[(0, i)].fillColor = _TARGET_COLOUR if last else _PERIOD_COLOURS[i % 3]
    _bar_labels(chart, lambda v: _value_text(v, r.unit, r.unit_label))
    drawing.add(chart)
    _axis_title(drawing, chart, _unit_words(r))
    # Where there is no bar, say why: no value that period, or no target in numbers.
    step = chart.width / len(values)
    for i, value in enumerate(values):
        if value is not None:
            continue
        last = i == len(values) - 1
        text = NO_VALUE
        if last:
            text = f"«{target.text}»" if target is not None and target.text else "chưa đặt mục tiêu"
        for n, line in enumerate(_lines(text, ITALIC, 7, step - 4)):
            drawing.add(
                String(
                    chart.x + step * (i + 0.5),
                    chart.y + 6 + 9 * (1 - n),
                    line,
                    fontName=ITALIC,
                    fontSize=7,
                    fillColor=_NOTE_COLOUR,
                    textAnchor="middle",
                )
            )
    return drawing


# -- children in special circumstances ---------------------------------------------------------


def _special_groups(by_code: dict[str, IndicatorResult]) -> list[Cell]:
    found = by_code.get("CT08a")
    return [c for c in found.cells if c.dimension == "special_group"] if found else []


def special_chart(content: ReportContent, width: float = TEXT_WIDTH) -> Drawing:
    """Children in special circumstances by group (CT08a's cells) and those supported in the
    period (CT08b's), each bar labelled with its number of children."""
    register_fonts()
    by_code = _by_code(content)
    groups = _special_groups(by_code)
    supported = {
        c.key: c.numerator
        for c in (by_code["CT08b"].cells if "CT08b" in by_code else ())
        if c.dimension == "special_group"
    }
    status = by_code.get("CT08b")
    missing = status is None or status.status == "missing"
    subtitles = []
    many = len(groups) > 8  # up to 16 (Luật Trẻ em 2016, Điều 10): numbers only, said above
    if many:
        subtitles.append("Số dưới mỗi cột là số thứ tự nhóm (Điều 10 Luật Trẻ em 2016)")
    if status is not None and missing and status.missing_reason:
        subtitles.append(f"(Số được trợ giúp: {status.missing_reason})")
    drawing = Drawing(width, round(70 * mm))
    top_space = _titles(drawing, SPECIAL_TITLE, subtitles) + 8
    chart = _chart(width, drawing.height, top_space)
    counts: list[float | None] = [float(c.numerator) for c in groups]
    helped: list[float | None] = [
        None if missing else float(supported.get(c.key, 0)) for c in groups
    ]
    chart.data = [counts or [None], helped or [None]]
    names = [c.key if many else f"Nhóm {c.key}" for c in groups]
    chart.categoryAxis.categoryNames = names or ["—"]
    _bar_sizes(chart, len(names), 2)
    _scale(chart, counts + helped, integer=True)
    chart.bars[0].fillColor = _SPECIAL_COLOUR
    chart.bars[1].fillColor = _SUPPORTED_COLOUR
    _bar_labels(chart, _vn_number)
    drawing.add(chart)
    _axis_title(drawing, chart, "Số trẻ em")
    if not groups:
        _note(drawing, chart, "Không có trẻ em có hoàn cảnh đặc biệt trong kỳ.")
    _legend(drawing, [(_SPECIAL_COLOUR, SPECIAL_NAME), (_SUPPORTED_COLOUR, SUPPORTED_NAME)])
    return drawing


# -- SVG for the screen ------------------------------------------------------------------------

# reportlab's registered face → the SVG's font attributes (renderSVG's "fontHacks").
_FACES = {
    REGULAR: {"family": f"'{SCREEN_FONT_FAMILY}'"},
    BOLD: {"family": f"'{SCREEN_FONT_FAMILY}'", "weight": "bold"},
    ITALIC: {"family": f"'{SCREEN_FONT_FAMILY}'", "style": "italic"},
    BOLD_ITALIC: {"family": f"'{SCREEN_FONT_FAMILY}'", "weight": "bold", "style": "italic"},
}


def svg(drawing: Drawing, title: str = "") -> bytes:
    """``drawing`` as UTF-8 SVG for QSvgRenderer: the PDF's faces named as the screen knows
    them, no clipPath element (SVG Tiny, which Qt draws, has none: it would paint a black
    rectangle), the exact view box, ``title`` as the SVG's title."""
    text: str = renderSVG.drawToString(
        drawing,
        useClip=True,
        fontHacks={face: dict(attrs) for face, attrs in _FACES.items()},
        svgAttrs={"viewBox": f"0 0 {drawing.width:.2f} {drawing.height:.2f}"},
    )
    text = text.replace("<title>...</title>", f"<title>{escape(nfc(title))}</title>", 1)
    return text.replace("<desc>...</desc>", "", 1).encode("utf-8")


def targets_svg(content: ReportContent, code: str | None = None) -> bytes:
    """``targets_chart`` as SVG."""
    return svg(targets_chart(content, code), TARGETS_TITLE)


def special_svg(content: ReportContent) -> bytes:
    """``special_chart`` as SVG."""
    return svg(special_chart(content), SPECIAL_TITLE)
