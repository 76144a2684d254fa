"""Resume an interrupted run from its trace and result store.

``run_graph(g, work, resume="runs/<run>.jsonl")`` (or the bare run id, looked up in the trace
folder) reads the earlier run back and hands the scheduler a :class:`ResumePlan`:

- a task whose result is in the store *and* whose definition fingerprint (prompt, profile,
  role, and its dependencies' fingerprints) is unchanged is **restored**: a ``task.restored``
  event carries its stored result and tallies; it is never executed again;
- a task that was in flight (started or backing off) runs again, its attempt number
  continuing from the earlier run's;
- a task whose definition changed since is run again, and its ``task.queued`` event says
  ``"changed": true``;
- failed, skipped and cancelled tasks run again from scratch.

The run says from where it resumed in a ``run.resumed`` event. Only what the store holds is
trusted: the JSONL trace lags a little behind (it is buffered), so it is read only for the
attempts of unfinished tasks.

Bad input is refused with a typed error, never half-used silently: no trace or no store
(:class:`~swarmnb.ResumeNotFound`), a bad line before the last (:class:`~swarmnb.ResumeCorrupt`;
a torn *last* line is what a crash leaves and is skipped — that task runs again), a different
graph or run (:class:`~swarmnb.ResumeMismatch`), a newer format
(:class:`~swarmnb.ResumeVersionError`).

Example::

    plan = ResumePlan.load("runs/r1.jsonl")
    plan.summary()          # {'from_run': 'r1', 'stored': 41, 'in_flight': ['t7'], ...}
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import ResumeCorrupt, ResumeMismatch, ResumeNotFound, ResumeVersionError
from ..events import EVENT_VERSION
from ..metrics import fold
from ..runtime.durable import TALLY_NAMES, Prior, Restored
from .recorder import read_events
from .results import Fingerprints, ResultRecord, read_results, results_path

if TYPE_CHECKING:
    from ..graph import Task, TaskGraph

__all__ = ["ResumePlan", "resolve_trace"]

_IN_FLIGHT = frozenset({"running", "retrying", "queued"})


def resolve_trace(resume: str | Path, trace_dir: str | Path | None) -> Path:
    """The trace file meant by ``resume``: a path, or a run id inside ``trace_dir``."""
    if not isinstance(resume, str | Path):
        raise TypeError(f"resume must be a trace path or a run id, not {type(resume).__name__}")
    path = Path(resume)
    if path.exists() or path.suffix == ".jsonl" or len(path.parts) > 1:
        if not path.is_file():
            raise ResumeNotFound(f"no trace to resume at {path}")
        return path
    folder = Path(trace_dir if trace_dir is not None else "runs/")
    candidate = folder / f"{resume}.jsonl"
    if not candidate.is_file():
        raise ResumeNotFound(f"no run {str(resume)!r} to resume: {candidate} does not exist")
    return candidate


class ResumePlan:
    """What an interrupted run left: stored results and unfinished attempts; a ``Restorer``."""

    def __init__(
        self,
        *,
        trace_path: Path,
        header: dict[str, Any],
        records: dict[str, ResultRecord],
        events: list[dict[str, Any]],
        retried: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self.trace_path = trace_path
        self.from_run: str = header["run"]
        self.name: str | None = header.get("name")
        self.records = records
        self._fingerprints = Fingerprints()
        self._changed: set[str] = set()
        self.restored: list[str] = []
        self.changed_ids: list[str] = []
        # Unfinished tasks: the store's retry tallies are durable, the trace may know more (an
        # attempt that started after the last retry) or less (its buffered tail was lost).
        tallies: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (retried or {}).items()}
        for tid, row in fold(events).rows.items():
            if tid in records or row["status"] not in _IN_FLIGHT or row["attempts"] == 0:
                continue
            known = tallies.setdefault(tid, {})
            for name in TALLY_NAMES:
                known[name] = max(known.get(name, 0), row[name])
        self.in_flight: dict[str, Prior] = {
            tid: Prior(
                **{k: tally.get(k, 0) for k in TALLY_NAMES}, spans=tuple(tally.get("spans", ()))
            )
            for tid, tally in tallies.items()
            if tid not in records
        }
        self.last_seq = events[-1]["seq"] if events else None
        self.last_t = events[-1]["t"] if events else None

    @classmethod
    def load(cls, resume: str | Path, *, trace_dir: str | Path | None = None) -> ResumePlan:
        """Read the trace named by ``resume`` (a path or a run id) and its result store."""
        trace_path = resolve_trace(resume, trace_dir)
        store = results_path(trace_path)
        if not store.is_file():
            raise ResumeNotFound(
                f"{trace_path} has no result store beside it ({store.name}): the run was "
                "recorded without one, so its results cannot be restored"
            )
        header, records, retried = read_results(store)
        try:
            events = read_events(trace_path)
        except ValueError as exc:
            raise ResumeCorrupt(str(exc)) from None
        for event in events[:1]:
            if not isinstance(event, dict) or not isinstance(event.get("v"), int):
                raise ResumeCorrupt(f"{trace_path}:1: not a swarmnb event")
        newer = next((e["v"] for e in events if e.get("v", 0) > EVENT_VERSION), None)
        if newer is not None:
            raise ResumeVersionError(
                f"{trace_path} holds events of version {newer}; this swarmnb reads up to "
                f"{EVENT_VERSION} — upgrade swarmnb to resume it"
            )
        if events and events[0].get("run") != header.get("run"):
            raise ResumeMismatch(
                f"{trace_path} is run {events[0].get('run')!r} but its result store belongs "
                f"to run {header.get('run')!r}"
            )
        return cls(
            trace_path=trace_path, header=header, records=records, events=events, retried=retried
        )

    # -- checks before the run starts --------------------------------------------------------
    def check(self, name: str, graph: TaskGraph | None) -> ResumePlan:
        """Refuse another run's or graph's trace; note which stored results went stale."""
        self.check_name(name)
        if graph is not None:
            self.changed_ids = self.check_graph(graph)
        return self

    def check_name(self, name: str) -> None:
        """Refuse to resume a run of something else (episodes are named policy:scenario)."""
        if self.name is not None and name != self.name:
            raise ResumeMismatch(
                f"{self.trace_path} is a run of {self.name!r}, not {name!r}; resume it with "
                "the same graph or scenario"
            )

    def check_graph(self, graph: TaskGraph) -> list[str]:
        """Ids whose stored result no longer matches the graph; raise if nothing matches."""
        fps = Fingerprints()
        matching, changed = 0, []
        for task in graph:
            record = self.records.get(task.id)
            if record is None:
                continue
            if record.fp == fps.of(task):
                matching += 1
            else:
                changed.append(task.id)
        if self.records and matching == 0:
            raise ResumeMismatch(
                f"{self.trace_path} belongs to a different graph: none of its "
                f"{len(self.records)} stored results matches a task of this graph (same id, "
                "prompt, dependencies, profile and role); run without resume= to start over"
            )
        return changed

    # -- the Restorer protocol ---------------------------------------------------------------
    def resumed_fields(self) -> dict[str, Any]:
        return self.summary()

    def restore(self, task: Task) -> Restored | Prior | None:
        fp = self._fingerprints.of(task)
        record = self.records.get(task.id)
        if record is not None:
            if record.fp != fp:
                self._changed.add(task.id)
                return None
            try:
                value = record.value()
            except Exception as exc:  # e.g. a class that no longer imports: run it again
                warnings.warn(
                    f"stored result of task {task.id!r} cannot be read back ({exc}); "
                    "running the task again",
                    stacklevel=2,
                )
                return None
            self.restored.append(task.id)
            tallies = Prior(**{k: record.tallies.get(k, 0) for k in TALLY_NAMES})
            return Restored(value=value, tallies=tallies, source=self.from_run, spans=record.spans)
        return self.in_flight.get(task.id)

    def changed(self, task: Task) -> bool:
        return task.id in self._changed

    def summary(self) -> dict[str, Any]:
        """From where: the earlier run, its trace, the last event read, what it left."""
        return {
            "from_run": self.from_run,
            "from_trace": str(self.trace_path),
            "from_seq": self.last_seq,
            "from_t": self.last_t,
            "stored": len(self.records),
            "in_flight": sorted(self.in_flight),
            "changed": list(self.changed_ids),
        }

    def __repr__(self) -> str:
        return (
            f"<ResumePlan from_run={self.from_run!r} stored={len(self.records)} "
            f"in_flight={len(self.in_flight)}>"
        )
