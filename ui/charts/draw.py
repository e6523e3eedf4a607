"""From chart data to pyqtgraph items, and back from a pointer position to the value under it.

:func:`place` works out where every value is drawn (bars side by side or stacked, points where
they are), in the plot's own coordinates; the items are drawn from that placement and the hover
tooltip finds its value in the same placement, so what is hit is what is seen.

pyqtgraph is imported by the functions that make items, never at module import.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from ui.charts.axes import to_x
from ui.charts.palette import series_colour

if TYPE_CHECKING:
    from ui.charts.base import ChartData, Series

BAR_SHARE = 0.8  # of the room between two x values, what the bars at one x fill
HISTOGRAM_SHARE = 0.94  # one bar series over numbers: bins nearly touch
SYMBOLS_UP_TO = 60  # a line shows its points as dots up to this many (hover targets you can see)
SCATTER_SIZES = (8.0, 30.0)  # pixel diameters of the smallest and largest scatter point
HIT_RADIUS = 9.0  # pixels from a point that still hover it
DAY = 86400.0
MIN_DATE_SPAN = 14 * DAY  # the least range of dates shown


@dataclass(frozen=True)
class Placed:
    """Where one series is drawn, in view coordinates: a point's centre, or a bar's centre,
    top and bottom (a stacked bar starts where the one below ends); ``radius`` in pixels."""

    kind: str
    xs: np.ndarray
    tops: np.ndarray
    bottoms: np.ndarray
    width: float = 0.0
    radius: np.ndarray | None = None


def colour_of(data: ChartData, index: int) -> QColor:
    """A series' own colour, else its place in the palette."""
    return QColor(data.series[index].colour or series_colour(index))


def _slot(data: ChartData) -> float:
    """The room between two neighbouring x values of the bars (one category, a week…)."""
    xs = sorted({to_x(x) for s in data.series if s.kind == "bar" for x, _y in s.points})
    gaps = [b - a for a, b in zip(xs, xs[1:], strict=False) if b > a]
    if gaps:
        return min(gaps)
    return 7 * DAY if data.x_kind == "date" else 1.0


def place(data: ChartData) -> list[Placed]:
    """Every series' placement: bars of several series side by side at one x, or stacked when
    ``data.stacked``; a single bar series over numbers as a histogram."""
    bars = [i for i, s in enumerate(data.series) if s.kind == "bar"]
    slot = _slot(data) if bars else 0.0
    alone = len(bars) <= 1 or data.stacked
    share = HISTOGRAM_SHARE if alone and data.x_kind == "number" else BAR_SHARE
    width = slot * share if alone else slot * BAR_SHARE / len(bars)
    stack: dict[float, float] = {}
    out: list[Placed] = []
    for i, s in enumerate(data.series):
        xs = np.array([to_x(x) for x, _y in s.points], dtype=float)
        ys = np.array([y for _x, y in s.points], dtype=float)
        if s.kind != "bar":
            out.append(Placed(s.kind, xs, ys, ys, radius=_radii(s)))
            continue
        if alone:
            bottoms = np.array([stack.get(x, 0.0) for x in xs]) if data.stacked else np.zeros(len(xs))
            if data.stacked:
                stack.update({x: b + y for x, b, y in zip(xs, bottoms, ys, strict=True)})
        else:
            xs = xs - slot * BAR_SHARE / 2 + width * (bars.index(i) + 0.5)
            bottoms = np.zeros(len(xs))
        out.append(Placed("bar", xs, bottoms + ys, bottoms, width))
    return out


@dataclass(frozen=True)
class Extent:
    """What the plot must show, and the air around it as a share of each range."""

    x: tuple[float, float]
    y: tuple[float, float]
    x_pad: float
    y_pad: float


def extent(data: ChartData, placed: list[Placed]) -> Extent | None:
    """Every value in view: bars from zero and whole; a category axis from the first slot to
    the last, without air; big scatter dots with more air; the data's own ranges if set."""
    if not any(len(p.xs) for p in placed):
        return None
    xs = np.concatenate([np.concatenate((p.xs - p.width / 2, p.xs + p.width / 2)) for p in placed])
    ys = np.concatenate([np.concatenate((p.tops, p.bottoms)) for p in placed])
    x_lo, x_hi = float(xs.min()), float(xs.max())
    if data.x_kind == "category" and data.categories:
        x_lo, x_hi = min(x_lo, -0.5), max(x_hi, len(data.categories) - 0.5)
    y_lo, y_hi = float(ys.min()), float(ys.max())
    if any(p.kind == "bar" for p in placed):
        y_lo, y_hi = min(y_lo, 0.0), max(y_hi, 0.0)
    if data.y_range is not None:
        y_lo, y_hi = data.y_range
    if data.x_range is not None:
        x_lo, x_hi = to_x(data.x_range[0]), to_x(data.x_range[1])
    if data.x_kind == "date" and x_hi - x_lo < MIN_DATE_SPAN and data.x_range is None:  # a fortnight at least
        middle = (x_lo + x_hi) / 2
        x_lo, x_hi = middle - MIN_DATE_SPAN / 2, middle + MIN_DATE_SPAN / 2
    dots = any(p.kind == "scatter" for p in placed)
    x_pad = 0.0 if data.x_kind == "category" or data.x_range else 0.1 if dots else 0.04
    y_pad = 0.03 if data.y_range is not None else 0.12 if dots else 0.06
    return Extent((x_lo, x_hi if x_hi > x_lo else x_lo + 1), (y_lo, y_hi if y_hi > y_lo else y_lo + 1),
                  x_pad, y_pad)


