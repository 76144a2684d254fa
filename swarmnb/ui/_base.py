"""What every swarmnb view widget shares: a feed, a stable repr, one ``hold_sync`` per flush.

A view is an anywidget whose traits are written only by :meth:`_View._sync`, called by its
:class:`~swarmnb.ui._feed.RunFeed` at most ten times a second. Views made by a
:class:`~swarmnb.ui.Dashboard` share the dashboard's feed; ``View.for_run(run)`` makes a view
with a feed of its own.

Example::

    view = TaskGraphView.for_run(run)
    view            # <TaskGraphView tasks=3 status=completed>
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Self

import anywidget
import traitlets as t

from ..events import status_vocabulary
from ._assets import stylesheet
from ._feed import RunFeed
from ._state import Changes, SwarmState

__all__ = ["View"]


class View(anywidget.AnyWidget):
    """Base class of the four views; not useful on its own."""

    _css = stylesheet()
    #: Task statuses, wire codes and colours, from :mod:`swarmnb.events` (the JS repeats none).
    vocabulary = t.Dict(status_vocabulary()).tag(sync=True)

    def __init__(self, *, feed: RunFeed | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._feed: RunFeed | None = None
        if feed is not None:
            self._attach(feed)

    @classmethod
    def for_run(cls, run: Any, *, interval: float = 0.1, **kwargs: Any) -> Self:
        """A view following ``run`` (live, finished or replayed)."""
        feed = RunFeed(run, interval=interval)
        view = cls(feed=feed, **kwargs)
        view._owns_feed = True
        feed.start()
        return view

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]], **kwargs: Any) -> Self:
        """A view of a finished event list (e.g. ``run.events`` or a trace read back)."""
        feed = RunFeed(events=events)
        view = cls(feed=feed, **kwargs)
        feed.start()
        return view

    @property
    def state(self) -> SwarmState:
        """The folded state this view shows."""
        if self._feed is None:
            return SwarmState()
        return self._feed.state

    def close(self) -> None:
        """Stop following the run (if this view owns its feed) and close the widget."""
        if getattr(self, "_feed", None) is not None and getattr(self, "_owns_feed", False):
            self._feed.close()
        super().close()

    def _attach(self, feed: RunFeed) -> None:
        self._feed = feed
        feed.add_sink(self._sink)

    def _sink(self, state: SwarmState, changes: Changes) -> None:
        with self.hold_sync():
            self._sync(state, changes)

    def _sync(self, state: SwarmState, changes: Changes) -> None:  # pragma: no cover
        raise NotImplementedError

    def _set(self, values: Mapping[str, Any]) -> None:
        for name, value in values.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._repr_fields()}>"

    def _repr_fields(self) -> str:
        state = self.state
        return f"tasks={len(state.order)} status={state.status}"
