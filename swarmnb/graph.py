"""Task graphs: what to run and in which order.

A :class:`TaskGraph` is an ordered set of :class:`Task` s with dependencies. It keeps tasks in a
plain dict (cheap to build at 100,000 tasks) and hands graph algorithms to networkx through
:meth:`TaskGraph.to_networkx`.

Example::

    g = TaskGraph()
    g.add("look up A", id="a", profile="small", max_retries=2, timeout=30.0)
    g.add("look up B", id="b")
    g.add("merge", id="m", deps=["a", "b"])
    g.validate()
    g.layers()          # [["a", "b"], ["m"]]
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import networkx as nx

from ._exceptions import GraphError

__all__ = ["Task", "TaskGraph"]


@dataclass(slots=True, kw_only=True, eq=False)
class Task:
    """One unit of work in a graph.

    ``deps`` are the ids of the tasks that must complete first. ``profile`` picks the model
    profile (and its concurrency limit), ``role`` describes the agent doing it, ``stage`` places
    it in an orchestrator stage (for critical steps), ``work`` overrides the run's work callable
    for this task alone. ``meta`` carries anything else (it is recorded in the trace when it is
    JSON-serialisable).
    """

    id: str
    prompt: str = ""
    deps: tuple[str, ...] = ()
    profile: str | None = None
    role: str | None = None
    max_retries: int = 2
    timeout: float | None = None
    stage: int | None = None
    agent: str | None = None
    estimate_usd: float | None = None
    work: Callable[..., Any] | None = field(default=None, repr=False)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise GraphError(f"task id must be a non-empty string, not {self.id!r}")
        if isinstance(self.deps, str):
            raise GraphError(
                f"task {self.id!r}: deps must be a list of ids, not the string {self.deps!r}",
                nodes=(self.id,),
            )
        self.deps = tuple(str(d) for d in self.deps)
        if not isinstance(self.max_retries, int) or self.max_retries < 0:
            raise GraphError(
                f"task {self.id!r}: max_retries must be an int ≥ 0, not {self.max_retries!r}",
                nodes=(self.id,),
            )
        if self.timeout is not None and not self.timeout > 0:
            raise GraphError(
                f"task {self.id!r}: timeout must be > 0 seconds or None, not {self.timeout!r}",
                nodes=(self.id,),
            )
        if self.id in self.deps:
            raise GraphError(f"task {self.id!r} depends on itself", nodes=(self.id,))


_TASK_FIELDS = frozenset(f.name for f in fields(Task))


class TaskGraph:
    """An ordered collection of tasks with dependencies.

    Tasks keep the order they were added in; the scheduler uses that order to break ties, so a
    run is deterministic. Dependencies may name tasks added later; :meth:`validate` checks the
    whole graph.
    """

    def __init__(self, tasks: Iterable[Task] = ()) -> None:
        self._tasks: dict[str, Task] = {}
        for task in tasks:
            self.add_task(task)

    # -- building ----------------------------------------------------------------------------
    def add(
        self,
        prompt: str = "",
        *,
        id: str | None = None,
        deps: Iterable[str] = (),
        **fields_: Any,
    ) -> Task:
        """Add a task and return it. Unknown keyword arguments go to ``Task.meta``."""
        meta = {k: fields_.pop(k) for k in list(fields_) if k not in _TASK_FIELDS}
        if meta:
            fields_["meta"] = {**fields_.get("meta", {}), **meta}
        task_id = id if id is not None else f"t{len(self._tasks)}"
        return self.add_task(Task(id=task_id, prompt=prompt, deps=tuple(deps), **fields_))

    def add_task(self, task: Task) -> Task:
        """Add an already built :class:`Task`."""
        if task.id in self._tasks:
            raise GraphError(f"duplicate task id {task.id!r}", nodes=(task.id,))
        self._tasks[task.id] = task
        return task

    # -- reading -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._tasks)

    def __iter__(self) -> Iterator[Task]:
        return iter(self._tasks.values())

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._tasks

    def __getitem__(self, task_id: str) -> Task:
        try:
            return self._tasks[task_id]
        except KeyError:
            raise KeyError(f"no task {task_id!r} in this graph") from None

    @property
    def ids(self) -> list[str]:
        return list(self._tasks)

    def __repr__(self) -> str:
        edges = sum(len(t.deps) for t in self._tasks.values())
        return f"<TaskGraph tasks={len(self._tasks)} edges={edges}>"

    @classmethod
    def random(
        cls,
        n_tasks: int,
        *,
        max_deps: int = 3,
        window: int = 50,
        seed: int = 0,
        profiles: tuple[str, ...] = (),
    ) -> TaskGraph:
        """A random DAG for demos, tests and benchmarks.

        Task ``i`` depends on up to ``max_deps`` of the ``window`` tasks before it, so the graph
        is layered but wide; ids are ``t0 … t{n-1}``. Deterministic per ``seed``.
        """
        import random as _random

        if n_tasks < 0 or max_deps < 0 or window < 1:
            raise ValueError("n_tasks and max_deps must be ≥ 0 and window ≥ 1")
        rng = _random.Random(seed)
        graph = cls()
        for i in range(n_tasks):
            lo = max(0, i - window)
            k = min(i - lo, rng.randint(0, max_deps))
            deps = [f"t{j}" for j in sorted(rng.sample(range(lo, i), k))] if k else []
            profile = profiles[rng.randrange(len(profiles))] if profiles else None
            graph.add(f"task {i}", id=f"t{i}", deps=deps, profile=profile)
        return graph

    # -- checking ----------------------------------------------------------------------------
    def validate(self) -> TaskGraph:
        """Check that every dependency exists and that there is no cycle.

        Raises :class:`~swarmnb.GraphError` naming the offending tasks. Returns the graph so it
        can be chained.
        """
        unknown = [(t.id, d) for t in self._tasks.values() for d in t.deps if d not in self._tasks]
        if unknown:
            listed = ", ".join(f"{tid!r} → {dep!r}" for tid, dep in unknown[:10])
            more = f" (and {len(unknown) - 10} more)" if len(unknown) > 10 else ""
            raise GraphError(
                f"unknown dependencies: {listed}{more}",
                nodes=tuple(dict.fromkeys(x for pair in unknown for x in pair)),
            )
        leftover = self._unsorted_ids()
        if leftover:
            sub = self.to_networkx().subgraph(leftover)
            cycle = [u for u, _ in nx.find_cycle(sub)]
            raise GraphError(
                "dependency cycle: " + " → ".join(repr(n) for n in [*cycle, cycle[0]]),
                nodes=tuple(cycle),
            )
        return self

    def _unsorted_ids(self) -> list[str]:
        """Ids Kahn's algorithm cannot order: non-empty exactly when there is a cycle."""
        remaining = {tid: len(t.deps) for tid, t in self._tasks.items()}
        children: dict[str, list[str]] = {tid: [] for tid in self._tasks}
        for t in self._tasks.values():
            for d in t.deps:
                children[d].append(t.id)
        frontier = [tid for tid, n in remaining.items() if n == 0]
        while frontier:
            tid = frontier.pop()
            for child in children[tid]:
                remaining[child] -= 1
                if remaining[child] == 0:
                    frontier.append(child)
        return [tid for tid, n in remaining.items() if n > 0]

    # -- networkx bridge ---------------------------------------------------------------------
    def to_networkx(self) -> nx.DiGraph:
        """A ``DiGraph``: an edge ``dep → task`` per dependency, task fields as node attributes."""
        graph = nx.DiGraph()
        for t in self._tasks.values():
            attrs = {name: getattr(t, name) for name in _TASK_FIELDS if name not in ("id", "deps")}
            graph.add_node(t.id, **attrs)
        graph.add_edges_from((d, t.id) for t in self._tasks.values() for d in t.deps)
        return graph

    @classmethod
    def from_networkx(cls, graph: nx.DiGraph) -> TaskGraph:
        """Build a graph from a networkx ``DiGraph``; an edge ``u → v`` means v depends on u.

        Node attributes named like :class:`Task` fields become those fields, any other attribute
        goes to ``meta``; a node without ``prompt`` gets its name as prompt.
        """
        if not graph.is_directed():
            raise GraphError("from_networkx needs a directed graph (nx.DiGraph)")
        result = cls()
        for node, attrs in graph.nodes(data=True):
            fields_ = {k: v for k, v in attrs.items() if k in _TASK_FIELDS and k != "deps"}
            meta = {
                **fields_.pop("meta", {}),
                **{k: v for k, v in attrs.items() if k not in _TASK_FIELDS},
            }
            fields_.setdefault("prompt", str(node))
            deps = tuple(_node_id(p) for p in graph.predecessors(node))
            result.add_task(Task(id=_node_id(node), deps=deps, meta=meta, **fields_))
        return result

    # -- algorithms --------------------------------------------------------------------------
    def layers(self) -> list[list[str]]:
        """Topological layers: each task sits one layer after its deepest dependency."""
        self.validate()
        position = {tid: i for i, tid in enumerate(self._tasks)}
        return [
            sorted(layer, key=position.__getitem__)
            for layer in nx.topological_generations(self.to_networkx())
        ]

    def longest_path(self, weight: Mapping[str, float] | None = None) -> tuple[list[str], float]:
        """The heaviest dependency chain and its total weight (tasks weigh 1 unless given)."""
        self.validate()
        graph = self.to_networkx()
        weights = (
            dict.fromkeys(graph, 1.0)
            if weight is None
            else {n: float(weight.get(n, 1.0)) for n in graph}
        )
        best: dict[str, tuple[float, str | None]] = {}
        for node in nx.topological_sort(graph):
            preds = [(best[p][0], p) for p in graph.predecessors(node)]
            base, parent = max(preds) if preds else (0.0, None)
            best[node] = (base + weights[node], parent)
        if not best:
            return [], 0.0
        node: str | None = max(best, key=lambda n: best[n][0])
        total = best[node][0]
        path = []
        while node is not None:
            path.append(node)
            node = best[node][1]
        return path[::-1], total


def _node_id(node: Hashable) -> str:
    return node if isinstance(node, str) else str(node)
