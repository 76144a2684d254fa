"""The ideal DeepSearch worker a ``sim/`` model plays: follow the chain hop by hop.

For each hop in its task it searches the current name, opens the right page (a look-alike
with probability ``1 - accuracy``) and reads the relation. The environment
(:class:`~swarmnb.scenarios.DeepSearch`) only delegates here.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

from ...oracle import SimReply, final_reply, tool_reply
from .._base import parse_results
from .._conversation import Conversation
from .._corpus import norm_title
from .._grading import parse_final_answer

if TYPE_CHECKING:
    from ..deep import DeepSearch

__all__ = ["respond", "start"]

#: A hop line of a task prompt: "- hop-3: …".
_HOP_LINE = re.compile(r"^- hop-(\d+):", re.MULTILINE)


def start(sc: DeepSearch, task: str, first_hop: int) -> str:
    if first_hop == 1:
        return sc.chain[0]
    given = parse_results(task).get(sc._hop_id(first_hop - 1))
    name = parse_final_answer(given) if given else ""
    # Without the previous result in the prompt, assume it was found correctly.
    return name or sc.chain[first_hop - 1]


def respond(
    sc: DeepSearch, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
) -> SimReply:
    hops = [int(h) for h in _HOP_LINE.findall(conv.task) if 1 <= int(h) <= sc.hops]
    if not hops:
        return final_reply("ANSWER: unknown (the task names no step I know)")
    current, done = start(sc, conv.task, hops[0]), 0
    for call in conv.calls:
        if call.name == "open_page" and call.ok and done < len(hops):
            page = sc._corpus.page(call.arg("url"))
            value = page.get(sc.relations[hops[done] - 1].label) if page else None
            if value:
                current, done = value, done + 1
    give_up = len(conv.calls) > 4 * len(hops) + 6
    if done == len(hops) or not can_act or give_up:
        return final_reply(sc.format_answer(current))
    last = conv.calls[-1] if conv.calls else None
    if not (
        last is not None
        and last.name == "search"
        and last.ok
        and norm_title(last.arg("query")) == norm_title(current)
    ):
        return tool_reply("search", query=current)
    results = sc._corpus.search(current)
    if not results:
        return final_reply(sc.format_answer(current))
    want = norm_title(current)
    exact = [r["url"] for r in results if norm_title(r["title"]) == want]
    kind = sc._kinds.get(current) or sc._corpus.page(results[0]["url"]).kind
    alike = [
        r["url"]
        for r in results
        if norm_title(r["title"]) != want and sc._corpus.page(r["url"]).kind == kind
    ]
    if exact and (not alike or rng.random() < accuracy):
        return tool_reply("open_page", url=exact[0])
    return tool_reply("open_page", url=rng.choice(alike) if alike else results[0]["url"])