def _radii(s: Series) -> np.ndarray:
    """Pixel radius of each point: scatter sizes scaled by area between the smallest and largest
    dot; lines' dots are small."""
    if s.kind != "scatter":
        return np.full(len(s.points), 3.0)
    if not s.sizes:
        return np.full(len(s.points), 5.0)
    sizes = np.sqrt(np.clip(np.array(s.sizes, dtype=float), 0, None))
    top = sizes.max() or 1.0
    low, high = SCATTER_SIZES
    return (low + (high - low) * sizes / top) / 2


def make_item(s: Series, p: Placed, colour: QColor, old: Any = None) -> Any:
    """The pyqtgraph item drawing one series, reusing ``old`` when it is of the same kind (the
    item stays the same object, so views may keep a reference to it)."""
    import pyqtgraph as pg

    style = Qt.PenStyle.DashLine if s.dashed else Qt.PenStyle.SolidLine
    pen = pg.mkPen(colour, width=2, style=style)
    if p.kind == "bar":
        brush = QColor(colour)
        brush.setAlpha(120 if s.dashed else 235)
        opts: dict[str, Any] = {"x": p.xs, "height": p.tops - p.bottoms, "y0": p.bottoms, "width": p.width,
                                "brush": brush, "pen": pg.mkPen("w", width=1), "name": s.name}
        if isinstance(old, pg.BarGraphItem):
            old.setOpts(**opts)
            return old
        return pg.BarGraphItem(**opts)
    if p.kind == "scatter":
        fill = QColor(colour)
        fill.setAlpha(190)
        sizes = (p.radius * 2) if p.radius is not None else 10
        args = {"x": p.xs, "y": p.tops, "size": sizes, "brush": fill, "pen": pg.mkPen("w", width=1),
                "name": s.name}
        if isinstance(old, pg.ScatterPlotItem):
            old.setData(**args)
            return old
        return pg.ScatterPlotItem(antialias=True, **args)
    dots = len(s.points) <= SYMBOLS_UP_TO and p.kind == "line" and not s.dashed  # a reference has no points
    line = {"pen": pen, "name": s.name, "stepMode": "left" if p.kind == "step" else None,
            "symbol": "o" if dots else None, "symbolSize": 7, "symbolBrush": colour,
            "symbolPen": pg.mkPen("w", width=1)}  # a step's value holds until the next x
    if isinstance(old, pg.PlotDataItem) and old.opts.get("stepMode") == line["stepMode"]:
        old.setData(p.xs, p.tops, **line)
        return old
    return pg.PlotDataItem(p.xs, p.tops, antialias=True, **line)


def hit(placed: list[Placed], visible: list[bool], vx: float, vy: float,
        px_w: float, px_h: float) -> tuple[int, int] | None:
    """The (series, point) under the view position (``vx``, ``vy``): the nearest dot within its
    radius and a few pixels, else the bar (segment) containing the position; ``px_w``/``px_h``
    are view units per pixel. Hidden series are not hit."""
    best: tuple[float, int, int] | None = None
    for i, p in enumerate(placed):
        if p.kind == "bar" or not visible[i] or not len(p.xs):
            continue
        d = np.hypot((p.xs - vx) / px_w, (p.tops - vy) / px_h)
        j = int(np.argmin(d))
        reach = HIT_RADIUS + (float(p.radius[j]) if p.radius is not None else 0.0)
        if d[j] <= reach and (best is None or d[j] < best[0]):
            best = (float(d[j]), i, j)
    if best is not None:
        return best[1], best[2]
    for i, p in reversed(list(enumerate(placed))):  # the last drawn lies on top
        if p.kind != "bar" or not visible[i]:
            continue
        low, high = np.minimum(p.bottoms, p.tops), np.maximum(p.bottoms, p.tops)
        inside = (np.abs(p.xs - vx) <= p.width / 2) & (low <= vy) & (vy <= high)
        if inside.any():
            return i, int(np.argmax(inside))
    return None
