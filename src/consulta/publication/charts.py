"""Charts as server-rendered SVG: no JavaScript, no library, nothing fetched.

Each chart is one ``<svg role="img">`` named by its ``<title>`` and ``<desc>`` (``aria-labelledby``);
the numbers are written on the chart as text, so meaning never rests on colour alone, and the page
puts a table of the same numbers beside it. Colours and sizes are SVG presentation attributes (no
``style`` attribute, no ``<style>`` element), which the site's Content-Security-Policy allows.

Contrast on white: bars ``#0b4f8a`` (8.3:1), text ``#1b1f24`` (16:1), axis text ``#4a5560`` (7.4:1),
deadline marks ``#8a4b00`` (6.6:1, dashed and labelled). Bar charts are 480 units wide with text of
17 and 18 units: shown at most at their own size, they keep text of about 12 CSS pixels on a phone.
The time chart is 640 units wide with 13 to 14-unit text; the stylesheet keeps it at least 36rem
wide, scrolling sideways on small screens.

Direction: the root always says ``direction="ltr"`` so that ``text-anchor`` means the same in every
browser, and the geometry does the mirroring: in a right-to-left language, horizontal bar charts
grow from the right edge with their labels right-aligned; the time chart keeps time running left
to right in every language (its dates are written on the axis).

This module does not import Django: give it labels already translated and numbers already formatted.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape as _escape

WIDTH = 640  # the time chart
BAR_CHART_WIDTH = 480
PAD = 8
BAR_FILL = "#0b4f8a"
INK = "#1b1f24"
MUTED = "#4a5560"
GRID = "#cfd6dd"
AXIS = "#5a6570"
MARK = "#8a4b00"
SVG_NS = "http://www.w3.org/2000/svg"


def escape(text: str) -> str:
    """Text for XML content or a double-quoted attribute."""
    return _escape(str(text), {'"': "&quot;"})


def _n(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    """A generous estimate of a text's drawn width (wide scripts count more)."""
    units = sum(1.0 if ord(ch) >= 0x2E80 else 0.62 for ch in text)
    return units * size


def _open(height: float, *, id_prefix: str, title: str, desc: str, width: int = WIDTH) -> list[str]:
    return [
        f'<svg xmlns="{SVG_NS}" class="chart-svg" viewBox="0 0 {width} {_n(height)}" width="{width}" '
        f'height="{_n(height)}" role="img" aria-labelledby="{id_prefix}-title {id_prefix}-desc" '
        f'direction="ltr" font-family="inherit">',
        f'<title id="{id_prefix}-title">{escape(title)}</title>',
        f'<desc id="{id_prefix}-desc">{escape(desc)}</desc>',
    ]


@dataclass(frozen=True)
class BarDatum:
    label: str
    value: int
    value_text: str  # e.g. "25 (26 %)", already formatted for the reader


BAR_ROW = 54
BAR_HEIGHT = 22
LABEL_SIZE = 18
VALUE_SIZE = 17


def bar_chart(
    data: Sequence[BarDatum], *, title: str, desc: str, id_prefix: str, rtl: bool = False
) -> str:
    """Horizontal bars, one row each: the label on its own line, then the bar and its number."""
    drawing = BAR_CHART_WIDTH
    height = 2 * PAD + max(len(data), 1) * BAR_ROW
    parts = _open(height, id_prefix=id_prefix, title=title, desc=desc, width=drawing)
    largest = max((d.value for d in data), default=0)
    value_space = max([60.0] + [_text_width(d.value_text, VALUE_SIZE) + 12 for d in data])
    area = drawing - 2 * PAD - value_space
    for i, datum in enumerate(data):
        top = PAD + i * BAR_ROW
        width = area * datum.value / largest if largest else 0.0
        if datum.value > 0:
            width = max(width, 2.0)
        if rtl:
            bar_x, label_x, anchor = drawing - PAD - width, drawing - PAD, "end"
            value_x = bar_x - 6
        else:
            bar_x, label_x, anchor = PAD, PAD, "start"
            value_x = PAD + width + 6
        parts.append('<g class="bar">')
        parts.append(
            f'<text x="{_n(label_x)}" y="{_n(top + 20)}" font-size="{LABEL_SIZE}" fill="{INK}" '
            f'text-anchor="{anchor}">{escape(datum.label)}</text>'
        )
        if width:
            parts.append(
                f'<rect x="{_n(bar_x)}" y="{_n(top + 27)}" width="{_n(width)}" height="{BAR_HEIGHT}" '
                f'fill="{BAR_FILL}"/>'
            )
        parts.append(
            f'<text class="value" x="{_n(value_x)}" y="{_n(top + 44)}" font-size="{VALUE_SIZE}" '
            f'fill="{INK}" text-anchor="{anchor}" data-value="{datum.value}">{escape(datum.value_text)}</text>'
        )
        parts.append("</g>")
    parts.append("</svg>")
    return "\n".join(parts)


