"""Charts (pyqtgraph): one base, :class:`ui.charts.base.ChartPanel`, draws plain
:class:`ui.charts.base.ChartData`; ``ui.charts.palette`` holds the colours.

Importing this package imports no pyqtgraph: a panel imports it when it is built.
"""
