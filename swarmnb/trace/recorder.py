"""Append a run's events to a JSONL file, one event per line.

The recorder is an :class:`~swarmnb.events.EventSink`: it receives each event already encoded
and appends it through a large buffer, flushing at least every quarter second of real time and
when the run ends, so a crash loses at most the last few hundred milliseconds of events.

Example::

    recorder = JsonlRecorder(Path("runs/r1.jsonl"))
    run = await sn.run_graph(g, work, trace=None, sinks=[recorder])   # closed with the run
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..events import Event, decode_event

__all__ = ["JsonlRecorder", "read_events"]

_FLUSH_EVERY_S = 0.25
_CHECK_EVERY = 256


class JsonlRecorder:
    """Writes encoded events as lines: an event sink (or call it with each line)."""

    __slots__ = ("_count", "_file", "_last_flush", "path")

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._file = self.path.open("w", encoding="utf-8", buffering=1 << 20)
        self._count = 0
        self._last_flush = time.monotonic()

    def __call__(self, line: str) -> None:
        """Append one encoded event: :meth:`on_event` for callers that hold only the line."""
        self.on_event({}, line)

    def on_event(self, event: Event, line: str) -> None:
        self._file.write(line + "\n")
        self._count += 1
        if self._count % _CHECK_EVERY == 0:
            now = time.monotonic()
            if now - self._last_flush >= _FLUSH_EVERY_S:
                self._file.flush()
                self._last_flush = now

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __repr__(self) -> str:
        return f"<JsonlRecorder path={str(self.path)!r} events={self._count}>"


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSONL trace; a torn last line (a crash mid-write) is ignored, not fatal."""
    events: list[dict[str, Any]] = []
    lines = Path(path).read_bytes().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            events.append(decode_event(line))
        except ValueError:
            if number == len(lines):
                break
            raise ValueError(f"{path}:{number}: not a JSON event line") from None
    return events
