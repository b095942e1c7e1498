"""Geometry for the server-rendered SVG trend chart (the site's CSP allows no inline script).

Two drawings of the same months: a line chart for wide screens, each point's value written next to it, and
for phones one bar per month (month, bar, value on one row), drawn 300 units wide so that its 13-unit text
stays about 12 px on a 320 px screen; a 640-wide line chart shrunk to a phone made its labels 5-7 px."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import dateformat
from django.utils.translation import gettext, pgettext

from .queries import TrendPoint


def _month(day: date) -> str:
    """ "Jan 2026" (Spanish "Ene 2026"): month names in the active language."""
    return dateformat.format(day, "M Y")


def _month_long(day: date) -> str:
    return dateformat.format(day, pgettext("month and year", "F Y"))


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    value: str


@dataclass(frozen=True)
class BarRow:
    y: float  # top of the bar
    text_y: float  # baseline of the row's month and value
    label: str
    length: float
    value: str
    value_x: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bar_left: int
    bar_height: int
    rows: list[BarRow]


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    top: int
    right: int
    bottom: int
    segments: list[str]  # polyline "x,y x,y" strings; a month with nothing to count breaks the line
    points: list[ChartPoint]
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    summary: str
    bars: BarChart


def trend_bars(points: list[TrendPoint], *, width: int = 300, row: int = 28) -> BarChart:
    """One row per month end: "Jan 2026", a bar as long as the rate, the rate written after it."""
    bar_left, value_room, bar_height = 78, 44, 14
    longest = width - bar_left - value_room
    rows = []
    for i, point in enumerate(points):
        top = i * row
        length = round(longest * point.rate, 1) if point.rate is not None else 0.0
        rows.append(
            BarRow(
                y=top + (row - bar_height) / 2,
                text_y=top + row / 2 + 4.5,
                label=_month(point.day),
                length=length,
                value=gettext("n/a") if point.percent is None else f"{point.percent}%",
                value_x=round(bar_left + length + 6, 1),
            )
        )
    return BarChart(width=width, height=max(len(points), 1) * row, bar_left=bar_left, bar_height=bar_height, rows=rows)


def trend_chart(points: list[TrendPoint], *, width: int = 640, height: int = 260) -> LineChart:
    """Compliance rate (0-100 %) by month end; the y axis is fixed so charts compare across agencies."""
    left, right, top, bottom = 48, width - 16, 26, height - 40
    span = max(len(points) - 1, 1)

    def x_at(i: int) -> float:
        return round(left + (right - left) * i / span, 1)

    def y_at(percent: float) -> float:
        return round(bottom - (bottom - top) * percent / 100, 1)

    chart_points: list[ChartPoint] = []
    segments: list[str] = []
    current: list[str] = []
    for i, point in enumerate(points):
        label = _month(point.day)
        if point.rate is None:
            if current:
                segments.append(" ".join(current))
            current = []
            continue
        percent = point.rate * 100
        x, y = x_at(i), y_at(percent)
        current.append(f"{x},{y}")
        chart_points.append(ChartPoint(x=x, y=y, label=label, value=f"{point.percent}%"))
    if current:
        segments.append(" ".join(current))
    y_ticks = [(y_at(p), f"{p}%") for p in (0, 25, 50, 75, 100)]
    x_ticks = [(x_at(i), dateformat.format(p.day, "M")) for i, p in enumerate(points)]
    known = [p for p in points if p.rate is not None]
    if known:
        first, last = known[0], known[-1]
        summary = gettext("Compliance rate went from %(first)s%% at %(start)s to %(last)s%% at %(end)s.") % {
            "first": first.percent, "start": _month_long(first.day), "last": last.percent, "end": _month_long(last.day),
        }  # fmt: skip
    else:
        summary = gettext("No mandated training applied in this period.")
    return LineChart(
        width=width,
        height=height,
        left=left,
        top=top,
        right=right,
        bottom=bottom,
        segments=segments,
        points=chart_points,
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        summary=summary,
        bars=trend_bars(points),
    )
