"""A ranking as horizontal bars: one bar a name, best at the top, names on the left.

A board's names are long and many, and read top to bottom like the table beside it, so the bars
lie down: the category axis is vertical. :class:`RankingPanel` is a :class:`ChartPanel` (the same
title, "⋯" menu with Export image, Copy data and Show as table, empty state and hover tooltip)
that draws its single bar series across instead of up, and paints the categories named in
``highlight`` (the viewer's own bar) in the accent colour. :func:`ranking_chart` builds its
:class:`ChartData` from (name, points) pairs, so the table and copied data read "Name, Points".
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QFontMetrics
from PySide6.QtWidgets import QWidget

from ui.charts.axes import axis_title, number_text, to_x
from ui.charts.base import EDGE_LABEL_ROOM, ChartData, ChartPanel, Series
from ui.charts.draw import hit
from ui.widgets.style import colour, elide_text

NAME_ROOM = 118  # pixels of the name axis: a name longer than that is elided (whole on hover)
OTHERS = "#9aa5b1"  # everyone else's bars: quiet, so the viewer's accent bar stands out
UNIT = "points"
GAP = "⋮"  # the name of a gap between the best rows and the viewer's own further down


def ranking_chart(title: str, entries: Sequence[tuple[str, int] | None], *, name_label: str = "Name",
                  empty_reason: str = "") -> ChartData:
    """The chart of (name, points) pairs in the order given (best first); a None is a gap (a
    "⋮" with no bar, before a row far down the ranking)."""
    points = tuple((float(i), float(e[1])) for i, e in enumerate(entries) if e is not None)
    return ChartData(title, name_label, "Points", (Series("Points", points, kind="bar", colour=OTHERS),),
                     x_kind="category", categories=tuple(e[0] if e is not None else GAP for e in entries),
                     empty_reason=empty_reason, y_unit=UNIT)


class RankingPanel(ChartPanel):
    """A :class:`ChartPanel` lying on its side: categories down the left, values across."""

    def __init__(self, data: ChartData | None = None, parent: QWidget | None = None, *,
                 show_title: bool = True) -> None:
        self.highlight: frozenset[int] = frozenset()
        super().__init__(None, parent, show_title=show_title)
        self.plot.showGrid(x=True, y=False, alpha=0.2)
        self.plot.plotItem.vb.invertY(True)  # the first (best) at the top, as in the table
        self.plot.getAxis("left").setWidth(NAME_ROOM + 8)
        self.plot.getAxis("left").setStyle(hideOverlappingLabels=False)
        if data is not None:
            self.set_data(data)

    def set_ranking(self, data: ChartData, highlight: Sequence[int] = ()) -> None:
        """Draw ``data`` with the bars at the category indices ``highlight`` in the accent colour."""
        self.highlight = frozenset(highlight)
        self.set_data(data)

    def set_data(self, data: ChartData) -> None:
        super().set_data(data)
        self.plot.getAxis("left").showLabel(False)  # the names say what they are
        self.plot.setLabel("bottom", html.escape(axis_title(data.y_label, data.y_unit)))

    def bar_colours(self) -> list[str]:
        """The fill of every bar of the (single) series, in order: the accent for the highlighted."""
        if not self.data.series:
            return []
        series = self.data.series[0]
        accent, other = colour("ACCENT").name(), series.colour or OTHERS
        return [accent if round(to_x(x)) in self.highlight else other for x, _y in series.points]

    # ------------------------------------------------------------------ drawing, on its side
    def _draw_items(self) -> None:
        import pyqtgraph as pg

        kept: list[Any] = []
        for i, p in enumerate(self.placed):
            old = self.items[i] if i < len(self.items) else None
            brushes = [QColor(c) for c in self.bar_colours()] if i == 0 else None
            opts: dict[str, Any] = {"x0": p.bottoms, "y": p.xs, "width": p.tops - p.bottoms, "height": p.width,
                                    "brushes": brushes, "brush": QColor(OTHERS), "pen": pg.mkPen("w", width=1),
                                    "name": self.data.series[i].name}
            if isinstance(old, pg.BarGraphItem):
                old.setOpts(**opts)
                item = old
            else:
                if old is not None:
                    self.plot.removeItem(old)
                item = pg.BarGraphItem(**opts)
                self.plot.addItem(item)
            kept.append(item)
        for old in self.items[len(kept):]:
            self.plot.removeItem(old)
        self.items = kept

    def _set_ranges(self) -> None:
        if self.extent is None:
            return
        e = self.extent
        self.plot.setYRange(*e.x, padding=0)
        self.plot.setXRange(*e.y, padding=e.y_pad)

    def _ticks(self) -> None:
        """Names on the left axis, elided to its room; every second (third…) one when the bars
        are thinner than a line of text. Numbers along the bottom, pyqtgraph's own."""
        self.plot.getAxis("bottom").setTicks(None)
        names = self.data.categories
        vb = self.plot.plotItem.vb
        lo, hi = vb.viewRange()[1]
        per = max(vb.height(), 1.0) / max(hi - lo, 1.0)
        fm = QFontMetrics(self.tick_font)
        step = max(1, math.ceil(fm.height() / max(per, 1.0)))
        self.plot.getAxis("left").setTicks([[(float(i), elide_text(fm, names[i], NAME_ROOM))
                                             for i in range(0, len(names), step)]])

    def tooltip_at(self, scene_pos: QPointF) -> str:
        """"Ana P. · 12 points" over a bar; a name's whole text over the name axis."""
        if self.data.is_empty:
            return ""
        vb = self.plot.plotItem.vb
        view = vb.mapSceneToView(scene_pos)
        names = self.data.categories
        if vb.sceneBoundingRect().contains(scene_pos):
            px_w, px_h = vb.viewPixelSize()
            found = hit(self.placed, [item.isVisible() for item in self.items], view.y(), view.x(), px_h, px_w)
            if found is None:
                return ""
            x, y = self.data.series[found[0]].points[found[1]]
            return f"{names[round(to_x(x))]} · {number_text(y)} {UNIT}"
        if self.plot.getAxis("left").sceneBoundingRect().adjusted(0, -EDGE_LABEL_ROOM, 0, 0).contains(scene_pos):
            i = round(view.y())
            return names[i] if 0 <= i < len(names) and names[i] != GAP else ""
        return ""
