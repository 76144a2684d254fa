"""Traces: JSONL event files, an SQLite index of runs, replay, and the result store + resume."""

from .recorder import JsonlRecorder, read_events
from .replay import ReplayedRun, replay
from .results import ResultStore, read_results
from .resume import ResumePlan
from .store import index_run, runs

__all__ = [
    "JsonlRecorder",
    "ReplayedRun",
    "ResultStore",
    "ResumePlan",
    "index_run",
    "read_events",
    "read_results",
    "replay",
    "runs",
]
