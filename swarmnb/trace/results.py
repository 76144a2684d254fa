"""The result store: every completed task's full value, durable before anyone hears of it.

A trace keeps a 200-character preview of each result; resuming needs the values themselves.
Next to ``runs/<run>.jsonl`` a run with a trace folder writes ``runs/<run>.results`` (JSON
lines too, named apart so that tools reading every ``*.jsonl`` of a folder as a trace skip it):
a header line, then one record per completed (or restored) task, keyed by task id and the
*fingerprint* of the task's definition — never by position — and a small tally line each
time a task retries (so a resumed run knows how many retries an unfinished task has left).
Records and retry lines also keep each attempt's *span* — its start and end on the run's clock
(and the backoff delay after an attempt that retried) — so that a resumed simulation can
re-enact restored work on the uninterrupted run's timeline.

Serialization: a value made only of ``str``, ``int`` (64-bit), finite ``float``, ``bool``,
``None``, ``list`` and ``dict`` with ``str`` keys is stored as JSON. Anything else (tuples,
dataclasses, model replies, …) falls back to :mod:`pickle` (base64 in the line): only resume
from result stores you trust, as with any pickle. A record over ``max_bytes`` (16 MiB by
default), or a value that neither JSON nor pickle can hold, raises
:class:`~swarmnb.ResultStoreError` and the task's attempt fails with it.

Fsync policy (``SWARMNB_FSYNC``): each record is written to the operating system with one
unbuffered ``write`` *before* the task's ``task.completed`` event is emitted, so it survives
the process dying at any moment (a kernel restart, ``SIGKILL``, the OOM killer). With
``always`` each record is also ``fsync``-ed before the event (it then survives the machine
losing power, at about a disk flush per task); the default ``batch`` fsyncs at most every
half second and when the run ends; ``never`` leaves flushing to the operating system.

Example::

    store = ResultStore(Path("runs/r1.results"), run_id="r1", name="run")
    header, records, retried = read_results("runs/r1.results")
    records["a"].value()            # the full value task "a" returned
"""

from __future__ import annotations

import base64
import hashlib
import os
import pickle
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from .._exceptions import ResultStoreError, ResumeCorrupt, ResumeVersionError
from ..events import USAGE_FIELDS

if TYPE_CHECKING:
    from ..graph import Task
    from ..runtime.view import RunView

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "Fingerprints",
    "ResultRecord",
    "ResultStore",
    "fingerprint",
    "read_results",
    "results_path",
    "work_reference",
]

FORMAT = "swarmnb.results"
FORMAT_VERSION = 1
MAX_BYTES = 16 * 1024 * 1024
_FSYNC_POLICIES = ("always", "batch", "never")
_BATCH_FSYNC_S = 0.5
_USAGE = USAGE_FIELDS
_TALLIES = ("attempts", "retries", *USAGE_FIELDS)  # what a record counts, in order


