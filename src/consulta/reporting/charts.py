"""The report's charts, drawn twice from the same numbers: SVG (HTML, PDF) and PNG (DOCX).

SVG is written by hand (no library, no timestamps, no scripts): every chart is an ``<svg role="img">``
named by its ``<title>`` and ``<desc>``, numbers written on it so nothing rests on colour alone, and
colours as presentation attributes (allowed by the site's Content-Security-Policy). PNG is drawn with
Pillow (already installed with WeasyPrint) at fixed sizes, using the Noto fonts: Arabic text is shaped
by Raqm when Pillow has it. Same input, same bytes, in both formats.

Right-to-left: bar labels and bars grow from the right edge; the heatmap's first column moves to the
right; the timeline keeps time running left to right (dates are written next to each event).
"""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape as _escape

from consulta.reporting.document import Chart

INK = "#1b1f24"
MUTED = "#4a5560"
BAR = "#0b4f8a"
GRID = "#cfd6dd"
MARK = "#8a4b00"
WIDTH = 640
PAD = 8
FONT_FAMILY = "Noto Sans, Noto Sans Arabic, Noto Sans CJK SC, sans-serif"


def escape(text) -> str:
    return _escape(str(text), {'"': "&quot;"})


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _text_width(text: str, size: float) -> float:
    return sum(1.0 if ord(ch) >= 0x2E80 else 0.6 for ch in str(text)) * size


def _fit(text: str, size: float, width: float) -> str:
    """Shorten a label to fit ``width`` (the data table beside the chart has it in full)."""
    text = str(text)
    if _text_width(text, size) <= width:
        return text
    while text and _text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _shade(value: int, largest: int) -> tuple[str, str]:
    """Cell fill and the text colour that stays readable on it."""
    if not largest or not value:
        return "#ffffff", MUTED
    t = value / largest
    light, dark = (0xE8, 0xF0, 0xF8), (0x0B, 0x4F, 0x8A)
    rgb = tuple(round(light[i] + (dark[i] - light[i]) * t) for i in range(3))
    return "#{:02x}{:02x}{:02x}".format(*rgb), ("#ffffff" if t > 0.5 else INK)


# ------------------------------------------------------------------------------------ geometry
# Both renderers draw the same primitives: ("rect", x, y, w, h, fill) and
# ("text", x, y, text, size, fill, anchor, bold, rotate) with anchor "start" | "middle" | "end".


def _bar_layout(chart: Chart, rtl: bool):
    bars = chart.data["bars"]
    row, size = 44, 13
    height = 2 * PAD + max(len(bars), 1) * row
    largest = max((b["value"] for b in bars), default=0)
    value_space = max([70.0] + [_text_width(b["text"], size) + 10 for b in bars])
    area = WIDTH - 2 * PAD - value_space
    items = []
    for i, bar in enumerate(bars):
        top = PAD + i * row
        width = area * bar["value"] / largest if largest else 0.0
        width = max(width, 2.0) if bar["value"] else 0.0
        label = _fit(bar["label"], size, WIDTH - 2 * PAD)
        if rtl:
            bar_x, label_x, anchor = WIDTH - PAD - width, WIDTH - PAD, "end"
            value_x = bar_x - 6
        else:
            bar_x, label_x, anchor = PAD, PAD, "start"
            value_x = PAD + width + 6
        items.append(("text", label_x, top + 15, label, size, INK, anchor, False, 0))
        if width:
            items.append(("rect", bar_x, top + 21, width, 16, BAR))
        items.append(("text", value_x, top + 34, bar["text"], size - 1, INK, anchor, False, 0))
    return WIDTH, height, items


