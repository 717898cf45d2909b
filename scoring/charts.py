"""Charts of the organiser's dashboard, drawn as inline SVG on the server.

Pure: labels and numbers in, markup out; no ORM, no script, no chart library. Every figure is
readable without the picture: the SVG has a title and a description, its bars carry text
labels, and a visually hidden table beside it holds the numbers. Numbers are written in the
active locale (a decimal comma in Vietnamese); coordinates always use a decimal point.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH = 640
ROW = 28  # height of one bar's row in the horizontal charts
BAR = 18
FONT = 'font-family="system-ui, sans-serif" font-size="13"'
INK, MUTED, LINE = "#1d1d1f", "#5f6368", "#b0b5bd"
BAR_FILL = "#37474f"
ABOVE_FILL, BELOW_FILL = "#00695c", "#c62828"  # judges above / below the panel
LABEL_CHARACTERS = 30
# Styled by classes of config/static/css/app.css, never style attributes: the pages' Content-
# Security-Policy allows none. The table is "visually-hidden", not display:none, which would
# hide the numbers from screen readers too.


@dataclass(frozen=True)
class Bar:
    label: str
    value: Decimal


@dataclass(frozen=True)
class Bin:
    """Scores from ``low`` up to ``high`` (the last bin includes its ``high``)."""

    low: Decimal
    high: Decimal
    count: int


def number(value: Decimal | int, decimals: int = 0) -> str:
    """A number as the active locale writes it, rounded half-up (Django's formatter cuts)."""
    exact = Decimal(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return number_format(exact, decimal_pos=decimals)


def signed(value: Decimal, decimals: int) -> str:
    """+0,50 / −0,25 / 0,00: the sign is what a deviation is about, so it is always shown."""
    text = number(abs(value), decimals)
    if text == number(0, decimals):
        return text
    return ("+" if value > 0 else "\u2212") + text


def bar_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    headers: tuple[str, str],
    ident: str = "",
    decimals: int = 0,
) -> SafeString:
    """Horizontal bars from a common baseline, each as long as its value (values >= 0)."""
    ident = ident or _ident(title)
    if not bars:
        return _no_data(title, description, ident)
    label_width, value_width = 190, 64
    plot = WIDTH - label_width - value_width
    top = max((bar.value for bar in bars), default=0) or 1
    height = len(bars) * ROW + 8
    shapes = []
    for row, bar in enumerate(bars):
        y = 4 + row * ROW
        length = plot * float(bar.value / top) if bar.value > 0 else 0.0
        text = number(bar.value, decimals)
        shapes.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{bar.value}">'
            f"{_label(bar.label, label_width - 8, y + ROW / 2)}"
            f'<rect x="{label_width}" y="{y + (ROW - BAR) / 2:.1f}" width="{length:.2f}" '
            f'height="{BAR}" fill="{BAR_FILL}"/>'
            f'<text x="{label_width + length + 6:.2f}" y="{y + ROW / 2:.1f}" '
            f'dominant-baseline="middle" fill="{INK}">{escape(text)}</text></g>'
        )
    rows = [(bar.label, number(bar.value, decimals)) for bar in bars]
    return _figure("bars", ident, title, description, height, "".join(shapes), headers, rows)


