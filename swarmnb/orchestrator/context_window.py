"""Context-window strategies: what a single agent does when its conversation outgrows the window.

A long-horizon agent appends every tool result to one conversation, so on a wide task its
prompt grows until the model's accuracy sags ("context rot") and, finally, the provider
refuses it. The K2.5 report compares three ways of coping with that inside one agent, against
the swarm's answer — shard the context over subagents, so no single prompt grows:

- :class:`KeepAll` — keep every turn (the plain agent; it overflows on wide tasks);
- :class:`DiscardAll` — once the prompt passes ``threshold`` of the window, reset the
  conversation to the system prompt and the task, plus a note saying what was dropped;
- :class:`Summarize` — once past ``threshold``, replace the older turns with a summary written
  by a model call (through :func:`swarmnb.models.complete`, so its steps and dollars count).

A strategy is given to every agent of a swarm with ``Swarm(context_strategy=...)``; ``fit``
runs before each of the agent's turns. (This module was ``swarmnb.orchestrator.context``; that
name still imports, with a ``DeprecationWarning``, for one release.)

Example::

    swarm = sn.Swarm(policy=sn.policies.Single(), context_strategy=Summarize(threshold=0.8))
    ep = await swarm.solve(sn.scenarios.WideSearch(n_items=200, seed=0))
    swarm.context_strategy.triggered   # how many times it condensed a conversation
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, ClassVar

from .._exceptions import ModelError
from ..protocol import SUMMARY_INTRO, SUMMARY_TAG

__all__ = [
    "STRATEGIES",
    "DiscardAll",
    "KeepAll",
    "Summarize",
    "context_window",
    "make_strategy",
]

Messages = list[dict[str, Any]]

_MARKER = re.compile(r"\[scenario:[^\]\s]+\]")

DISCARD_NOTE = (
    "[context reset] {n} earlier messages (tool calls and their results, the last one {last}) "
    "were discarded to free the context window; what they contained is no longer visible. "
    "Continue the task."
)
SUMMARY_REQUEST = (
    "Your context window is nearly full. Summarize the work so far for yourself ({n} messages, "
    "the last one {last}): list every fact you have found that the final answer needs, in the "
    "final answer's format, exactly as the sources state them. Do not call tools."
)


def context_window(model: str) -> int:
    """Prompt tokens ``model`` accepts: the sim profile's window, else litellm's model info.

    Raises :class:`~swarmnb.ModelError` when neither knows the model (pass ``window=`` then).
    """
    from ..models._litellm import litellm
    from ..models.sim import sim_profile_or_none

    profile = sim_profile_or_none(model)
    if profile is not None:
        return profile.context_window
    try:
        info = litellm.get_model_info(model)
    except Exception as exc:  # litellm raises a bare Exception for unknown models
        raise ModelError(
            f"the context window of {model!r} is unknown; pass window=<tokens> to the strategy"
        ) from exc
    window = info.get("max_input_tokens") or info.get("max_tokens")
    if not window:
        raise ModelError(f"litellm reports no context window for {model!r}; pass window=")
    return int(window)


def _plain(messages: Sequence[Any]) -> Messages:
    from ..models.sim import plain_messages

    return plain_messages(messages)


def _last_call(messages: Messages) -> str:
    """The id of the last tool result in ``messages`` (or a count): it names what a note or a
    request covers, so no two of them read alike — a conversation reader that continues a
    cached conversation from an equal last message must not mistake one rewrite for another.
    """
    for message in reversed(messages):
        if message.get("role") == "tool" and message.get("tool_call_id"):
            return str(message["tool_call_id"])
    return f"message {len(messages)}"


def _head_len(messages: Messages) -> int:
    """Leading system messages plus the first user message (the task) — never dropped."""
    for i, message in enumerate(messages):
        if message.get("role") == "user":
            return i + 1
    return len(messages)


class KeepAll:
    """Keep every turn: the plain single agent, whose prompt grows until it overflows."""

    name: ClassVar[str] = "keep-all"

    def __init__(self) -> None:
        self.triggered = 0  #: always 0: this strategy never rewrites

    async def fit(self, messages: Messages, *, agent: Any, scenario: Any, ctx: Any) -> Messages:
        return messages

    def __repr__(self) -> str:
        return "KeepAll()"


class _Windowed:
    """Shared part of the strategies that act once the prompt passes a share of the window."""

    name: ClassVar[str] = "windowed"

    def __init__(self, *, threshold: float = 0.8, window: int | None = None) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], not {threshold!r}")
        if window is not None and (isinstance(window, bool) or window < 1):
            raise ValueError(f"window must be a positive number of tokens, not {window!r}")
        self.threshold = float(threshold)
        self.window = window
        self.triggered = 0  #: conversations rewritten so far, over every agent that used it

    def limit(self, model: str) -> int:
        """The prompt size (tokens) above which the strategy acts, for ``model``."""
        return int(self.threshold * (self.window or context_window(model)))

    @staticmethod
    def tokens(messages: Messages, scenario: Any) -> int:
        """Estimated prompt tokens of the next turn (messages plus the scenario's tools)."""
        from ..models import estimate_tokens

        tools = scenario.tools() if hasattr(scenario, "tools") else None
        return estimate_tokens(messages, tools)

    def _over(self, messages: Messages, *, agent: Any, scenario: Any) -> bool:
        return self.tokens(messages, scenario) > self.limit(agent.model)

    def __repr__(self) -> str:
        window = f", window={self.window}" if self.window else ""
        return f"{type(self).__name__}(threshold={self.threshold}{window})"


class DiscardAll(_Windowed):
    """Past ``threshold`` of the window, drop every turn after the task and add a note.

    Cheap and simple, and right for tasks where the latest observations suffice. On a task
    whose facts must all be kept — a WideSearch table wider than one window — what was found
    is lost with the turns: the agent starts over and, in the end, runs out of steps.
    """

    name: ClassVar[str] = "discard-all"

    async def fit(self, messages: Messages, *, agent: Any, scenario: Any, ctx: Any) -> Messages:
        msgs = _plain(messages)
        if not self._over(msgs, agent=agent, scenario=scenario):
            return messages
        head = _head_len(msgs)
        dropped = len(msgs) - head
        if dropped <= 1:  # nothing left to drop but a previous note
            return messages
        self.triggered += 1
        note = DISCARD_NOTE.format(n=dropped, last=_last_call(msgs))
        return [*msgs[:head], {"role": "user", "content": note}]


class Summarize(_Windowed):
    """Past ``threshold`` of the window, replace older turns with a model-written summary.

    The summary is one extra model call (``model``, default the agent's own) over the turns
    being condensed, with no tools offered; it goes back into the conversation as a user
    message opening with :data:`~swarmnb.protocol.SUMMARY_TAG`, followed by
    the ``keep_last`` most recent turns verbatim. Its facts are as accurate as the long prompt
    it was written from allowed; later summaries carry earlier ones forward.
    """

    name: ClassVar[str] = "summarize"

    def __init__(
        self,
        *,
        threshold: float = 0.8,
        window: int | None = None,
        keep_last: int = 1,
        model: str | None = None,
    ) -> None:
        super().__init__(threshold=threshold, window=window)
        if isinstance(keep_last, bool) or not isinstance(keep_last, int) or keep_last < 0:
            raise ValueError(f"keep_last must be an int ≥ 0, not {keep_last!r}")
        self.keep_last = keep_last
        self.model = model

    def _cut(self, messages: Messages, head: int) -> int:
        """Where the kept recent turns begin (each turn opens with an assistant message)."""
        turns = [i for i in range(head, len(messages)) if messages[i].get("role") == "assistant"]
        if self.keep_last and len(turns) > self.keep_last:
            return turns[-self.keep_last]
        return len(messages) if not self.keep_last else head

    async def fit(self, messages: Messages, *, agent: Any, scenario: Any, ctx: Any) -> Messages:
        from ..models import complete

        msgs = _plain(messages)
        if not self._over(msgs, agent=agent, scenario=scenario):
            return messages
        head = _head_len(msgs)
        cut = self._cut(msgs, head)
        older = msgs[head:cut]
        if not any(m.get("role") == "assistant" for m in older):
            return messages  # nothing to condense: the prompt is the task and a summary
        request = SUMMARY_REQUEST.format(n=len(older), last=_last_call(older))
        reply = await complete(
            model=self.model or agent.model,
            messages=[*msgs[:cut], {"role": "user", "content": request}],
            ctx=ctx,
            seed=getattr(ctx, "seed", 0),
        )
        text = _MARKER.sub("", reply.content or "").strip()
        self.triggered += 1
        summary = {"role": "user", "content": f"{SUMMARY_TAG} {SUMMARY_INTRO}\n\n{text}"}
        return [*msgs[:head], summary, *msgs[cut:]]

    def __repr__(self) -> str:
        window = f", window={self.window}" if self.window else ""
        model = f", model={self.model!r}" if self.model else ""
        return f"Summarize(threshold={self.threshold}, keep_last={self.keep_last}{window}{model})"


STRATEGIES: dict[str, type[KeepAll] | type[DiscardAll] | type[Summarize]] = {
    KeepAll.name: KeepAll,
    DiscardAll.name: DiscardAll,
    Summarize.name: Summarize,
}


def make_strategy(name: str, **options: Any) -> KeepAll | DiscardAll | Summarize:
    """A strategy by name: ``"keep-all"``, ``"discard-all"`` or ``"summarize"``."""
    try:
        cls = STRATEGIES[name]
    except KeyError:
        raise ValueError(
            f"unknown context strategy {name!r}; choose one of {sorted(STRATEGIES)}"
        ) from None
    return cls(**options)