def _heatmap_layout(chart: Chart, rtl: bool):
    rows, columns, cells, largest = (
        chart.data["rows"],
        chart.data["columns"],
        chart.data["cells"],
        chart.data["max"],
    )
    size, cell_h, cell_w, label_w = 11, 22, 52.0, 220.0
    labels = [_fit(c, size, 190) for c in columns]
    extents = [_text_width(t, size) * 0.72 + 10 for t in labels]  # a 45° label's width and height
    header_h = max([30.0, *extents])
    grid_w = cell_w * len(columns)
    overhang = max(
        0.0, max(extents, default=0.0) - cell_w / 2 - 4
    )  # the last label leans out to the right
    width = max(WIDTH, PAD + label_w + grid_w + overhang + PAD)
    height = PAD + header_h + len(rows) * cell_h + PAD
    items = []
    grid_x = PAD + overhang if rtl else PAD + label_w
    top = PAD + header_h
    for j, text in enumerate(labels):
        jj = (len(columns) - 1 - j) if rtl else j
        cx = grid_x + jj * cell_w + cell_w / 2
        items.append(("text", cx - 4, top - 6, text, size, INK, "start", False, -45))
    for i, label in enumerate(rows):
        y = top + i * cell_h
        if rtl:
            items.append(
                (
                    "text",
                    width - PAD,
                    y + 15,
                    _fit(label, size, label_w - 8),
                    size,
                    INK,
                    "end",
                    False,
                    0,
                )
            )
        else:
            items.append(
                ("text", PAD, y + 15, _fit(label, size, label_w - 8), size, INK, "start", False, 0)
            )
        for j, value in enumerate(cells[i]):
            jj = (len(columns) - 1 - j) if rtl else j
            x = grid_x + jj * cell_w
            fill, ink = _shade(value, largest)
            items.append(("rect", x + 1, y + 1, cell_w - 2, cell_h - 2, fill))
            items.append(
                (
                    "text",
                    x + cell_w / 2,
                    y + 15,
                    str(value),
                    size,
                    ink,
                    "middle",
                    value == largest and value > 0,
                    0,
                )
            )
    return width, height, items


def _timeline_layout(chart: Chart, rtl: bool):
    events = chart.data["events"]
    size, row = 12, 26
    starts = [e["start"] for e in events] + [e["end"] for e in events if e["end"]]
    first, last = min(starts), max(starts)
    span = (last - first).total_seconds() or 1.0
    axis_left, axis_right = PAD + 115.0, WIDTH - PAD - 10.0
    height = 2 * PAD + len(events) * row + 10
    items = [("rect", axis_left, height - PAD - 6, axis_right - axis_left, 1.5, GRID)]

    def x_of(moment):
        return axis_left + (axis_right - axis_left) * (moment - first).total_seconds() / span

    for i, event in enumerate(events):
        y = PAD + i * row
        x = x_of(event["start"])
        end_x = x_of(event["end"]) if event["end"] else x
        items.append(
            ("rect", x - 4, y + 6, max(end_x - x, 0) + 8, 12, MARK if not event["end"] else BAR)
        )
        items.append(("text", PAD, y + 17, event["date"], size - 1, MUTED, "start", False, 0))
        label = _fit(event["label"], size, max(axis_right - end_x - 14, x - axis_left - 14, 120))
        if end_x + 10 + _text_width(label, size) <= axis_right + 4:
            items.append(("text", end_x + 10, y + 17, label, size, INK, "start", False, 0))
            guide_end = x - 6
        else:
            items.append(("text", x - 10, y + 17, label, size, INK, "end", False, 0))
            guide_end = x - 14 - _text_width(label, size)
        if guide_end > axis_left:  # a guide from the axis start to the event, never through text
            items.append(("rect", axis_left, y + 12, guide_end - axis_left, 0.8, GRID))
    return WIDTH, height, items


LAYOUTS = {"bar": _bar_layout, "heatmap": _heatmap_layout, "timeline": _timeline_layout}


# ----------------------------------------------------------------------------------------- SVG


def chart_svg(chart: Chart, *, rtl: bool = False) -> str:
    width, height, items = LAYOUTS[chart.kind](chart, rtl)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="report-chart" viewBox="0 0 {_n(width)} {_n(height)}" '
        f'width="{_n(width)}" height="{_n(height)}" role="img" '
        f'aria-labelledby="{chart.id}-title {chart.id}-desc" direction="ltr" font-family="{FONT_FAMILY}">',
        f'<title id="{chart.id}-title">{escape(chart.title)}</title>',
        f'<desc id="{chart.id}-desc">{escape(chart.desc)}</desc>',
    ]
    for item in items:
        if item[0] == "rect":
            _kind, x, y, w, h, fill = item
            parts.append(
                f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" fill="{fill}"/>'
            )
        else:
            _kind, x, y, text, size, fill, anchor, bold, rotate = item
            extra = ' font-weight="bold"' if bold else ""
            if rotate:
                extra += f' transform="rotate({rotate} {_n(x)} {_n(y)})"'
            parts.append(
                f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}" text-anchor="{anchor}"{extra}>'
                f"{escape(text)}</text>"
            )
    parts.append("</svg>")
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------- PNG

FONT_DIRS = (Path("/usr/share/fonts/truetype/noto"), Path("/usr/share/fonts/opentype/noto"))
_ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
_RUNS = re.compile(rf"[{_ARABIC}]+(?:[\s،؛]+[{_ARABIC}]+)*|[^{_ARABIC}]+")
SCALE = 2  # PNG pixels per SVG unit: sharp in Word at 16 cm wide


