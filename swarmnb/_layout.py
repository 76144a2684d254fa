"""Layered layout of a task graph, computed in Python so the browser only draws.

Shared by the task-graph widget (:mod:`swarmnb.ui`) and the PNG snapshots of
:mod:`swarmnb.vision`, so it lives in the lowest layer and imports only networkx.

Why here and not in JavaScript: the layout has to stay legible at thousands of tasks, be the
same in every front end (JupyterLab, VS Code, a static export) and be testable. The recipe is
Sugiyama's, kept small:

1. **Layers** — ``networkx.topological_generations``: a task sits one layer below its deepest
   dependency, so edges always point down.
2. **Order** — barycenter sweeps: each layer is sorted by the mean position of its neighbours in
   the layer above (down sweep) or below (up sweep); the ordering with the fewest crossings wins.
3. **Geometry** — a layer with few tasks gets labelled boxes; a wide layer gets small cells and
   wraps into rows of a block, so 1,000 parallel tasks make a compact grid instead of a strip
   20,000 pixels wide. Edges into and out of a wrapped block attach to its top and bottom
   border ("ports"), so no edge runs through the block.

Example::

    layout = layout_graph(["a", "b", "m"], [(), (), ("a", "b")])
    layout.layer        # [0, 0, 1]
    layout.to_json()["width"]
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

#: Horizontal room a label needs around its text (the front end truncates with the same rule).
LABEL_PAD = 6.0

__all__ = [
    "LABEL_PAD",
    "GraphLayout",
    "LayoutStyle",
    "count_crossings",
    "critical_path",
    "layout_graph",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class LayoutStyle:
    """Sizes in CSS pixels. ``max_width`` is where wide layers start to wrap."""

    max_width: float = 1100.0
    margin: float = 16.0
    label_w: float = 112.0
    label_h: float = 26.0
    label_gap: float = 12.0
    cell_min: float = 14.0
    cell_max: float = 96.0
    cell_gap: float = 3.0
    row_gap: float = 3.0
    layer_gap: float = 34.0
    char_w: float = 6.2  # average glyph width of the 10px label font
    max_label_layer: int = 8  # layers up to this size get labelled boxes


@dataclass(slots=True, kw_only=True)
class GraphLayout:
    """Positions for every task (index-aligned with ``ids``) and every edge."""

    ids: list[str]
    layer: list[int]
    x: list[float]
    y: list[float]
    w: list[float]
    h: list[float]
    labelled: list[bool]
    edges: list[tuple[int, int]]
    edge_points: list[tuple[float, float, float, float]]
    width: float
    height: float
    n_layers: int
    crossings: int | None
    order: list[list[int]] = field(repr=False)

    def to_json(self) -> dict[str, Any]:
        """A compact, JSON-ready form for the widget trait.

        ``nodes`` is flat ``[x, y, w, h, labelled, …]`` (5 per task) and ``edges`` flat
        ``[src, dst, x1, y1, x2, y2, …]`` (6 per edge): flat lists serialise several times
        faster than lists of lists, which matters at thousands of tasks.
        """
        nodes: list[float] = []
        for x, y, w, h, lab in zip(self.x, self.y, self.w, self.h, self.labelled, strict=True):
            nodes += (round(x, 1), round(y, 1), round(w, 1), round(h, 1), 1 if lab else 0)
        edges: list[float] = []
        for (s, d), (a, b, c, e) in zip(self.edges, self.edge_points, strict=True):
            edges += (s, d, round(a, 1), round(b, 1), round(c, 1), round(e, 1))
        return {
            "ids": self.ids,
            "nodes": nodes,
            "edges": edges,
            "width": round(self.width, 1),
            "height": round(self.height, 1),
            "layers": self.n_layers,
        }

    def boxes(self) -> list[tuple[float, float, float, float]]:
        """``(x0, y0, x1, y1)`` per node — handy for overlap checks."""
        return [
            (self.x[i], self.y[i], self.x[i] + self.w[i], self.y[i] + self.h[i])
            for i in range(len(self.ids))
        ]


def layout_graph(
    ids: Sequence[str],
    deps: Sequence[Sequence[str]],
    *,
    style: LayoutStyle | None = None,
    sweeps: int = 4,
) -> GraphLayout:
    """Lay out tasks ``ids`` where ``deps[i]`` are the ids task ``i`` waits for.

    Unknown dependencies are ignored (a live graph may mention a task before it arrives).
    Raises :class:`networkx.NetworkXUnfeasible` on a cycle — validated graphs have none.
    """
    style = style or LayoutStyle()
    n = len(ids)
    index = {tid: i for i, tid in enumerate(ids)}
    edges = [(index[d], i) for i, ds in enumerate(deps) for d in ds if d in index]
    preds: list[list[int]] = [[] for _ in range(n)]
    succs: list[list[int]] = [[] for _ in range(n)]
    for s, d in edges:
        preds[d].append(s)
        succs[s].append(d)

    graph = nx.DiGraph()
    graph.add_nodes_from(range(n))
    graph.add_edges_from(edges)
    order = [sorted(gen) for gen in nx.topological_generations(graph)]
    layer = [0] * n
    for li, nodes in enumerate(order):
        for v in nodes:
            layer[v] = li

    crossings = _reduce_crossings(order, preds, succs, layer, sweeps=sweeps, n_edges=len(edges))
    x, y, w, h, labelled, tops, bottoms, wrapped, width, height = _geometry(
        order, ids, succs, style
    )

    edge_points = []
    for s, d in edges:
        sx = x[s] + w[s] / 2
        sy = bottoms[layer[s]] if wrapped[layer[s]] else y[s] + h[s]
        dx = x[d] + w[d] / 2
        dy = tops[layer[d]] if wrapped[layer[d]] else y[d]
        edge_points.append((sx, sy, dx, dy))
    return GraphLayout(
        ids=list(ids),
        layer=layer,
        x=x,
        y=y,
        w=w,
        h=h,
        labelled=labelled,
        edges=edges,
        edge_points=edge_points,
        width=width,
        height=height,
        n_layers=len(order),
        crossings=crossings,
        order=order,
    )


# -- ordering ---------------------------------------------------------------------------------
def _positions(order: list[list[int]], n: int) -> list[float]:
    pos = [0.0] * n
    for nodes in order:
        k = len(nodes)
        for rank, v in enumerate(nodes):
            pos[v] = (rank + 0.5) / k
    return pos


def _sweep(
    order: list[list[int]], neighbours: list[list[int]], pos: list[float], layers: range
) -> None:
    for li in layers:
        nodes = order[li]
        k = len(nodes)

        def key(v: int) -> float:
            ns = neighbours[v]
            return sum(pos[u] for u in ns) / len(ns) if ns else pos[v]

        nodes.sort(key=key)
        for rank, v in enumerate(nodes):
            pos[v] = (rank + 0.5) / k


def _reduce_crossings(
    order: list[list[int]],
    preds: list[list[int]],
    succs: list[list[int]],
    layer: list[int],
    *,
    sweeps: int,
    n_edges: int,
) -> int | None:
    """Barycenter sweeps in place; keeps the best ordering seen. Returns its crossing count."""
    n = len(layer)
    if len(order) < 2 or sweeps <= 0:
        return count_crossings(order, succs, layer) if n_edges <= 50_000 else None
    measure = n_edges <= 50_000
    pos = _positions(order, n)
    best = [list(nodes) for nodes in order]
    best_count = count_crossings(order, succs, layer) if measure else None
    for _ in range(sweeps):
        _sweep(order, preds, pos, range(1, len(order)))
        _sweep(order, succs, pos, range(len(order) - 2, -1, -1))
        if measure:
            c = count_crossings(order, succs, layer)
            if best_count is None or c < best_count:
                best_count, best = c, [list(nodes) for nodes in order]
            if c == 0:
                break
    if measure:
        order[:] = best
    return best_count


def count_crossings(order: list[list[int]], succs: list[list[int]], layer: list[int]) -> int:
    """Edge crossings between adjacent layers (edges that skip layers are not counted).

    Counts inversions with a Fenwick tree: O(E log V) per layer pair.
    """
    rank = [0] * len(layer)
    for nodes in order:
        for r, v in enumerate(nodes):
            rank[v] = r
    total = 0
    for li in range(len(order) - 1):
        pairs = sorted(
            (rank[u], rank[v]) for u in order[li] for v in succs[u] if layer[v] == li + 1
        )
        size = len(order[li + 1])
        tree = [0] * (size + 1)
        for seen, (_, r) in enumerate(pairs):
            # edges already seen whose lower end is to the right of r cross this one
            i, below = r + 1, 0
            while i > 0:
                below += tree[i]
                i -= i & -i
            total += seen - below
            i = r + 1
            while i <= size:
                tree[i] += 1
                i += i & -i
    return total


# -- geometry ---------------------------------------------------------------------------------
Placed = tuple[int, float, float, float, float, bool]  # node, x, y, w, h, labelled (block coords)


def _geometry(
    order: list[list[int]], ids: Sequence[str], succs: list[list[int]], style: LayoutStyle
) -> tuple[
    list[float], list[float], list[float], list[float], list[bool],
    list[float], list[float], list[bool], float, float,
]:  # fmt: skip
    n = len(ids)
    x, y, w, h = [0.0] * n, [0.0] * n, [0.0] * n, [0.0] * n
    labelled = [False] * n
    tops: list[float] = []
    bottoms: list[float] = []
    wrapped: list[bool] = []
    blocks = [_place_layer(nodes, ids, succs, style) for nodes in order]
    width = max([style.margin * 2 + bw for _, bw, _, _ in blocks] or [style.margin * 2])
    top = style.margin
    for placed, bw, bh, wraps in blocks:
        left = (width - bw) / 2
        for v, lx, ly, nw, nh, lab in placed:
            x[v], y[v], w[v], h[v], labelled[v] = left + lx, top + ly, nw, nh, lab
        tops.append(top)
        bottoms.append(top + bh)
        wrapped.append(wraps)
        top += bh + style.layer_gap
    height = max(top - style.layer_gap + style.margin, 2 * style.margin)
    return x, y, w, h, labelled, tops, bottoms, wrapped, width, height


def _place_layer(
    nodes: list[int], ids: Sequence[str], succs: list[list[int]], style: LayoutStyle
) -> tuple[list[Placed], float, float, bool]:
    """Positions inside one layer's block, the block's width and height, and if it wraps."""
    k = len(nodes)
    if k <= style.max_label_layer:
        pitch = style.label_w + style.label_gap
        placed = [
            (v, i * pitch, 0.0, style.label_w, style.label_h, True) for i, v in enumerate(nodes)
        ]
        return placed, max(0.0, k * pitch - style.label_gap), style.label_h, False
    usable = style.max_width - 2 * style.margin
    gap = style.cell_gap
    pitch = max(style.cell_min + gap, min(style.cell_max, usable / k))
    cell = pitch - gap
    cell_h = min(cell, 18.0)

    def fits(v: int) -> bool:
        return len(ids[v]) * style.char_w + LABEL_PAD <= cell

    groups = _groups(nodes, succs)
    small = sum(len(g) for g in groups if len(g) < 3)
    if k * pitch > usable + gap and 2 <= len(groups) <= k // 4 and small * 10 <= k:
        return _place_groups(groups, pitch, cell, cell_h, usable, style, fits)
    per_row = max(1, int((usable + gap) // pitch))
    rows = math.ceil(k / per_row)
    per_row = math.ceil(k / rows)  # balance the rows
    block_w = min(k, per_row) * pitch - gap
    placed = []
    for row in range(rows):
        chunk = nodes[row * per_row : (row + 1) * per_row]
        left = (block_w - (len(chunk) * pitch - gap)) / 2
        for col, v in enumerate(chunk):
            ly = row * (cell_h + style.row_gap)
            placed.append((v, left + col * pitch, ly, cell, cell_h, fits(v)))
    return placed, block_w, rows * (cell_h + style.row_gap) - style.row_gap, rows > 1


def _groups(nodes: list[int], succs: list[list[int]]) -> list[list[int]]:
    """Consecutive runs of tasks that feed the same successors (e.g. one topic's look-ups)."""
    groups: list[list[int]] = []
    last: tuple[int, ...] | None = None
    for v in nodes:
        key = tuple(sorted(succs[v]))
        if groups and key == last:
            groups[-1].append(v)
        else:
            groups.append([v])
        last = key
    merged: list[list[int]] = []  # neighbouring stragglers share one small grid
    for group in groups:
        if merged and len(group) < 3 and len(merged[-1]) < 3:
            merged[-1].extend(group)
        else:
            merged.append(group)
    return merged


def _place_groups(
    groups: list[list[int]],
    pitch: float,
    cell: float,
    cell_h: float,
    usable: float,
    style: LayoutStyle,
    fits: Callable[[int], bool],
) -> tuple[list[Placed], float, float, bool]:
    """Each group a small grid; grids side by side in bands, a gap between them."""
    gap, group_gap, band_gap = style.cell_gap, 14.0, 10.0
    row_pitch = cell_h + style.row_gap
    max_cols = max(1, int((usable + gap) // pitch))
    shaped = []
    for group in groups:
        cols = min(max_cols, max(1, math.ceil(math.sqrt(len(group) * 3))))
        rows = math.ceil(len(group) / cols)
        cols = math.ceil(len(group) / rows)
        shaped.append((group, cols, rows, cols * pitch - gap))
    bands: list[list[tuple[list[int], int, int, float]]] = [[]]
    used = 0.0
    for item in shaped:
        if bands[-1] and used + group_gap + item[3] > usable:
            bands.append([])
        used = item[3] if not bands[-1] else used + group_gap + item[3]
        bands[-1].append(item)
    widths = [sum(item[3] for item in band) + group_gap * (len(band) - 1) for band in bands]
    block_w = max(widths)
    placed: list[Placed] = []
    top = 0.0
    for band, band_w in zip(bands, widths, strict=True):
        left = (block_w - band_w) / 2
        for group, cols, _rows, gw in band:
            for i, v in enumerate(group):
                r, c = divmod(i, cols)
                placed.append((v, left + c * pitch, top + r * row_pitch, cell, cell_h, fits(v)))
            left += gw + group_gap
        top += max(rows for _, _, rows, _ in band) * row_pitch - style.row_gap + band_gap
    return placed, block_w, top - band_gap, True


# -- critical path ------------------------------------------------------------------------------
def critical_path(
    order: list[list[int]], preds: Sequence[Sequence[int]], weight: Sequence[float]
) -> list[int]:
    """The heaviest dependency chain, as node indices from a source to a sink.

    ``order`` is any layering (e.g. :attr:`GraphLayout.order`) — it only has to list every
    node after its predecessors.
    """
    best: dict[int, tuple[float, int]] = {}
    for nodes in order:
        for v in nodes:
            base, parent = 0.0, -1
            for p in preds[v]:
                if p in best and (parent == -1 or best[p][0] > base):
                    base, parent = best[p][0], p
            best[v] = (base + weight[v], parent)
    if not best:
        return []
    v = max(best, key=lambda k: (best[k][0], -k))
    path = []
    while v != -1:
        path.append(v)
        v = best[v][1]
    return path[::-1]
