"""Geometry for the server-rendered SVG trend chart (the site's CSP allows no inline script)."""

from __future__ import annotations

from dataclasses import dataclass

from .queries import TrendPoint


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str
    value: str


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


def trend_chart(points: list[TrendPoint], *, width: int = 640, height: int = 260) -> LineChart:
    """Compliance rate (0-100 %) by month end; the y axis is fixed so charts compare across agencies."""
    left, right, top, bottom = 48, width - 16, 16, height - 40
    span = max(len(points) - 1, 1)

    def x_at(i: int) -> float:
        return round(left + (right - left) * i / span, 1)

    def y_at(percent: float) -> float:
        return round(bottom - (bottom - top) * percent / 100, 1)

    chart_points: list[ChartPoint] = []
    segments: list[str] = []
    current: list[str] = []
    for i, point in enumerate(points):
        label = point.day.strftime("%b %Y")
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
    x_ticks = [(x_at(i), p.day.strftime("%b")) for i, p in enumerate(points)]
    known = [p for p in points if p.rate is not None]
    if known:
        first, last = known[0], known[-1]
        summary = (
            f"Compliance rate went from {first.percent}% at {first.day:%B %Y} to {last.percent}% at {last.day:%B %Y}."
        )
    else:
        summary = "No mandated training applied in this period."
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
    )
