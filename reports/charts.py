"""Charts drawn on the server as SVG markup: bars, pies and monthly lines.

Pure functions of their inputs (no database, no templates), returning a SafeString to put into a
page or a report's HTML as it is. County intranets are often offline, so nothing is loaded from
elsewhere: no external fonts, images or scripts, no `style=` attribute (the Content-Security-Policy
allows styles from our own origin only; SVG presentation attributes such as `fill` are not
styles). Every label and title is escaped, so a household category called `<script>` stays text.

Each chart is accessible: `role="img"`, a `<title>` and a `<desc>` that lists every value in
words, both named by `aria-labelledby`. The colours come from one palette whose colours are told
apart easily and each have at least 3:1 contrast against white; lines also carry a different
marker shape per series, so they are told apart without colour.

The SVG has a fixed `viewBox` with `width` and `height` in CSS pixels: WeasyPrint prints it as
vectors at that size (520 px is 13.8 cm, within an A4 page's text width), and a page's CSS may
scale it with `max-width: 100%; height: auto` (class `hc-chart`).

Words inside a chart ("No data") are translated in the language active when the chart is drawn;
reports draw their charts inside `translation.override(REPORT_LANGUAGE)` or in the default
language, Chinese.
"""

import hashlib
import math
from collections.abc import Sequence
from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

Number = int | float | Decimal

# Each at least 3:1 against white (tests/test_charts.py checks), in an order where neighbours
# differ in hue and lightness.
PALETTE = (
    "#1f5fa8",  # blue
    "#c2410c",  # orange
    "#2e7d32",  # green
    "#7b3fa0",  # purple
    "#00767a",  # teal
    "#c2185b",  # pink
    "#8a6d00",  # olive
    "#b3261e",  # red
)
TEXT = "#212529"
MUTED_TEXT = "#595f66"  # 6.4:1 on white
GRID = "#d0d7de"
AXIS = "#6c757d"
FONT_FAMILY = '"Noto Sans CJK SC", sans-serif'

WIDTH = 520  # a dashboard card's width at 1280 px, so text is drawn at its size
TITLE_SIZE = 15
FONT_SIZE = 12
TOP = 36  # below the title


# ---------------------------------------------------------------------------------------------
# Bars


def bar_chart(
    data: Sequence[tuple[str, Number]],
    *,
    title: str,
    unit: str = "",
    maximum: Number | None = None,
) -> SafeString:
    """Horizontal bars, one per (label, value), each with its value written at its end.

    A full-length bar is `maximum` (give 100 for percentages, so 0.5 % is not drawn full),
    or else the largest value; a value above `maximum` is drawn full length. Negative values
    draw no bar but keep their label and value.
    """
    items = [(str(label), _number(value)) for label, value in data]
    ident = _chart_id("bar", title, items)
    bar_height, gap = 22, 10
    label_width = min(max((_text_width(label) for label, _v in items), default=0), 180)
    left = 12 + label_width + 8
    value_texts = [_format_value(value, unit) for _label, value in items]
    value_width = max((_text_width(text) for text in value_texts), default=0) + 8
    plot_width = WIDTH - left - value_width - 12
    largest = max((value for _label, value in items), default=Decimal(0))
    if maximum is not None:
        largest = _number(maximum)
    height = TOP + 8 + max(len(items), 1) * (bar_height + gap) + 8

    parts = [_title_text(title)]
    if not items:
        parts.append(_no_data(WIDTH / 2, TOP + 30))
    else:
        top = TOP + 8
        bottom = top + len(items) * (bar_height + gap) - gap
        parts.append(_line(left, top - 4, left, bottom + 4, AXIS))
        for index, ((label, value), text) in enumerate(zip(items, value_texts, strict=True)):
            y = top + index * (bar_height + gap)
            share = min(value / largest, Decimal(1)) if largest > 0 and value > 0 else 0
            length = float(share) * plot_width
            shown = _truncate(label, label_width)
            parts.append("<g>")
            parts.append(f"<title>{escape(label)}: {escape(text)}</title>")
            parts.append(_text(left - 8, y + bar_height / 2 + 4, shown, anchor="end", fill=TEXT))
            if length > 0:
                parts.append(
                    f'<rect x="{_f(left)}" y="{_f(y)}" width="{_f(length)}" '
                    f'height="{bar_height}" fill="{PALETTE[0]}"/>'
                )
            parts.append(_text(left + length + 6, y + bar_height / 2 + 4, text, fill=TEXT))
            parts.append("</g>")
    description = "; ".join(
        f"{label}: {text}" for (label, _v), text in zip(items, value_texts, strict=True)
    )
    return _svg(ident, title, description or _("No data"), height, parts)


# ---------------------------------------------------------------------------------------------
# Pies