@lru_cache(maxsize=64)
def _font(script: str, size: int, bold: bool = False):
    from PIL import ImageFont

    names = {
        "latin": ["NotoSans-Bold.ttf" if bold else "NotoSans-Regular.ttf", "DejaVuSans.ttf"],
        "arabic": [
            "NotoSansArabic-Bold.ttf" if bold else "NotoSansArabic-Regular.ttf",
            "NotoNaskhArabic-Regular.ttf",
        ],
        "cjk": [
            "NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc",
            "NotoSansCJK-Regular.ttc",
        ],
    }[script]
    for name in names:
        for folder in FONT_DIRS:
            path = folder / name
            if path.exists():
                # In the CJK collection, face 2 is Simplified Chinese.
                return ImageFont.truetype(str(path), size, index=2 if name.endswith(".ttc") else 0)
    return ImageFont.load_default(size)


def _script_of(text: str) -> str:
    if re.search(f"[{_ARABIC}]", text):
        return "arabic"
    if any(ord(ch) >= 0x2E80 for ch in text):
        return "cjk"
    return "latin"


def _runs(text: str, rtl: bool) -> list[tuple[str, object]]:
    """Text cut into runs of one script each, in visual order, each with its font."""
    runs = (
        [r for r in _RUNS.findall(text) if r.strip()] if re.search(f"[{_ARABIC}]", text) else [text]
    )
    if rtl and len(runs) > 1:
        runs = list(reversed(runs))
    return [(r.strip() if len(runs) > 1 else r, _script_of(r)) for r in runs]


def _draw_text(
    image,
    x: float,
    y: float,
    text: str,
    size: float,
    fill: str,
    anchor: str,
    bold: bool,
    rotate: float,
    rtl: bool,
) -> None:
    from PIL import Image, ImageDraw

    px = round(size * SCALE)
    runs = [(r, _font(script, px, bold), script) for r, script in _runs(str(text), rtl)]
    gap = px * 0.3
    widths = [
        font.getlength(r, direction="rtl" if script == "arabic" else None)
        if _has_raqm()
        else font.getlength(r)
        for r, font, script in runs
    ]
    total = sum(widths) + gap * (len(runs) - 1)
    canvas = Image.new("RGBA", (max(int(total) + 4, 1), int(px * 1.6)), (255, 255, 255, 0))
    draw = ImageDraw.Draw(canvas)
    cursor = 0.0
    baseline = px * 1.15
    for (run, font, script), width in zip(runs, widths, strict=True):
        options = (
            {"direction": "rtl", "language": "ar"} if script == "arabic" and _has_raqm() else {}
        )
        draw.text((cursor, baseline), run, font=font, fill=fill, anchor="ls", **options)
        cursor += width + gap
    if rotate:
        canvas = canvas.rotate(-rotate, expand=True, resample=Image.BICUBIC)
        # The text starts at (x, y) and rises to the right: bottom-left corner of the rotated box.
        left, top = x * SCALE, y * SCALE - canvas.height + px * 0.4
        image.alpha_composite(canvas, (int(left), int(max(top, 0))))
        return
    left = x * SCALE
    if anchor == "end":
        left -= total
    elif anchor == "middle":
        left -= total / 2
    image.alpha_composite(canvas, (int(max(left, 0)), int(y * SCALE - baseline)))


@lru_cache(maxsize=1)
def _has_raqm() -> bool:
    from PIL import features

    return bool(features.check("raqm"))


def chart_png(chart: Chart, *, rtl: bool = False) -> bytes:
    from PIL import Image, ImageDraw

    width, height, items = LAYOUTS[chart.kind](chart, rtl)
    image = Image.new("RGBA", (round(width * SCALE), round(height * SCALE)), (255, 255, 255, 255))
    draw = ImageDraw.Draw(image)
    for item in items:
        if item[0] == "rect":
            _kind, x, y, w, h, fill = item
            draw.rectangle(
                [x * SCALE, y * SCALE, (x + w) * SCALE - 1, (y + h) * SCALE - 1], fill=fill
            )
    for item in items:
        if item[0] == "text":
            _kind, x, y, text, size, fill, anchor, bold, rotate = item
            _draw_text(image, x, y, text, size, fill, anchor, bold, rotate, rtl)
    out = io.BytesIO()
    image.convert("RGB").save(out, format="PNG", optimize=False)
    return out.getvalue()
