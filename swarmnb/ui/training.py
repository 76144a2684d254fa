"""``TrainingDashboard``: live learning curves of a PARL :class:`~swarmnb.training.Trainer`.

Small multiples — the reward terms and the weighted reward, quality, critical steps, spawn
count and the λ schedule — as block means over episodes (the same series as the HTML
report), plus a progress bar. Training runs in a worker thread; the dashboard polls the
trainer's history from the notebook's event loop at most five times a second, so widget
messages always leave from the kernel's own thread. Figures are simulated episodes.

Example::

    dash = trainer.dashboard()
    dash                                   # displays; updates while `await trainer.train(…)` runs
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anywidget
import traitlets as t

from ._assets import es_module, stylesheet

__all__ = ["TrainingDashboard"]

_POINTS = 80


class TrainingDashboard(anywidget.AnyWidget):
    """Learning curves and progress of a trainer, live while it trains."""

    _esm = es_module("training.js")
    _css = stylesheet()

    curves = t.Dict().tag(sync=True)
    progress = t.Dict().tag(sync=True)

    def __init__(self, trainer: Any, *, interval: float = 0.2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._trainer = trainer
        self._interval = interval
        self._seen = -1
        self._started = time.perf_counter()
        self._task: asyncio.Task[None] | None = None
        self.refresh()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # plain script: refresh after every group instead
            trainer.on_group(lambda _t, _rows: self.refresh())
        else:
            self._task = loop.create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            self.refresh()

    def refresh(self) -> None:
        """Redraw from the trainer's history (no-op when nothing new arrived)."""
        from ..training.report import CURVES, learning_curves

        trainer = self._trainer
        n = len(trainer._rows)
        if n == self._seen:
            return
        self._seen = n
        curves = learning_curves(trainer.history, points=_POINTS)
        series = {
            name: [[int(e), round(float(v), 5)] for e, v in zip(curves["episode"], curves[name],
                                                                 strict=True)]
            for name in CURVES
        }  # fmt: skip
        with self.hold_sync():
            self.curves = series
            self.progress = {
                "episode": int(trainer.episode),
                "target": int(trainer.target_episodes or trainer.episode),
                "seconds": round(time.perf_counter() - self._started, 1),
                "simulated": True,
            }

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        super().close()

    def __repr__(self) -> str:
        return (
            f"<TrainingDashboard episode={self._trainer.episode} "
            f"target={self._trainer.target_episodes}>"
        )