def pie_chart(data: Sequence[tuple[str, Number]], *, title: str) -> SafeString:
    """A pie with a legend giving each value and its share; one slice is a whole circle."""
    items = [(str(label), max(_number(value), Decimal(0))) for label, value in data]
    ident = _chart_id("pie", title, items)
    total = sum((value for _label, value in items), Decimal(0))
    radius, cx = 80, 12 + 80
    cy = TOP + 8 + radius
    row = 22
    legend_x = cx + radius + 24
    height = max(cy + radius + 12, TOP + 8 + len(items) * row + 8)

    parts = [_title_text(title)]
    if total <= 0:
        parts.append(_no_data(WIDTH / 2, TOP + 30))
        return _svg(ident, title, _("No data"), TOP + 60, parts)

    shares = [value / total for _label, value in items]
    percentages = [_percent(share) for share in shares]
    start = -math.pi / 2  # from twelve o'clock, clockwise
    for index, ((label, value), share) in enumerate(zip(items, shares, strict=True)):
        if value <= 0:
            continue
        colour = PALETTE[index % len(PALETTE)]
        tip = f"<title>{escape(label)}: {_format_value(value)} ({percentages[index]})</title>"
        if share >= 1:
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="{radius}" fill="{colour}">{tip}</circle>')
            continue
        end = start + float(share) * 2 * math.pi
        x1, y1 = cx + radius * math.cos(start), cy + radius * math.sin(start)
        x2, y2 = cx + radius * math.cos(end), cy + radius * math.sin(end)
        large = 1 if end - start > math.pi else 0
        parts.append(
            f'<path d="M{cx},{cy} L{_f(x1)},{_f(y1)} A{radius},{radius} 0 {large} 1 '
            f'{_f(x2)},{_f(y2)} Z" fill="{colour}" stroke="#ffffff" stroke-width="1.5">'
            f"{tip}</path>"
        )
        start = end

    legend_width = WIDTH - legend_x - 12
    for index, (label, value) in enumerate(items):
        y = TOP + 8 + index * row
        colour = PALETTE[index % len(PALETTE)]
        figures = f" {_format_value(value)} ({percentages[index]})"
        shown = _truncate(label, legend_width - 22 - _text_width(figures))
        parts.append(f'<rect x="{legend_x}" y="{y + 3}" width="14" height="14" fill="{colour}"/>')
        parts.append(_text(legend_x + 22, y + 15, shown + figures, fill=TEXT))
    description = "; ".join(
        f"{label}: {_format_value(value)} ({percent})"
        for (label, value), percent in zip(items, percentages, strict=True)
    )
    return _svg(ident, title, description, height, parts)


# ---------------------------------------------------------------------------------------------
# Lines


MARKERS = ("circle", "square", "triangle", "diamond")


def line_chart(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    title: str,
    unit: str = "",
) -> SafeString:
    """One line per series over the labels (months), a y axis with round ticks, a legend.

    A missing value (None, or a series shorter than the labels) leaves a gap in its line.
    """
    labels = [str(label) for label in labels]
    lines = [
        (str(name), [None if value is None else _number(value) for value in values][: len(labels)])
        for name, values in series
    ]
    ident = _chart_id("line", title, [labels, lines])
    values = [value for _name, points in lines for value in points if value is not None]

    parts = [_title_text(title)]
    if not labels or not values:
        parts.append(_no_data(WIDTH / 2, TOP + 30))
        return _svg(ident, title, _("No data"), TOP + 60, parts)

    ticks = nice_ticks(min(min(values), Decimal(0)), max(values))
    tick_texts = [_format_value(tick) for tick in ticks]
    left = 12 + max(_text_width(text) for text in tick_texts) + 8
    right = WIDTH - 20
    plot_top, plot_bottom = TOP + 20, TOP + 220
    low, high = ticks[0], ticks[-1]

    def y_of(value: Decimal) -> float:
        return plot_bottom - float((value - low) / (high - low)) * (plot_bottom - plot_top)

    step = (right - left) / len(labels)

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    if unit:
        parts.append(_text(left, TOP + 8, unit, anchor="middle", fill=MUTED_TEXT, size=11))
    for tick, text in zip(ticks, tick_texts, strict=True):
        y = y_of(tick)
        parts.append(_line(left, y, right, y, AXIS if tick == 0 else GRID))
        parts.append(_text(left - 6, y + 4, text, anchor="end", fill=MUTED_TEXT, size=11))
    parts.append(_line(left, plot_top, left, plot_bottom, AXIS))
    every = max(1, math.ceil(max(_text_width(label, 11) for label in labels) / (step - 4)))
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(
                _text(
                    x_of(index), plot_bottom + 16, label, anchor="middle", fill=MUTED_TEXT, size=11
                )
            )

    for number, (name, points) in enumerate(lines):
        colour = PALETTE[number % len(PALETTE)]
        marker = MARKERS[number % len(MARKERS)]
        parts.append(f"<g><title>{escape(name)}</title>")
        for run in _runs(points):
            coords = " ".join(f"{_f(x_of(i))},{_f(y_of(v))}" for i, v in run)
            parts.append(
                f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2.5" '
                f'stroke-linejoin="round" stroke-linecap="round"/>'
            )
        for index, value in enumerate(points):
            if value is not None:
                parts.append(_marker(marker, x_of(index), y_of(value), colour))
        parts.append("</g>")

    # The legend, wrapping into rows under the x labels.
    x, y = left, plot_bottom + 42
    for number, (name, _points) in enumerate(lines):
        width = 34 + _text_width(name) + 18
        if x + width > WIDTH - 12 and x > left:
            x, y = left, y + 22
        colour = PALETTE[number % len(PALETTE)]
        parts.append(_line(x, y - 4, x + 24, y - 4, colour, width=2.5))
        parts.append(_marker(MARKERS[number % len(MARKERS)], x + 12, y - 4, colour))
        parts.append(_text(x + 30, y, name, fill=TEXT))
        x += width
    height = y + 14

    description = "; ".join(
        f"{name}: "
        + ", ".join(
            f"{label} {_format_value(value, unit)}"
            for label, value in zip(labels, points, strict=False)
            if value is not None
        )
        for name, points in lines
    )
    return _svg(ident, title, description, height, parts)


