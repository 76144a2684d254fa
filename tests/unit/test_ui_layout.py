"""The task-graph layout: layers, crossing reduction, geometry, critical path."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from swarmnb.ui._layout import (
    LABEL_PAD,
    LayoutStyle,
    count_crossings,
    critical_path,
    layout_graph,
)


def random_dag(n: int, seed: int, *, p: float = 0.01) -> tuple[list[str], list[tuple[str, ...]]]:
    rng = random.Random(seed)
    ids = [f"t{i}" for i in range(n)]
    deps = []
    for i in range(n):
        pool = range(max(0, i - 60), i)
        deps.append(tuple(ids[j] for j in pool if rng.random() < p * 10))
    return ids, deps


def fan(n: int) -> tuple[list[str], list[tuple[str, ...]]]:
    """One planner, n-2 parallel tasks, one merge — the widest possible shape."""
    mids = [f"m{i}" for i in range(n - 2)]
    return ["plan", *mids, "merge"], [(), *[("plan",)] * len(mids), tuple(mids)]


def chain(n: int) -> tuple[list[str], list[tuple[str, ...]]]:
    ids = [f"c{i}" for i in range(n)]
    return ids, [()] + [(ids[i - 1],) for i in range(1, n)]


def overlaps(boxes: list[tuple[float, float, float, float]]) -> list[tuple[int, int]]:
    """Pairs of boxes with a positive-area intersection (sweep over x)."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    active: list[int] = []
    found = []
    for i in order:
        x0, y0, _, y1 = boxes[i]
        active = [j for j in active if boxes[j][2] > x0]
        for j in active:
            if boxes[j][1] < y1 and y0 < boxes[j][3]:
                found.append((j, i))
        active.append(i)
    return found


@pytest.mark.parametrize(
    "shape", [fan(1000), random_dag(1000, seed=3), chain(200), random_dag(5000, seed=5, p=0.002)]
)
def test_layout_has_no_overlaps_and_edges_point_down(shape):
    ids, deps = shape
    layout = layout_graph(ids, deps)
    assert len(layout.x) == len(ids)
    assert overlaps(layout.boxes()) == []
    index = {tid: i for i, tid in enumerate(ids)}
    for i, ds in enumerate(deps):
        for d in ds:
            assert layout.layer[index[d]] < layout.layer[i]
            assert layout.y[index[d]] + layout.h[index[d]] < layout.y[i]
    for x0, y0, x1, y1 in layout.boxes():
        assert x0 >= 0 and x1 <= layout.width and y0 >= 0 and y1 <= layout.height


def test_layers_are_topological_generations():
    ids, deps = random_dag(300, seed=11)
    layout = layout_graph(ids, deps)
    graph = nx.DiGraph()
    graph.add_nodes_from(ids)
    graph.add_edges_from((d, t) for t, ds in zip(ids, deps, strict=True) for d in ds)
    expected = {v: k for k, gen in enumerate(nx.topological_generations(graph)) for v in gen}
    assert {tid: layout.layer[i] for i, tid in enumerate(ids)} == expected
    assert layout.n_layers == max(expected.values()) + 1


def test_wide_layers_wrap_within_max_width():
    style = LayoutStyle(max_width=800)
    ids, deps = fan(1000)
    layout = layout_graph(ids, deps, style=style)
    assert layout.width <= 800
    rows = {round(layout.y[i], 3) for i in range(len(ids)) if layout.layer[i] == 1}
    assert len(rows) > 1  # the 998-wide layer became a block of rows
    # edges into and out of the wrapped block attach to its border, not to inner cells
    block_top = min(layout.y[i] for i in range(len(ids)) if layout.layer[i] == 1)
    into_block = [p for (s, d), p in zip(layout.edges, layout.edge_points, strict=True) if s == 0]
    assert {round(p[3], 3) for p in into_block} == {round(block_top, 3)}


def test_labels_only_when_they_fit():
    ids = ["a", "a-rather-long-task-name", *[f"x{i}" for i in range(40)]]
    deps = [(), ("a",), *[("a",)] * 40]
    layout = layout_graph(ids, deps)
    style = LayoutStyle()
    for i, tid in enumerate(ids):
        small_layer = sum(1 for v in layout.layer if v == layout.layer[i]) <= style.max_label_layer
        if layout.labelled[i] and not small_layer:
            assert len(tid) * style.char_w + LABEL_PAD <= layout.w[i]
    assert layout.labelled[0]  # a lone root gets a labelled box


def test_barycenter_sweeps_remove_avoidable_crossings():
    # a→y and b→x given in an order that crosses; one sweep untangles it
    ids = ["a", "b", "x", "y"]
    deps = [(), (), ("b",), ("a",)]
    layout = layout_graph(ids, deps)
    assert layout.crossings == 0
    assert layout.x[0] < layout.x[1] and layout.x[3] < layout.x[2]

    # a ladder of 30 crossed pairs
    n = 30
    ids = [f"u{i}" for i in range(n)] + [f"v{i}" for i in range(n)]
    deps = [()] * n + [(f"u{n - 1 - i}",) for i in range(n)]
    assert layout_graph(ids, deps, sweeps=0).crossings > 0
    assert layout_graph(ids, deps).crossings == 0


def test_sweeps_never_increase_crossings():
    for seed in range(5):
        ids, deps = random_dag(400, seed=seed, p=0.004)
        before = layout_graph(ids, deps, sweeps=0).crossings
        after = layout_graph(ids, deps).crossings
        assert after is not None and before is not None and after <= before


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 7), st.integers(2, 7), st.data())
def test_count_crossings_matches_brute_force(k1, k2, data):
    edges = data.draw(
        st.sets(st.tuples(st.integers(0, k1 - 1), st.integers(k1, k1 + k2 - 1)), max_size=14)
    )
    order = [list(range(k1)), list(range(k1, k1 + k2))]
    layer = [0] * k1 + [1] * k2
    succs: list[list[int]] = [[] for _ in range(k1 + k2)]
    for s, d in edges:
        succs[s].append(d)
    brute = sum(
        1 for (a, b), (c, d) in itertools.combinations(sorted(edges), 2) if (a - c) * (b - d) < 0
    )
    assert count_crossings(order, succs, layer) == brute


def test_critical_path_is_the_heaviest_chain():
    rng = random.Random(7)
    ids, deps = random_dag(200, seed=7)
    layout = layout_graph(ids, deps)
    index = {tid: i for i, tid in enumerate(ids)}
    preds = [[index[d] for d in ds] for ds in deps]
    weight = [rng.uniform(0.1, 5.0) for _ in ids]
    path = critical_path(layout.order, preds, weight)
    for a, b in itertools.pairwise(path):
        assert a in preds[b]
    # compare against networkx's longest path with node weights folded into edges
    g2 = nx.DiGraph()
    for i in range(len(ids)):
        g2.add_edge("s", i, w=weight[i])
        for p in preds[i]:
            g2.add_edge(p, i, w=weight[i])
    expected = nx.dag_longest_path_length(g2, weight="w")
    assert sum(weight[i] for i in path) == pytest.approx(expected)


def test_empty_and_unknown_dependencies():
    empty = layout_graph([], [])
    assert empty.n_layers == 0 and empty.to_json()["nodes"] == []
    partial = layout_graph(["a", "b"], [(), ("not-yet-added",)])
    assert partial.layer == [0, 0]
    assert critical_path([], [], []) == []