def work_reference(work: Any) -> str | None:
    """``"module:qualname"`` of an importable module-level function, else ``None``."""
    module, qualname = getattr(work, "__module__", None), getattr(work, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module == "__main__":
        return None
    return f"{module}:{qualname}"


def results_path(trace_path: Path) -> Path:
    """Where the result store of the run traced at ``trace_path`` lives."""
    return trace_path.with_name(trace_path.stem + ".results")


def fingerprint(
    prompt: str, dep_fingerprints: tuple[str, ...], profile: str | None, role: str | None
) -> str:
    """A digest of a task's definition: prompt, dependencies (by *their* fingerprints), profile
    and role. An edit anywhere upstream changes the fingerprint of everything downstream.
    """
    blob = orjson.dumps([prompt, list(dep_fingerprints), profile, role])
    return hashlib.blake2b(blob, digest_size=12).hexdigest()


class Fingerprints:
    """Fingerprints of the tasks of one run, computed as they are added (deps come first)."""

    __slots__ = ("_by_id",)

    def __init__(self) -> None:
        self._by_id: dict[str, str] = {}

    def of(self, task: Task) -> str:
        known = self._by_id.get(task.id)
        if known is None:
            deps = tuple(self._by_id.get(d, "?" + d) for d in task.deps)
            known = self._by_id[task.id] = fingerprint(task.prompt, deps, task.profile, task.role)
        return known

    def get(self, task_id: str) -> str | None:
        return self._by_id.get(task_id)


def _json_native(value: Any, depth: int = 0) -> bool:
    """True when JSON holds ``value`` exactly (types included), so it reads back equal."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is int:
        return -(2**63) <= value < 2**64
    if kind is float:
        return value == value and value not in (float("inf"), float("-inf"))
    if depth > 200:
        return False
    if kind is list:
        return all(_json_native(v, depth + 1) for v in value)
    if kind is dict:
        return all(type(k) is str and _json_native(v, depth + 1) for k, v in value.items())
    return False


def _encode_value(value: Any) -> tuple[str, Any]:
    if _json_native(value):
        return "json", value
    try:
        blob = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:
        raise ResultStoreError(
            f"the result ({type(value).__name__}) is neither JSON nor picklable ({exc}); "
            "return plain data (str, numbers, lists, dicts) or a picklable object"
        ) from exc
    return "pickle", base64.b64encode(blob).decode("ascii")


@dataclass(frozen=True, slots=True)
class ResultRecord:
    """One stored result: which task, which definition, its tallies, and the encoded value."""

    task: str
    fp: str
    enc: str
    data: Any
    tallies: Mapping[str, Any]
    #: Each attempt's ``[start, end]`` (``[start, end, delay]`` if it retried); may be empty.
    spans: tuple[tuple[float, ...], ...] = field(default=())

    def value(self) -> Any:
        """The value the task returned (unpickled on demand for the pickle fallback)."""
        if self.enc == "json":
            return self.data
        return pickle.loads(base64.b64decode(self.data))


class ResultStore:
    """Append-only, crash-safe store of one run's results; a :class:`ResultSink`.

    Call it with ``(task, value, fields)`` when a task completes, before its event is emitted;
    feed it the run's events (``on_event``) so a completed task's record counts the retries and
    usage of all its attempts.
    """

    def __init__(
        self,
        path: Path,
        *,
        run_id: str,
        name: str,
        max_bytes: int = MAX_BYTES,
        fsync: str | None = None,
        about: Mapping[str, Any] | None = None,
        now: Callable[[], float] | None = None,
    ) -> None:
        policy = fsync or os.environ.get("SWARMNB_FSYNC", "batch")
        if policy not in _FSYNC_POLICIES:
            raise ValueError(f"SWARMNB_FSYNC must be one of {_FSYNC_POLICIES}, not {policy!r}")
        self.path = Path(path)
        self.fsync = policy
        self.max_bytes = max_bytes
        self.fingerprints = Fingerprints()
        self._earlier: dict[str, dict[str, float]] = {}  # per unfinished task
        self._now = now  # the run's clock: when a completing attempt ends
        self._started: dict[str, float] = {}  # the running attempt's start, by task
        self._spans: dict[str, list[list[float]]] = {}  # attempts that retried, by task
        self._carried: dict[str, str] = {}  # fingerprints of results copied from an earlier run
        self._count = 0
        self._last_sync = time.monotonic()
        self._fd: int | None = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        header = {"format": FORMAT, "version": FORMAT_VERSION, "run": run_id, "name": name}
        header.update(about or {})  # how the run was started: enough for `swarmnb resume`
        self._write(orjson.dumps(header) + b"\n")
        self._sync()

    @classmethod
    def for_run(
        cls,
        run: RunView,
        trace_path: Path,
        work: Any = None,
        *,
        about: Mapping[str, Any] | None = None,
    ) -> ResultStore:
        """The store beside ``trace_path`` for ``run``, its header saying how it started
        (``about``: more of that, such as an episode's recipe)."""
        options = getattr(run, "options", None)
        about = {
            "work": work_reference(work),
            "clock": run.clock,
            "seed": getattr(options, "seed", 0),
            "max_concurrency": getattr(options, "max_concurrency", None),
            **(about or {}),
        }
        now = getattr(run, "now", None)
        return cls(results_path(trace_path), run_id=run.id, name=run.name, about=about, now=now)

    # -- the sink ----------------------------------------------------------------------------
    def __call__(self, task: Task, value: Any, fields: Mapping[str, Any]) -> None:
        kind = type(value)
        if kind is str or value is None or kind is bool:
            enc, data = "json", value  # the common cases, without the recursive check
        else:
            try:
                enc, data = _encode_value(value)
            except ResultStoreError as exc:
                raise ResultStoreError(f"task {task.id!r}: {exc}") from exc.__cause__
        get = fields.get
        earlier = self._earlier.pop(task.id, None) if self._earlier else None
        record: dict[str, Any] = {"task": task.id, "fp": self.fingerprints.of(task)}
        if "from_run" in fields and self._carried.get(task.id) == record["fp"]:
            return  # restored, and carried over already (see carry())
        if "from_run" in fields:  # restored: its tallies (and spans) are already totals
            record["attempts"], record["retries"] = get("attempts", 0), get("retries", 0)
            for name in _USAGE:
                record[name] = get(name, 0)
            if "spans" in fields:
                record["spans"] = fields["spans"]
        elif earlier is None:  # the common case: completed without retrying
            record["attempts"], record["retries"] = get("attempt", 1), 0
            for name in _USAGE:
                record[name] = get(name, 0)
        else:
            # Attempts started = this attempt's number, plus the interrupted attempts an
            # earlier run carried over (each re-ran under its own number).
            extra = earlier.get("attempts", 0) - earlier.get("carried_retries", 0)
            record["attempts"] = get("attempt", 1) + max(0, extra)
            record["retries"] = earlier.get("retries", 0)
            for name in _USAGE:
                record[name] = earlier.get(name, 0) + get(name, 0)
        started = self._started.get(task.id)
        if started is not None and self._now is not None and "from_run" not in fields:
            spans = self._spans.get(task.id, ()) if self._spans else ()
            record["spans"] = [*spans, [started, self._now()]]
        record["enc"] = enc
        record["value"] = data
        line = orjson.dumps(record) + b"\n"
        if len(line) > self.max_bytes:
            raise ResultStoreError(
                f"task {task.id!r}: its result takes {len(line):,} bytes stored ({enc}), over "
                f"the result store's cap of {self.max_bytes:,}; return something smaller "
                "(a path to a file, a summary)"
            )
        self._write(line)
        self._count += 1
        self._started.pop(task.id, None)
        if self._spans:
            self._spans.pop(task.id, None)
        due = self.fsync == "batch" and time.monotonic() - self._last_sync >= _BATCH_FSYNC_S
        if self.fsync == "always" or due:
            self._sync()

    #: The :class:`~swarmnb.runtime.durable.ResultSink` hook: the same as calling the store.
    on_result = __call__

    def carry(self, records: Mapping[str, ResultRecord], in_flight: Mapping[str, Any]) -> None:
        """Copy what an interrupted run left — its stored results and the tallies of its
        unfinished tasks (:class:`~swarmnb.runtime.durable.Prior`) — into this store at once.

        A resumed run restores a task when it adds it; an episode adds tasks as it goes, so a
        crash of the resumed run must not lose the results it had not reached yet.
        """
        for rec in records.values():
            line: dict[str, Any] = {"task": rec.task, "fp": rec.fp, **rec.tallies}
            if rec.spans:
                line["spans"] = [list(span) for span in rec.spans]
            line["enc"], line["value"] = rec.enc, rec.data
            self._write(orjson.dumps(line) + b"\n")
            self._carried[rec.task] = rec.fp
        for task_id, prior in in_flight.items():
            tally = {"task": task_id, "kind": "retrying", **prior.fields()}
            if prior.spans:
                tally["spans"] = [list(span) for span in prior.spans]
            self._write(orjson.dumps(tally) + b"\n")
        self._sync()

    def on_event(self, event: Mapping[str, Any], line: str = "") -> None:
        """Tally each unfinished task's retries and usage (earlier runs' included); the event
        sink hook."""
        kind = event["kind"]
        if kind == "task.started":
            self._started[event["task"]] = event["t"]
        elif kind == "task.retrying":  # rare: recorded too, so a resume knows the retries left
            task_id = event["task"]
            started = self._started.pop(task_id, None)
            if "restored" in event:  # a re-enacted attempt: its tallies and span are stored
                return
            tally = self._earlier.setdefault(task_id, {})
            tally["retries"] = tally.get("retries", 0) + 1
            for name in _USAGE:
                tally[name] = tally.get(name, 0) + event.get(name, 0)
            extra = tally.get("attempts", 0) - tally.get("carried_retries", 0)
            record = {"task": task_id, "kind": "retrying", "attempts": event["attempt"] + extra}
            record.update({k: tally.get(k, 0) for k in ("retries", *_USAGE)})
            if started is not None:
                span = [started, event["t"], event.get("delay", 0.0)]
                self._spans.setdefault(task_id, []).append(span)
                record["span"] = span
            self._write(orjson.dumps(record) + b"\n")
        elif kind == "task.queued" and "carried" in event:
            task_id, carried = event["task"], event["carried"]
            tally = {k: carried.get(k, 0) for k in _TALLIES}
            tally["carried_retries"] = tally["retries"]
            self._earlier[task_id] = tally
            spans = carried.get("spans")
            if spans:  # its retried attempts, stored again at once for a next resume
                self._spans[task_id] = [list(span) for span in spans]
                record = {"task": task_id, "kind": "retrying", **carried, "spans": spans}
                self._write(orjson.dumps(record) + b"\n")
        elif kind == "task.restored":
            self._started.pop(event["task"], None)

    # -- file handling -----------------------------------------------------------------------
    def _write(self, data: bytes) -> None:
        if self._fd is None:
            raise ResultStoreError(f"the result store {self.path} is closed")
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]

    def _sync(self) -> None:
        if self._fd is not None and self.fsync != "never":
            os.fsync(self._fd)
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if self._fd is not None:
            if self.fsync != "never":
                os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def __len__(self) -> int:
        return self._count

    def __repr__(self) -> str:
        return f"<ResultStore path={str(self.path)!r} results={self._count} fsync={self.fsync}>"


def read_results(
    path: str | Path,
) -> tuple[dict[str, Any], dict[str, ResultRecord], dict[str, dict[str, Any]]]:
    """Read a result store: its header, each completed task's record, and the tallies of
    tasks that retried but had not completed (their attempts, retries and usage so far).

    A torn last line (a crash mid-write) is skipped — that task simply runs again. A bad line
    anywhere else raises :class:`~swarmnb.ResumeCorrupt`; a newer format raises
    :class:`~swarmnb.ResumeVersionError`.
    """
    path = Path(path)
    lines = path.read_bytes().split(b"\n")
    # The last piece is empty after a final newline; without one, it is a record cut mid-write.
    # Either way it is dropped.
    if lines:
        lines.pop()
    if not lines:
        raise ResumeCorrupt(f"{path} is empty: the run stopped before its result store began")
    try:
        header = orjson.loads(lines[0])
    except orjson.JSONDecodeError:
        raise ResumeCorrupt(f"{path}:1: not a result store header") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ResumeCorrupt(f"{path}:1: not a swarmnb result store (header {lines[0][:80]!r})")
    version = header.get("version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ResumeVersionError(
            f"{path} was written by result store format {version!r}; this swarmnb reads up to "
            f"{FORMAT_VERSION} — upgrade swarmnb to resume it"
        )
    records: dict[str, ResultRecord] = {}
    retried: dict[str, dict[str, Any]] = {}
    for number, line in enumerate(lines[1:], start=2):
        try:
            raw = orjson.loads(line)
            if raw.get("kind") == "retrying":
                spans = retried.get(raw["task"], {}).get("spans", ())
                tally: dict[str, Any] = {k: raw.get(k, 0) for k in _TALLIES}
                if "spans" in raw:  # all its attempts so far (carried into a resumed run)
                    spans = tuple(tuple(span) for span in raw["spans"])
                elif "span" in raw:  # one more
                    spans = (*spans, tuple(raw["span"]))
                tally["spans"] = spans
                retried[raw["task"]] = tally
                continue
            record = ResultRecord(
                task=raw["task"], fp=raw["fp"], enc=raw["enc"], data=raw["value"],
                tallies={k: raw.get(k, 0) for k in _TALLIES},
                spans=tuple(tuple(span) for span in raw.get("spans", ())),
            )  # fmt: skip
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise ResumeCorrupt(f"{path}:{number}: not a result record") from None
        if record.enc not in ("json", "pickle"):
            raise ResumeVersionError(
                f"{path}:{number}: unknown encoding {record.enc!r} (written by a newer swarmnb?)"
            )
        records[record.task] = record
    for task_id in records:
        retried.pop(task_id, None)
    return header, records, retried
