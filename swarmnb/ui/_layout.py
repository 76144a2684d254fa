"""The task-graph layout, re-exported: it lives in :mod:`swarmnb._layout` (layer 1).

The widget and :mod:`swarmnb.vision` (which renders snapshots without a browser) share one
layout computation; it sits in the lowest layer so both can import it.
"""

from .._layout import (
    LABEL_PAD,
    GraphLayout,
    LayoutStyle,
    count_crossings,
    critical_path,
    layout_graph,
)

__all__ = [
    "LABEL_PAD",
    "GraphLayout",
    "LayoutStyle",
    "count_crossings",
    "critical_path",
    "layout_graph",
]