@dataclass(frozen=True)
class ColumnDatum:
    tick: str  # short axis label ("Aug 2024", "Jan 6")
    label: str  # long label for the tooltip ("August 2024")
    value: int
    value_text: str


@dataclass(frozen=True)
class Marker:
    position: float  # in columns from the left edge: 2.5 is the middle of the third column
    label: str


def nice_ticks(largest: int) -> list[int]:
    """0 and a few round steps (1, 2 or 5 × 10ⁿ) reaching at least ``largest``."""
    if largest <= 0:
        return [0, 1]
    rough = largest / 4
    magnitude = 10 ** math.floor(math.log10(rough)) if rough >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(int(step), 1)
    top = math.ceil(largest / step) * step
    return list(range(0, top + 1, step))


PLOT_TOP = 48
PLOT_HEIGHT = 200
AXIS_SIZE = 14
COLUMN_VALUE_SIZE = 13


def column_chart(
    columns: Sequence[ColumnDatum],
    *,
    title: str,
    desc: str,
    id_prefix: str,
    markers: Sequence[Marker] = (),
    number: Callable[[int], str] = str,
) -> str:
    """Columns over time, left to right, with dashed labelled lines for the deadlines."""
    ticks = nice_ticks(max((c.value for c in columns), default=0))
    tick_texts = [number(t) for t in ticks]
    left = PAD + max(28.0, max(_text_width(t, AXIS_SIZE) for t in tick_texts) + 8)
    right = WIDTH - PAD - 4
    plot_width = right - left
    bottom = PLOT_TOP + PLOT_HEIGHT
    height = bottom + 34
    parts = _open(height, id_prefix=id_prefix, title=title, desc=desc)
    top_tick = ticks[-1]

    def y_of(value: float) -> float:
        return bottom - PLOT_HEIGHT * value / top_tick

    parts.append('<g class="grid">')
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        if tick:
            parts.append(
                f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'
            )
        parts.append(
            f'<text x="{_n(left - 6)}" y="{_n(y + 5)}" font-size="{AXIS_SIZE}" fill="{MUTED}" '
            f'text-anchor="end">{escape(text)}</text>'
        )
    parts.append("</g>")

    count = max(len(columns), 1)
    width = plot_width / count
    parts.append('<g class="markers">')
    for i, marker in enumerate(markers):
        x = left + marker.position * width
        label_y = 16 if i % 2 == 0 else 34
        if x > left + plot_width / 2:
            label_x, anchor = x - 5, "end"
        else:
            label_x, anchor = x + 5, "start"
        parts.append(
            f'<line x1="{_n(x)}" x2="{_n(x)}" y1="{_n(label_y - 12)}" y2="{_n(bottom)}" stroke="{MARK}" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text class="marker" x="{_n(label_x)}" y="{_n(label_y)}" font-size="{AXIS_SIZE}" fill="{MARK}" '
            f'font-weight="bold" stroke="#ffffff" stroke-width="3" paint-order="stroke" '
            f'text-anchor="{anchor}">{escape(marker.label)}</text>'
        )
    parts.append("</g>")
    widest_tick = max((_text_width(c.tick, AXIS_SIZE) for c in columns), default=0) + 10
    every = max(1, math.ceil(widest_tick / width))
    parts.append('<g class="columns">')
    for i, column in enumerate(columns):
        x0 = left + i * width
        centre = x0 + width / 2
        bar = max(width * 0.72, 1.0)
        parts.append('<g class="column">')
        if column.value:
            y = y_of(column.value)
            parts.append(
                f'<rect x="{_n(centre - bar / 2)}" y="{_n(y)}" width="{_n(bar)}" height="{_n(bottom - y)}" '
                f'fill="{BAR_FILL}" data-value="{column.value}"><title>{escape(column.label)}: '
                f"{escape(column.value_text)}</title></rect>"
            )
            if _text_width(column.value_text, COLUMN_VALUE_SIZE) <= width + 2:
                parts.append(
                    f'<text class="value" x="{_n(centre)}" y="{_n(y - 5)}" font-size="{COLUMN_VALUE_SIZE}" '
                    f'fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke" text-anchor="middle" '
                    f'data-value="{column.value}">{escape(column.value_text)}</text>'
                )
        if i % every == 0:
            parts.append(
                f'<text class="tick" x="{_n(centre)}" y="{_n(bottom + 22)}" font-size="{AXIS_SIZE}" '
                f'fill="{MUTED}" text-anchor="middle">{escape(column.tick)}</text>'
            )
        parts.append("</g>")
    parts.append("</g>")
    parts.append(
        f'<line x1="{_n(left)}" x2="{_n(right)}" y1="{_n(bottom)}" y2="{_n(bottom)}" stroke="{AXIS}" stroke-width="1.5"/>'
    )

    parts.append("</svg>")
    return "\n".join(parts)
