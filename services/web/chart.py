"""Bar charts drawn on the server as SVG, so the figures show without JavaScript and print as they look.

Pure functions from numbers to markup. The chart is one image to assistive technology (role="img", named
by its title and description); the page puts a table with the same figures beside it for reading.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 400
PAD = 8
LEGEND_HEIGHT = 34
LABEL_HEIGHT = 24
BAR_HEIGHT = 20
BAR_GAP = 4
GROUP_GAP = 16
NUMBER_SPACE = 56  # room right of the longest bar for its number
LABEL_SIZE = 16
NUMBER_SIZE = 15
TEXT_COLOUR = "#1a1a1a"


@dataclass(frozen=True)
class Series:
    """One kind of bar: the key of its figure, its name in the legend, and a colour with >= 3:1 on white."""

    key: str
    name: str
    colour: str


@dataclass(frozen=True)
class Group:
    """One labelled group of bars, such as a district with its figures by series key."""

    label: str
    values: dict[str, float]


def bar_length(value: float, largest: float, span: float) -> float:
    """How long a bar is: in proportion to the largest value, which gets the whole span; nothing for 0."""
    if largest <= 0 or value <= 0:
        return 0.0
    return round(span * min(value, largest) / largest, 1)


def number_text(value: float) -> str:
    """A figure as a bar's label: whole numbers without decimals."""
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def _text(x: float, y: float, words: str, size: int, **attrs: str) -> str:
    extra = "".join(f' {name.replace("_", "-")}="{escape(value)}"' for name, value in attrs.items())
    return (f'<text x="{x}" y="{y}" font-size="{size}" fill="{TEXT_COLOUR}"{extra}>'
            f"{escape(words)}</text>")


def _legend(series: list[Series]) -> list[str]:
    parts, x = [], PAD
    for one in series:
        parts.append(f'<rect x="{x}" y="8" width="16" height="16" fill="{one.colour}"/>')
        parts.append(_text(x + 22, 21, one.name, NUMBER_SIZE))
        x += 22 + int(len(one.name) * NUMBER_SIZE * 0.55) + 24
    return parts


def _group(group: Group, series: list[Series], top: float, largest: float, span: float) -> list[str]:
    parts = [_text(PAD, top + LABEL_HEIGHT - 7, group.label, LABEL_SIZE, font_weight="600")]
    y = top + LABEL_HEIGHT
    for one in series:
        value = group.values.get(one.key, 0) or 0
        length = bar_length(value, largest, span)
        parts.append(f'<rect x="{PAD}" y="{y}" width="{length}" height="{BAR_HEIGHT}" fill="{one.colour}">'
                     f"<title>{escape(f'{group.label}, {one.name}: {number_text(value)}')}</title></rect>")
        parts.append(_text(PAD + length + 6, y + BAR_HEIGHT - 5, number_text(value), NUMBER_SIZE))
        y += BAR_HEIGHT + BAR_GAP
    return parts


def bar_chart(groups: list[Group], series: list[Series], title: str, description: str, ident: str = "chart",
              empty: str = "") -> Markup:
    """A horizontal grouped bar chart: a legend, then per group its label above one bar per series, each bar
    labelled with its number. With no groups, the chart says `empty` instead."""
    span = WIDTH - 2 * PAD - NUMBER_SPACE
    largest = max((group.values.get(one.key, 0) or 0 for group in groups for one in series), default=0)
    group_height = LABEL_HEIGHT + len(series) * (BAR_HEIGHT + BAR_GAP) + GROUP_GAP
    parts, top = _legend(series), LEGEND_HEIGHT + 8
    for group in groups:
        parts.extend(_group(group, series, top, largest, span))
        top += group_height
    if not groups:
        parts.append(_text(PAD, top + LABEL_HEIGHT, empty, LABEL_SIZE))
        top += LABEL_HEIGHT + GROUP_GAP
    height = int(top)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" aria-labelledby="{ident}-title {ident}-desc">'
            f'<title id="{ident}-title">{escape(title)}</title><desc id="{ident}-desc">{escape(description)}</desc>')
    return Markup(head + "".join(parts) + "</svg>")
