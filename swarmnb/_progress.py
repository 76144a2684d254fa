"""A progress bar that follows a run's events (tqdm: text in a terminal, a widget in Jupyter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .events import TERMINAL_KINDS

__all__ = ["follow_progress"]


def follow_progress(
    run: Any, *, total: int | None = None, desc: str = "tasks"
) -> Callable[[], None]:
    """Show a bar that advances as tasks end; returns a function that closes it."""
    from tqdm.auto import tqdm

    bar = tqdm(total=total, desc=desc, unit="task", mininterval=0.2, smoothing=0.1)

    def on_event(event: dict[str, Any]) -> None:
        kind = event["kind"]
        if kind == "task.queued" and total is None:
            bar.total = (bar.total or 0) + 1
        elif kind in TERMINAL_KINDS:
            bar.update(1)
        elif kind == "run.finished":
            bar.set_postfix_str(event["status"], refresh=False)
            bar.close()

    unsubscribe = run.subscribe(on_event)

    def close() -> None:
        unsubscribe()
        bar.close()

    return close