def nice_ticks(low: Number, high: Number, count: int = 5) -> list[Decimal]:
    """Round ticks (1, 2, 2.5 or 5 times a power of ten) from at most `low` to at least `high`."""
    low, high = _number(low), _number(high)
    if high <= low:
        high = low + count - 1  # nothing to show: whole numbers rather than quarters
    raw = (high - low) / (count - 1)
    power = Decimal(10) ** math.floor(math.log10(raw))
    step = next(
        power * factor
        for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))
        if power * factor >= raw
    )
    first = math.floor(low / step) * step
    ticks = [first]
    while ticks[-1] < high:
        ticks.append(ticks[-1] + step)
    return [
        tick.quantize(Decimal(1)) if tick == tick.to_integral_value() else tick.normalize()
        for tick in ticks
    ]


# ---------------------------------------------------------------------------------------------
# Pieces


def _svg(ident: str, title: str, description: str, height: float, parts: list[str]) -> SafeString:
    height = math.ceil(height)
    return mark_safe(  # noqa: S308 - every text inside was escaped where it was put in
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hc-chart" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{ident}-title {ident}-desc" '
        f'font-family="{escape(FONT_FAMILY)}" font-size="{FONT_SIZE}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>' + "".join(parts) + "</svg>"
    )


def _title_text(title: str) -> str:
    return _text(12, 22, title, fill=TEXT, size=TITLE_SIZE, bold=True)


def _no_data(x: float, y: float) -> str:
    return _text(x, y, _("No data"), anchor="middle", fill=MUTED_TEXT, size=14)


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str = "start",
    fill: str = TEXT,
    size: int = FONT_SIZE,
    bold: bool = False,
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    size_attribute = f' font-size="{size}"' if size != FONT_SIZE else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" fill="{fill}"'
        f"{size_attribute}{weight}>{escape(content)}</text>"
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, width: float = 1) -> str:
    return (
        f'<line x1="{_f(x1)}" y1="{_f(y1)}" x2="{_f(x2)}" y2="{_f(y2)}" stroke="{colour}" '
        f'stroke-width="{width}"/>'
    )


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "circle":
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="4" fill="{colour}"/>'
    if shape == "square":
        return f'<rect x="{_f(x - 4)}" y="{_f(y - 4)}" width="8" height="8" fill="{colour}"/>'
    if shape == "triangle":
        points = f"{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y + 4)} {_f(x - 5)},{_f(y + 4)}"
    else:
        points = f"{_f(x)},{_f(y - 5)} {_f(x + 5)},{_f(y)} {_f(x)},{_f(y + 5)} {_f(x - 5)},{_f(y)}"
    return f'<polygon points="{points}" fill="{colour}"/>'


def _runs(points: list[Decimal | None]) -> list[list[tuple[int, Decimal]]]:
    """The unbroken stretches of a series (a missing value breaks its line)."""
    runs: list[list[tuple[int, Decimal]]] = [[]]
    for index, value in enumerate(points):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def _number(value: Number | None) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _format_value(value: Decimal, unit: str = "") -> str:
    """Thousands marked, with the decimals the number comes with (at most 2): 12,345 for 12345,
    12,345.60 for Decimal("12345.60") (money to the fen), 30.0 for Decimal("30.0")."""
    exponent = value.as_tuple().exponent
    places = min(max(-exponent, 0), 2) if isinstance(exponent, int) else 0
    text = f"{value:,.{places}f}"
    return f"{text} {unit}" if unit else text


def _percent(share: Decimal) -> str:
    return f"{share * 100:.1f}%"


def _text_width(text: str, size: float = FONT_SIZE) -> float:
    """An estimate: a CJK character is one em wide, a Latin one about 0.6 em."""
    return sum(size if ord(char) >= 0x2E80 else size * 0.6 for char in text)


def _truncate(text: str, width: float) -> str:
    if _text_width(text) <= width:
        return text
    while text and _text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _chart_id(kind: str, title: str, content: object) -> str:
    """The same chart gets the same ids (pure), different charts on one page different ones."""
    digest = hashlib.sha1(f"{kind}|{title}|{content!r}".encode(), usedforsecurity=False)
    return f"chart-{kind}-{digest.hexdigest()[:10]}"


def _f(number: float) -> str:
    """A coordinate with at most one decimal, without a trailing .0."""
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text
