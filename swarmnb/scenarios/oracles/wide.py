"""The ideal WideSearch worker a ``sim/`` model plays: look each company up, then answer.

It searches each company listed in its task, opens its page, and answers with the rows it
found — each attribute right with probability ``accuracy``. Facts kept in a context summary
count as found. The environment (:class:`~swarmnb.scenarios.WideSearch`) only delegates here.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...oracle import SimReply, final_reply, tool_reply
from .._conversation import Conversation
from .._corpus import norm_title
from .._grading import parse_rows
from .._names import NameForge

if TYPE_CHECKING:
    from ..wide import WideSearch

__all__ = ["items_in", "respond", "row"]


@dataclass(slots=True)
class _Progress:
    """What a worker's conversation has looked up so far, folded call by call.

    ``known`` holds the rows listed in context summaries (``conv.summaries``): facts found in
    turns that were condensed away count as found, with the values the summary states.
    """

    done: int = 0
    searched: set[int] = field(default_factory=set)
    opened: set[int] = field(default_factory=set)
    tries: Counter[int] = field(default_factory=Counter)
    known: dict[int, dict[str, str]] = field(default_factory=dict)
    summaries: int = 0

    def fold(self, conv: Conversation, sc: WideSearch) -> None:
        for text in conv.summaries[self.summaries :]:
            for row in parse_rows(text):
                i = sc._index.get(norm_title(row["name"]))
                if i is not None:
                    self.known[i] = row
        self.summaries = len(conv.summaries)
        calls = conv.calls
        # A call is settled once answered, or once a later turn began without its answer.
        while self.done < len(calls) and (
            calls[self.done].result is not None or calls[self.done].turn < conv.turns
        ):
            call = calls[self.done]
            self.done += 1
            if call.name == "search":
                i, bucket = sc._index.get(norm_title(call.arg("query"))), self.searched
            elif call.name == "open_page":
                i, bucket = sc._urls.get(call.arg("url").strip()), self.opened
            else:
                continue
            if i is not None:
                self.tries[i] += 1
                if call.ok:
                    bucket.add(i)


def items_in(sc: WideSearch, task: str) -> list[int]:
    cached = sc._items_cache.get(task)
    if cached is not None:
        return cached
    found = []
    for line in task.splitlines():
        if line.startswith("- "):
            i = sc._index.get(norm_title(line[2:]))
            if i is not None:
                found.append(i)
    if len(sc._items_cache) > 256:
        sc._items_cache.clear()
    sc._items_cache[task] = found
    return found


def row(sc: WideSearch, i: int, accuracy: float, rng: random.Random) -> dict[str, str]:
    row = {"name": sc.names[i]}
    for j, attr in enumerate(sc.attributes):
        value = sc._values[i][j]
        if rng.random() >= accuracy:
            alts = sc._alts[i]
            if alts:
                value = rng.choice(alts)[j]
            else:
                value = sc._different(attr, value, rng, NameForge(rng), [value + " City"])
        row[attr.key] = value
    return row


def respond(
    sc: WideSearch, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
) -> SimReply:
    items = items_in(sc, conv.task)
    if not items:
        return final_reply("The task lists no company I can look up.")
    state = conv.memo.get(sc.key)
    if state is None:
        state = conv.memo[sc.key] = _Progress()
    state.fold(conv, sc)
    searched, opened, tries, known = state.searched, state.opened, state.tries, state.known
    if can_act:
        for i in items:
            if i in opened or i in known or tries[i] >= 4:  # done, or given up
                continue
            if i in searched:
                return tool_reply("open_page", url=sc.urls[i])
            return tool_reply("search", query=sc.names[i])
    rows = [
        row(sc, i, accuracy, rng) if i in opened else known[i]
        for i in items
        if i in opened or i in known
    ]
    return final_reply(sc.format_answer(rows))