def score_bins(values: Sequence[Decimal], max_bins: int = 10) -> list[Bin]:
    """Equal bins of a round width (1, 2, 2.5 or 5 times a power of ten) covering the scores,
    about the square root of their number: few enough that each bin means something."""
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [Bin(low, high, len(values))]
    wanted = max(1, min(max_bins, round(len(values) ** 0.5)))
    width = _round_width((high - low) / wanted)
    start = (low / width).to_integral_value(rounding=ROUND_FLOOR) * width
    count = max(1, int(((high - start) / width).to_integral_value(rounding=ROUND_CEILING)))
    counts = [0] * count
    for value in values:
        counts[min(count - 1, int((value - start) // width))] += 1
    return [
        Bin(start + index * width, start + (index + 1) * width, tally)
        for index, tally in enumerate(counts)
    ]


def _round_width(raw: Decimal) -> Decimal:
    power = Decimal(1).scaleb(raw.adjusted())
    for step in (1, 2, Decimal("2.5"), 5):
        if power * step >= raw:
            return power * step
    return power * 10


def histogram(
    values: Sequence[Decimal],
    *,
    title: str,
    description: str,
    headers: tuple[str, str],
    ident: str = "",
    max_bins: int = 10,
) -> SafeString:
    """How many entries scored in each band: vertical bars over the bins' edges."""
    ident = ident or _ident(title)
    bins = score_bins(values, max_bins)
    if not bins:
        return _no_data(title, description, ident)
    left, right, top, bottom = 16, 16, 24, 40
    height = 240
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    step = plot_width / len(bins)
    most = max(item.count for item in bins)
    places = _places(bins)
    baseline = top + plot_height
    shapes = [
        f'<line x1="{left}" y1="{baseline}" x2="{WIDTH - right}" y2="{baseline}" stroke="{LINE}"/>'
    ]
    for index, item in enumerate(bins):
        x = left + index * step
        bar_height = plot_height * item.count / most
        shapes.append(
            f'<g class="bin" data-low="{item.low}" data-high="{item.high}" '
            f'data-count="{item.count}">'
            f'<rect x="{x + 2:.2f}" y="{baseline - bar_height:.2f}" width="{step - 4:.2f}" '
            f'height="{bar_height:.2f}" fill="{BAR_FILL}"/>'
            f'<text x="{x + step / 2:.2f}" y="{baseline - bar_height - 6:.2f}" '
            f'text-anchor="middle" fill="{INK}">{item.count}</text></g>'
        )
    edges = [item.low for item in bins] + [bins[-1].high]
    if len(bins) == 1 and bins[0].low == bins[0].high:
        edges = [bins[0].low]
        positions = [left + step / 2]
    else:
        positions = [left + index * step for index in range(len(edges))]
    for edge, x in zip(edges, positions, strict=True):
        anchor = "start" if x <= left else "end" if x >= WIDTH - right else "middle"
        shapes.append(
            f'<text class="edge" x="{x:.2f}" y="{baseline + 20}" text-anchor="{anchor}" '
            f'fill="{MUTED}">{escape(number(edge, places))}</text>'
        )
    rows = [(_band(item, places), str(item.count)) for item in bins]
    return _figure("histogram", ident, title, description, height, "".join(shapes), headers, rows)


def _places(bins: list[Bin]) -> int:
    """Decimals enough to write every edge exactly (bin edges are round numbers)."""
    edges = [item.low for item in bins] + [bins[-1].high]
    return max(0, *(-edge.normalize().as_tuple().exponent for edge in edges))


def _band(item: Bin, places: int) -> str:
    if item.low == item.high:
        return number(item.low, places)
    return f"{number(item.low, places)}–{number(item.high, places)}"


def deviation_chart(
    bars: Sequence[Bar],
    *,
    title: str,
    description: str,
    headers: tuple[str, str],
    ident: str = "",
    decimals: int = 2,
) -> SafeString:
    """Bars left (below) or right (above) of a zero line, as long as the deviation."""
    ident = ident or _ident(title)
    if not bars:
        return _no_data(title, description, ident)
    label_width, margin = 190, 64
    half = (WIDTH - label_width - 2 * margin) / 2
    zero = label_width + margin + half
    widest = max(abs(bar.value) for bar in bars) or 1
    height = len(bars) * ROW + 8 + 24
    bottom = len(bars) * ROW + 8
    shapes = [
        f'<line class="zero" x1="{zero:.2f}" y1="0" x2="{zero:.2f}" y2="{bottom}" '
        f'stroke="{MUTED}"/>',
        f'<text x="{zero - 6:.2f}" y="{bottom + 16}" text-anchor="end" fill="{MUTED}">'
        f"{escape(_('← below the panel'))}</text>",
        f'<text x="{zero + 6:.2f}" y="{bottom + 16}" fill="{MUTED}">'
        f"{escape(_('above the panel →'))}</text>",
    ]
    for row, bar in enumerate(bars):
        y = 4 + row * ROW
        length = half * float(abs(bar.value) / widest)
        below = bar.value < 0
        x = zero - length if below else zero
        value_x, anchor = (x - 4, "end") if below else (zero + length + 4, "start")
        shapes.append(
            f'<g class="bar" data-label="{escape(bar.label)}" data-value="{bar.value}">'
            f"{_label(bar.label, label_width - 8, y + ROW / 2)}"
            f'<rect x="{x:.2f}" y="{y + (ROW - BAR) / 2:.1f}" width="{length:.2f}" '
            f'height="{BAR}" fill="{BELOW_FILL if below else ABOVE_FILL}"/>'
            f'<text x="{value_x:.2f}" y="{y + ROW / 2:.1f}" text-anchor="{anchor}" '
            f'dominant-baseline="middle" fill="{INK}">{escape(signed(bar.value, decimals))}'
            "</text></g>"
        )
    rows = [(bar.label, signed(bar.value, decimals)) for bar in bars]
    return _figure("deviation", ident, title, description, height, "".join(shapes), headers, rows)


def _label(text: str, x: float, y: float) -> str:
    """A bar's name, right-aligned before it; shortened with an ellipsis when too long, the
    whole name kept as a tooltip."""
    shown = text if len(text) <= LABEL_CHARACTERS else text[: LABEL_CHARACTERS - 1] + "…"
    tooltip = f"<title>{escape(text)}</title>" if shown != text else ""
    return (
        f'<text class="label" x="{x:.1f}" y="{y:.1f}" text-anchor="end" '
        f'dominant-baseline="middle" fill="{INK}">{tooltip}{escape(shown)}</text>'
    )


def _ident(title: str) -> str:
    return "chart-" + hashlib.sha256(title.encode()).hexdigest()[:10]


def _figure(
    kind: str,
    ident: str,
    title: str,
    description: str,
    height: int,
    shapes: str,
    headers: tuple[str, str],
    rows: list[tuple[str, str]],
) -> SafeString:
    table = (
        f'<table class="visually-hidden"><caption>{escape(title)}</caption>'
        f'<thead><tr><th scope="col">{escape(headers[0])}</th>'
        f'<th scope="col">{escape(headers[1])}</th></tr></thead><tbody>'
        + "".join(
            f'<tr><th scope="row">{escape(label)}</th><td>{escape(value)}</td></tr>'
            for label, value in rows
        )
        + "</tbody></table>"
    )
    # Safe: every text in it went through escape().
    return mark_safe(
        f'<figure class="chart" data-chart="{kind}">{_caption(title, description)}'
        f"{_svg(ident, title, description, height, shapes)}{table}</figure>"
    )


def _caption(title: str, description: str) -> str:
    """The title and description for sighted readers too (an SVG title shows nowhere)."""
    return (
        f'<figcaption><div class="chart-title">{escape(title)}</div>'
        f'<div class="chart-description">{escape(description)}</div></figcaption>'
    )


def _svg(ident: str, title: str, description: str, height: int, shapes: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(ident)}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="100%" class="chart-canvas" '
        f'aria-labelledby="{escape(ident)}-title {escape(ident)}-desc" {FONT}>'
        f'<title id="{escape(ident)}-title">{escape(title)}</title>'
        f'<desc id="{escape(ident)}-desc">{escape(description)}</desc>{shapes}</svg>'
    )


def _no_data(title: str, description: str, ident: str) -> SafeString:
    """An empty chart says so in words rather than showing a blank box."""
    message = _("No data yet.")
    # Safe: every text in it went through escape().
    return mark_safe(
        '<figure class="chart" data-chart="empty">'
        + _caption(title, description)
        + _svg(
            ident,
            title,
            f"{description} {message}".strip(),
            48,
            f'<text x="{WIDTH / 2:.0f}" y="28" text-anchor="middle" fill="{MUTED}">'
            f"{escape(message)}</text>",
        )
        + "</figure>"
    )
