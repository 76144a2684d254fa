"""The ideal MixedCoding worker a ``sim/`` model plays: write, test, fix, report.

For each module in its task it writes a source (a buggy variant with probability
``1 - accuracy``), runs its tests, rewrites it up to ``MAX_WRITES`` times, then reports PASS/FAIL
per module. The environment (:class:`~swarmnb.scenarios.MixedCoding`) only delegates here.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from ...oracle import SimReply, final_reply, tool_reply
from .._conversation import Conversation

if TYPE_CHECKING:
    from ..coding import MixedCoding

__all__ = ["respond", "write"]

#: A module line of a task prompt: "- m03.py: …".
_MODULE_LINE = re.compile(r"^- (m\d+)\.py:", re.MULTILINE)


def write(sc: MixedCoding, name: str, accuracy: float, rng: random.Random) -> SimReply:
    module = sc._by_name[name]
    bugs = sc._bugs[name]
    expr = None if rng.random() < accuracy or not bugs else rng.choice(bugs)
    return tool_reply("write_file", path=module.path, content=module.source(expr))


def respond(
    sc: MixedCoding, conv: Conversation, *, can_act: bool, accuracy: float, rng: random.Random
) -> SimReply:
    names = [n for n in _MODULE_LINE.findall(conv.task) if n in sc._by_name]
    if not names:
        return final_reply("The task names no module I know.")
    writes: Counter[str] = Counter()
    passed: dict[str, bool | None] = {}
    for call in conv.calls:
        name = Path(call.arg("path") or call.arg("module")).name
        name = name.removesuffix(".py").removeprefix("test_")
        if name not in sc._by_name:
            continue
        if call.name == "write_file":
            writes[name] += 1
            passed[name] = None
        elif call.name == "run_tests" and call.result is not None:
            passed[name] = call.result.lstrip().startswith("PASS")
    if can_act:
        for name in names:
            state = passed.get(name)
            if state is True:
                continue
            if writes[name] == 0:
                return write(sc, name, accuracy, rng)
            if state is None:
                return tool_reply("run_tests", module=name)
            if writes[name] < sc.MAX_WRITES:
                return write(sc, name, accuracy, rng)
    return final_reply("\n".join(f"{n}: {'PASS' if passed.get(n) else 'FAIL'}" for n in names))
