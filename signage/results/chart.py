"""Horizontal bar charts as standalone SVG, drawn on the server.

One group of bars per category, one bar per series, each with its number written beside it;
the chart has a `<title>` and `<desc>` for screen readers and uses the Okabe-Ito palette,
which people with the common colour-vision deficiencies can tell apart. Only presentation
attributes are used (no `style`), so the console's Content-Security-Policy holds. No Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

#: Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion,
#: reddish purple, sky blue.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")

WIDTH = 480
LABEL_WIDTH = 130
VALUE_WIDTH = 50
BAR = 14
GAP = 10
LEGEND_ROW = 18
FONT = 12


@dataclass(frozen=True)
class Series:
    """One set of bars: its legend text and one value per category."""

    name: str
    values: Sequence[int]


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    empty: str,
) -> str:
    """The SVG text of a chart of `series` over `categories`; `empty` is written when there
    are no categories. `chart_id` makes the ids of title and description unique in a page."""
    if any(len(s.values) != len(categories) for s in series):
        raise ValueError("every series needs one value per category")
    if not 1 <= len(series) <= len(PALETTE):
        raise ValueError(f"between 1 and {len(PALETTE)} series")
    group = BAR * len(series) + GAP
    legend = _legend(series) if len(series) > 1 else []
    top = (max(y for _, y, _ in legend) + 10) if legend else 4
    height = top + max(1, len(categories)) * group + 4
    largest = max((v for s in series for v in s.values), default=0) or 1
    room = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]
    if legend:
        parts.append('<g class="legend">')
        for index, (x, y, name) in enumerate(legend):
            parts.append(
                f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{PALETTE[index]}"/>'
                f'<text x="{x + 16}" y="{y}">{escape(name)}</text>'
            )
        parts.append("</g>")
    if not categories:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{top + FONT}">{escape(empty)}</text>')
    parts.append('<g class="bars">')
    for row, category in enumerate(categories):
        y = top + row * group
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + group / 2 + 2:g}" text-anchor="end">'
            f"{escape(_short(category))}</text>"
        )
        for index, one in enumerate(series):
            value = one.values[row]
            length = round(room * value / largest, 1)
            bar_y = y + index * BAR
            label = quoteattr(f"{category}, {one.name}: {value}")
            parts.append(
                f'<rect class="bar" x="{LABEL_WIDTH}" y="{bar_y}" width="{length:g}" '
                f'height="{BAR - 2}" fill="{PALETTE[index]}" aria-label={label}>'
                f"<title>{escape(f'{category}, {one.name}: {value}')}</title></rect>"
                f'<text x="{LABEL_WIDTH + length + 4:g}" y="{bar_y + BAR - 3}">{value}</text>'
            )
    parts.append("</g></svg>")
    return "".join(parts)


def _legend(series: Sequence[Series]) -> list[tuple[int, int, str]]:
    """Where each legend entry goes: (x, baseline y, text), wrapping onto new rows."""
    placed: list[tuple[int, int, str]] = []
    x, y = 4, 14
    for one in series:
        width = 24 + round(FONT * 0.6 * len(one.name))
        if x > 4 and x + width > WIDTH:
            x, y = 4, y + LEGEND_ROW
        placed.append((x, y, one.name))
        x += width
    return placed


def _short(text: str, limit: int = 20) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
