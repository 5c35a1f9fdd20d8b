"""Case papers in the administrative layout (NĐ 30/2020): the intake report (Mẫu số 01 of
NĐ 56/2017, "Báo cáo tiếp nhận thông tin trẻ em") and the case summary.

The renderer knows nothing of cases: it lays out labelled sections and a timeline that the
case service filled in (and from which it already left out what the reader may not see).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from reportlab.platypus import Flowable, Spacer

from desktop.core.reports.document import (
    TEXT_WIDTH,
    DocumentHeader,
    bordered_table,
    para,
    render_official_pdf,
    report_styles,
)
from desktop.core.reports.protect import ExportProtection


@dataclass(frozen=True)
class FormLine:
    """One labelled value ("Họ và tên trẻ: …"); an empty value prints as dots to fill by hand."""

    label: str
    value: str


@dataclass(frozen=True)
class FormSection:
    """A block of the form: a heading and its lines."""

    title: str
    lines: tuple[FormLine, ...]


@dataclass(frozen=True)
class TimelineRow:
    """A line of the case timeline or of its clocks."""

    when: str
    what: str
    detail: str


_DOTS = "…………………………………………"
_LABEL_WIDTH = 0.36 * TEXT_WIDTH


def _section(section: FormSection) -> list[Flowable]:
    st = report_styles()
    rows = [
        [para(line.label, st.table_text_bold), para(line.value or _DOTS, st.table_text)]
        for line in section.lines
    ]
    story: list[Flowable] = [para(section.title, st.note_label)]
    if rows:
        story.append(bordered_table(rows, [_LABEL_WIDTH, TEXT_WIDTH - _LABEL_WIDTH], header_rows=0))
    story.append(Spacer(1, 6))
    return story


def _timeline(title: str, rows: Sequence[TimelineRow]) -> list[Flowable]:
    st = report_styles()
    data = [
        [
            para("Thời gian", st.table_head),
            para("Nội dung", st.table_head),
            para("Chi tiết", st.table_head),
        ]
    ]
    data += [
        [para(r.when, st.table_text), para(r.what, st.table_text), para(r.detail, st.table_text)]
        for r in rows
    ]
    widths = [0.24 * TEXT_WIDTH, 0.30 * TEXT_WIDTH, 0.46 * TEXT_WIDTH]
    return [para(title, st.note_label), bordered_table(data, widths), Spacer(1, 6)]


def render_case_document(
    header: DocumentHeader,
    sections: Sequence[FormSection],
    path: Path,
    *,
    closing: str,
    timelines: Sequence[tuple[str, Sequence[TimelineRow]]] = (),
    protection: ExportProtection | None = None,
) -> None:
    """Write the sections, then the timelines, in the official layout to ``path``."""
    body: list[Flowable] = []
    for section in sections:
        body += _section(section)
    for title, rows in timelines:
        body += _timeline(title, rows)
    render_official_pdf(header, body, path, closing=closing, protection=protection)
