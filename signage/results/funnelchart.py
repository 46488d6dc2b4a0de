"""The funnel as a standalone SVG, drawn on the server like the other charts.

One bar per step, its name above it, its number beside it and, for a step that follows from
another, the conversion written under it ("2.5% of QR slides shown"). The bars of one way in
share a colour of the Okabe-Ito palette (screens, paper, Wi-Fi), and every bar is also named in
words, so nothing depends on telling colours apart. `<title>` and `<desc>` for screen readers;
presentation attributes only (the console's Content-Security-Policy forbids `style`). No Flask.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

from signage.results.chart import FONT, PALETTE

WIDTH = 560
VALUE_WIDTH = 70
BAR = 16
#: Each step: its name above its bar, the bar, its conversion under the bar.
STEP = 58


@dataclass(frozen=True)
class Bar:
    """One step: its name, number, colour index in `PALETTE` and conversion sentence (may be
    empty)."""

    name: str
    value: int
    colour: int
    note: str


def funnel_chart(chart_id: str, title: str, description: str, bars: Sequence[Bar]) -> str:
    """The SVG text of the funnel; every text is escaped."""
    height = 4 + len(bars) * STEP
    largest = max((bar.value for bar in bars), default=0) or 1
    room = WIDTH - 8 - VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="funnel-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" font-family="sans-serif" '
        f'font-size="{FONT}">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g class="bars">',
    ]
    for row, bar in enumerate(bars):
        y = 4 + row * STEP
        length = round(room * bar.value / largest, 1)
        said = f"{bar.name}: {bar.value}" + (f" ({bar.note})" if bar.note else "")
        parts.append(
            f'<text x="8" y="{y + FONT}" font-weight="bold">{escape(bar.name)}</text>'
            f'<rect class="bar" x="8" y="{y + FONT + 4}" width="{length:g}" height="{BAR}" '
            f'fill="{PALETTE[bar.colour % len(PALETTE)]}" aria-label={quoteattr(said)}>'
            f"<title>{escape(said)}</title></rect>"
            f'<text x="{8 + length + 4:g}" y="{y + FONT + BAR}">{bar.value}</text>'
        )
        if bar.note:
            parts.append(
                f'<text class="note" x="8" y="{y + 2 * FONT + BAR + 8}">{escape(bar.note)}</text>'
            )
    parts.append("</g></svg>")
    return "".join(parts)


def bars_of(
    values: Mapping[str, int],
    names: Mapping[str, str],
    notes: Mapping[str, str],
    colours: Mapping[str, int],
    steps: Sequence[str],
) -> list[Bar]:
    """The bars of `steps` from one funnel row's `values`, in the reader's words."""
    return [Bar(names[s], values.get(s, 0), colours[s], notes.get(s, "")) for s in steps]
