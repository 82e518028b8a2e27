"""Charts as numbers an SVG template draws: no JavaScript, nothing loaded from elsewhere.

Every chart is drawn in a box 100 units high and one unit wide per day, stretched by
CSS to the width of the page (``preserveAspectRatio="none"``; strokes keep their width
with ``vector-effect: non-scaling-stroke``). The axis labels are HTML beside the SVG,
so their text stays readable at any width; ticks split the height in four even
steps, which a flex column lays out without positioning (the CSP allows no inline
styles).
"""

from dataclasses import dataclass

TICKS = 4


@dataclass(frozen=True)
class Chart:
    width: int  # viewBox units: one per day
    ticks: list[int]  # axis labels, top to bottom
    lines: list[dict]  # {"name", "points"} for polylines
    bars: list[dict]  # {"name", "x", "y", "height"} for rects, one unit wide minus a gap
    series: list[str]  # names, for the legend and the CSS classes that colour them
    grid: tuple = (0, 25, 50, 75, 100)


def nice_top(value: int) -> int:
    """The top of the axis: four even steps of 1, 2, 2.5 or 5 × 10ⁿ that reach the value."""
    magnitude = 1
    while True:
        for factor in (1, 2, 2.5, 5):
            step = factor * magnitude
            if step == int(step) and step * TICKS >= value:
                return int(step) * TICKS
        magnitude *= 10


def _axis(top: int) -> list[int]:
    return [top * (TICKS - n) // TICKS for n in range(TICKS + 1)]


def _y(value: float, top: int) -> float:
    return round(100 - value * 100 / top, 2)


def line_chart(series: dict[str, list[int]]) -> Chart:
    """A line per series, one point per day."""
    top = nice_top(max((max(values, default=0) for values in series.values()), default=0))
    lines = [
        {
            "name": name,
            "points": " ".join(f"{x + 0.5},{_y(v, top)}" for x, v in enumerate(values)),
        }
        for name, values in series.items()
    ]
    width = max((len(values) for values in series.values()), default=1)
    return Chart(width=width, ticks=_axis(top), lines=lines, bars=[], series=list(series))


def stacked_bars(stacks: dict[str, list[int]]) -> Chart:
    """A bar per day, its series stacked from the bottom in the order given."""
    days = max((len(values) for values in stacks.values()), default=0)
    totals = [sum(values[day] for values in stacks.values()) for day in range(days)]
    top = nice_top(max(totals, default=0))
    bars, base = [], [0] * days
    for name, values in stacks.items():
        for day, value in enumerate(values):
            if value:
                height = round(value * 100 / top, 2)
                y = _y(base[day] + value, top)
                bars.append({"name": name, "x": day + 0.1, "y": y, "height": height})
                base[day] += value
    return Chart(width=max(days, 1), ticks=_axis(top), lines=[], bars=bars, series=list(stacks))


def sparkline(values: list[int]) -> dict:
    """A small line in a box one unit per day wide and 100 high, scaled to its highest."""
    top = max(values, default=0) or 1
    points = " ".join(f"{x},{round(98 - v * 96 / top, 2)}" for x, v in enumerate(values))
    return {"width": max(len(values) - 1, 1), "points": points}
