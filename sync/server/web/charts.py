"""Small bar charts drawn as SVG on the server (no script, nothing fetched)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_COLORS = ("#2f6f9f", "#4f9a5a", "#c98a1b", "#b3443a", "#7a5ea8", "#5b7383", "#999999")


def bars(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    maximum: float | None = None,
    unit: str = "",
    highlight: Sequence[bool] | None = None,
) -> str:
    """Horizontal bars, one per (label, value); ``highlight`` draws flagged bars in red."""
    width, label_w, row_h = 640, 220, 22
    height = 30 + row_h * max(len(items), 1)
    top = maximum or max((v or 0.0 for _, v in items), default=0.0) or 1.0
    parts = [
        f'<svg class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        y = 20 + i * row_h
        span = (width - label_w - 70) * (max(value or 0.0, 0.0) / top)
        color = "#b3443a" if highlight and highlight[i] else _COLORS[0]
        text = "—" if value is None else f"{value:.1f}".rstrip("0").rstrip(".") + unit
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="12">'
            f"{escape(label[:34])}</text>"
            f'<rect x="{label_w}" y="{y + 3}" width="{span:.1f}" height="{row_h - 8}" '
            f'fill="{color}"/>'
            f'<text x="{label_w + span + 4:.1f}" y="{y + 14}" font-size="12">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
