"""The trace of a live run: its JSONL file and its row in the folder's SQLite index.

:func:`swarmnb.run_graph` attaches a :class:`TraceSink` when ``trace=`` names a folder: every
event goes to ``<folder>/<run id>.jsonl`` as it happens, and when the run ends the file is
closed and the run is indexed in ``<folder>/index.sqlite`` (see :func:`swarmnb.runs`).

Example::

    run = sn.run_graph_sync(g, work, trace="runs/")
    run.trace_path            # runs/r20260101-…jsonl
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from .recorder import JsonlRecorder
from .store import index_run

if TYPE_CHECKING:
    from ..runtime.view import RunView

__all__ = ["TraceSink"]


class TraceSink(JsonlRecorder):
    """Records ``run``'s events under ``folder`` and indexes the run when it ends."""

    __slots__ = ("_run",)

    def __init__(self, folder: str | Path, run: RunView) -> None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(folder / f"{run.id}.jsonl")
        self._run = run

    def close(self) -> None:
        if self._file.closed:
            return
        super().close()
        try:
            index_run(self.path.parent / "index.sqlite", self._run)
        except Exception as exc:  # the JSONL is the record; the index is a convenience
            warnings.warn(f"could not index run {self._run.id} in SQLite: {exc}", stacklevel=2)
