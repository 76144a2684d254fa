"""Reading an OpenAI-format conversation: the task, the tool calls made, their results.

Oracles are stateless: every reply is decided from the conversation so far. This module turns
the message list (plain dicts, or litellm/pydantic message objects) into the facts an oracle
needs: the task text (the last user or system message carrying the scenario marker), and the
tool calls in order, each with its parsed arguments and its result once the tool answered.

Example::

    conv = Conversation.read(messages, marker="[scenario:wide_search-10x4-d2-s0]")
    conv.task                      # the subagent's prompt
    [c.name for c in conv.calls]   # ['search', 'open_page', ...]
    conv.calls[-1].ok              # the last call returned a non-error result

A user message that starts with :data:`SUMMARY_TAG` carries a summary of earlier turns that a
context strategy condensed (see :mod:`swarmnb.orchestrator.context_window`); its text is kept in
``conv.summaries`` so an oracle can treat the facts it lists as already found.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..protocol import SUMMARY_TAG

__all__ = ["SUMMARY_TAG", "Call", "Conversation", "is_error", "tool_names"]

#: Opens a message that stands in for condensed earlier turns (written by ``Summarize``).

_CACHE_SIZE = 256  # distinct first messages remembered
_BUCKET_SIZE = 128  # conversations remembered per first message
_cache: OrderedDict[tuple[str, str], list[Conversation]] = OrderedDict()
_cache_lock = threading.Lock()


def _get(obj: Any, key: str) -> Any:
    if type(obj) is dict:
        return obj.get(key)
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # OpenAI content parts
        return " ".join(str(_get(p, "text") or "") for p in content)
    return "" if content is None else str(content)


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(raw, str | bytes):
        try:
            value = json.loads(raw or "{}")
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}
    return {}


def _fingerprint(message: Any) -> str:
    return f"{_get(message, 'role')}\x00{_text(_get(message, 'content'))}"


def is_error(result: str | None) -> bool:
    """Whether a tool result reports a failure (or is missing)."""
    if result is None:
        return True
    head = result.lstrip()[:16].lower()
    return head.startswith(("error", "toolerror", "tool error"))


def tool_names(tools: Iterable[Any] | None) -> frozenset[str]:
    """The function names offered in an OpenAI ``tools`` list."""
    names: set[str] = set()
    for tool in tools or ():
        function = _get(tool, "function")
        name = _get(function, "name") if function is not None else _get(tool, "name")
        if isinstance(name, str):
            names.add(name)
    return frozenset(names)


@dataclass(slots=True)
class Call:
    """One tool call of the assistant, with the tool's answer once it came."""

    id: str
    name: str
    args: dict[str, Any]
    turn: int
    result: str | None = None

    @property
    def ok(self) -> bool:
        return not is_error(self.result)

    def arg(self, name: str) -> str:
        value = self.args.get(name)
        return value if isinstance(value, str) else ""


@dataclass(slots=True)
class Conversation:
    """The parts of a conversation an oracle decides from."""

    task: str = ""
    system: str = ""  #: all system messages, joined
    calls: list[Call] = field(default_factory=list)
    turns: int = 0  #: assistant messages so far
    summaries: list[str] = field(default_factory=list)  #: texts of SUMMARY_TAG messages
    #: scratch space for oracles that fold calls incrementally (by scenario key)
    memo: dict[str, Any] = field(default_factory=dict, repr=False)

    _n: int = field(default=0, repr=False)  # messages read so far
    _last: Any = field(default=None, repr=False)  # the last of them
    _by_id: dict[str, Call] = field(default_factory=dict, repr=False)
    _marker: str = field(default="", repr=False)

    @classmethod
    def read(cls, messages: Sequence[Any], *, marker: str) -> Conversation:
        """Parse ``messages``; a conversation that grew since an earlier read is parsed on.

        Agent loops append to their conversation, so re-parsing every message at every step
        would cost O(n²) over an episode. Recent conversations are remembered by their first
        message; one whose last-read message is still in place (the same object, or an equal
        copy) is continued with the new messages only.
        """
        if not messages:
            return cls(_marker=marker)
        key = (marker, _fingerprint(messages[0]))
        with _cache_lock:
            bucket = _cache.setdefault(key, [])
            _cache.move_to_end(key)
            conv = None
            for known in bucket:
                n = known._n
                if n <= len(messages) and (conv is None or n > conv._n):
                    last = messages[n - 1]
                    if last is known._last or last == known._last:
                        conv = known
            if conv is None:
                conv = cls(_marker=marker)
                bucket.append(conv)
                del bucket[:-_BUCKET_SIZE]
            conv._feed(messages[conv._n :])
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return conv

    def _feed(self, messages: Sequence[Any]) -> None:
        marker = self._marker
        for message in messages:
            self._n += 1
            self._last = message
            role = _get(message, "role")
            if role in ("user", "system"):
                text = _text(_get(message, "content"))
                if role == "system":
                    self.system = f"{self.system}\n{text}" if self.system else text
                if text.startswith(SUMMARY_TAG):
                    self.summaries.append(text)
                elif marker in text:
                    self.task = text
            elif role == "assistant":
                self.turns += 1
                for n, raw in enumerate(_get(message, "tool_calls") or ()):
                    function = _get(raw, "function") or raw
                    call = Call(
                        id=str(_get(raw, "id") or f"call-{self.turns}-{n}"),
                        name=str(_get(function, "name") or ""),
                        args=_arguments(_get(function, "arguments")),
                        turn=self.turns,
                    )
                    self.calls.append(call)
                    self._by_id[call.id] = call
            elif role == "tool":
                call = self._by_id.get(str(_get(message, "tool_call_id")))
                if call is not None:
                    call.result = _text(_get(message, "content"))

    def last_turn_calls(self) -> list[Call]:
        """The tool calls of the latest assistant turn (empty if it made none)."""
        return [c for c in self.calls if c.turn == self.turns]
