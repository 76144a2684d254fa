"""Re-enacting restored work on the virtual clock, so a resumed simulation keeps its timeline.

A resumed run does not execute the tasks an interrupted run completed. Under the real clock
their results are restored at once. Under the virtual clock (a simulation, deterministic per
seed) that would make the resumed run shorter than the uninterrupted one and change every
timeline metric, so the scheduler *re-enacts* the recorded attempts instead
(:class:`~swarmnb.runtime.durable.Restored` and :class:`~swarmnb.runtime.durable.Prior` carry
their spans):

- a re-enacted attempt is launched like any attempt (it takes a slot when one is free, as the
  original did) and emits ``task.started`` with ``"restored": true``; no work is called;
- it ends after its recorded duration — at its recorded end time when it started at its
  recorded start, which it does when nothing else changed;
- an attempt that retried emits ``task.retrying`` (``"restored": true``) and backs off for
  its recorded delay, drawing the jitter the original drew;
- after its last attempt a restored task emits ``task.restored`` (its stored value arrives
  when the original had it); an interrupted task then runs its unfinished attempt for real.

The metrics folder counts the slots these attempts held (parallelism, wall clock) but takes
attempts, retries and usage from the tallies, so each is counted once.

Example::

    replay = Replay(spans=((0.0, 1.5),), restored=Restored(value="done"))
    # Scheduler.add() keeps it in scheduler.replays; fill() launches it via _launch_replay().
"""

from __future__ import annotations

import asyncio
import random
from typing import TYPE_CHECKING, Any

from .durable import Restored, Span
from .states import BACKOFF, RUNNING

if TYPE_CHECKING:
    from .scheduler import Scheduler

__all__ = ["Reenactor", "Replay"]


class Replay:
    """Recorded attempts of one task still to re-enact, and its stored outcome if it had one."""

    __slots__ = ("next", "restored", "spans")

    def __init__(self, spans: tuple[Span, ...], restored: Restored | None) -> None:
        self.spans = spans
        self.restored = restored
        self.next = 0

    def __repr__(self) -> str:
        return f"<Replay {self.next}/{len(self.spans)} restored={self.restored is not None}>"


class Reenactor:
    """The scheduler's re-enactment steps (a mixin: they use its state and events)."""

    def _launch_replay(self: Scheduler, i: int) -> None:
        """Re-enact the next recorded attempt of task ``i`` (the virtual clock; no work runs)."""
        replay = self.replays[i]
        if replay.next >= len(replay.spans):  # the earlier attempts are done: run it for real
            del self.replays[i]
            self._launch(i)
            return
        task = self.tasks[i]
        self.state[i] = RUNNING
        attempt = self.attempts[i] = self.attempts[i] + 1
        if task.profile in self.profile_running:
            self.profile_running[task.profile] += 1
        fields: dict[str, Any] = {"task": task.id, "attempt": attempt, "restored": True}
        if task.agent is not None:
            fields["agent"] = task.agent
        self.bus.emit("task.started", fields)
        self.running[i] = self.loop.create_task(self._replay_attempt(i, attempt))

    async def _replay_attempt(self: Scheduler, i: int, attempt: int) -> None:
        replay = self.replays[i]
        span = replay.spans[replay.next]
        replay.next += 1
        now = self.now()
        # It ends when it ended before (same start, same end), else after as long as it took.
        end = span[1] if now == span[0] else now + (span[1] - span[0])
        try:
            if end > now:
                waited: asyncio.Future[None] = self.loop.create_future()
                timer = self.loop.call_at(self._t0 + end, _set_done, waited)
                try:
                    await waited
                finally:
                    timer.cancel()
        except asyncio.CancelledError:
            if self.state[i] != RUNNING or not (self.cancel_requested or self.budget.exhausted):
                raise
            self._end_replay(i)
            self._cancel_task(i, self._stop_reason())
            self._after_change()
            return
        self._end_replay(i)
        if len(span) > 2:  # it retried: back off as the earlier run did
            delay = float(span[2])
            self._replay_jitter(attempt, delay)
            self.state[i] = BACKOFF
            fields = {"task": self.tasks[i].id, "attempt": attempt, "restored": True}
            self.bus.emit("task.retrying", {**fields, "delay": delay})
            self.backoff_timers[i] = self.loop.call_later(delay, self._requeue, i)
        elif replay.restored is not None:
            del self.replays[i]
            self._restore(i, replay.restored, kept=True)
        self._after_change()

    def _end_replay(self: Scheduler, i: int) -> None:
        del self.running[i]
        profile = self.tasks[i].profile
        if profile in self.profile_running:
            self.profile_running[profile] -= 1
            blocked = self.blocked[profile]
            if blocked:
                self.ready.appendleft(blocked.popleft())
        if self._budget_limited:
            self.budget.release(usd=self.reserved.pop(i, 0.0), steps=1)

    def _replay_jitter(self: Scheduler, attempt: int, delay: float) -> None:
        """Draw the backoff jitter the earlier run drew for this retry, if it drew any.

        A retry waits either a jittered backoff (one draw from the run's jitter stream) or the
        ``retry_after`` its fault named (no draw). Replaying the draw keeps the stream, and so
        every later retry's wait, the same as in the uninterrupted run.
        """
        probe = random.Random()
        probe.setstate(self._jitter.getstate())
        if self.backoff.delay(attempt - 1, probe) == delay:
            self._jitter = probe


def _set_done(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
