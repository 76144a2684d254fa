"""Traces: JSONL event files, an SQLite index of runs, and replay."""

from .recorder import JsonlRecorder, read_events
from .replay import ReplayedRun, replay
from .store import index_run, runs

__all__ = ["JsonlRecorder", "ReplayedRun", "index_run", "read_events", "replay", "runs"]
