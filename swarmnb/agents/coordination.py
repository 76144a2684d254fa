"""Help, decisions and shared context between agents, over the bus.

* **Help**: ``await reg.ask("tech-lead", "is this API safe?")`` sends a :class:`HelpRequest` on
  ``swarmnb.agent.help.<role>`` (request/reply); the registry answers it by running the
  question on the least-loaded agent of that role, first in its queue (priority 1), and replies
  with a :class:`HelpOffer`. Agents ask the same way through the ``ask_help`` tool, which needs
  the ``agents.help`` capability.
* **Decisions**: ``await reg.decide("decision-maker", "ship?", ["ship", "wait"])`` — a
  :class:`DecisionRequest` answered with a :class:`DecisionMade` (choice, reasoning, made by);
  every decision is also shared as context of type ``"decision"``.
* **Shared context**: ``await reg.share("knowledge", {...}, ttl_s=600)`` publishes on
  ``swarmnb.context.shared``; ``reg.context()`` is what is currently shared (expired entries
  dropped), and every agent sees it at the top of its prompt.

Example::

    await reg.share("knowledge", {"style": "PEP 8, type hints"})
    offer = await reg.ask("qa", "which edge cases matter for parse_date?")
    made = await reg.decide("decision-maker", "ship v2 today?", ["ship", "wait"])
    made.choice, made.made_by
"""

from __future__ import annotations

import json
from typing import Any

from ..bus.messages import (
    DecisionMade,
    DecisionRequest,
    HelpOffer,
    HelpRequest,
    SharedContext,
    subjects,
)
from .tools import Tool, make_tool

__all__ = ["Coordination"]


class Coordination:
    """The registry's side of help, decisions and shared context (mixed into ``Registry``)."""

    _shared: list[tuple[float | None, SharedContext]]
    _replies: set[Any]
    bus: Any
    _manifests: dict[str, Any]

    async def _serve_requests(self, sub: Any) -> None:
        async for msg in sub:
            self._spawn_reply(msg)

    def _spawn_reply(self, msg: Any) -> None:
        import asyncio

        task = asyncio.get_running_loop().create_task(self._answer(msg))
        self._replies.add(task)
        task.add_done_callback(self._replies.discard)

    async def _answer(self, msg: Any) -> None:
        role = msg.subject.rsplit(".", 1)[-1]
        if role not in self._manifests or not msg.reply:
            return  # not ours to answer: the asker times out
        if msg.subject.startswith("swarmnb.agent.help."):
            req = msg.parse(HelpRequest)
            res = await self.submit(role, req.question, priority=1)
            await msg.respond(HelpOffer(from_agent=res.agent or role,
                                        answer=res.output or f"ERROR: {res.error}"))  # fmt: skip
            return
        dreq = msg.parse(DecisionRequest)
        prompt = (
            f"{dreq.question}\n\nChoose exactly one of: {', '.join(dreq.options)}. "
            "Start your answer with the option you choose, then give your reasons."
        )
        res = await self.submit(role, prompt, priority=1)
        text = res.output or ""
        lowered = text.lower()
        picks = [(lowered.find(o.lower()), o) for o in dreq.options if o.lower() in lowered]
        choice = min(picks)[1] if picks else dreq.options[0]
        made = DecisionMade(choice=choice, reasoning=text or (res.error or ""),
                            made_by=res.agent or role)  # fmt: skip
        await self.share("decision", {"question": dreq.question, **made.model_dump()},
                         from_agent=made.made_by)  # fmt: skip
        await msg.respond(made)

    # -- public ------------------------------------------------------------------------------
    async def ask(
        self, role: str, question: str, *, from_agent: str = "user",
        timeout: float = 300.0,
    ) -> HelpOffer:  # fmt: skip
        """Ask an agent of ``role`` for help; its answer as a :class:`HelpOffer`."""
        self._installed(role)
        req = HelpRequest(from_agent=from_agent, roles=[role], question=question)
        reply = await self.bus.request(subjects.help(role), req, timeout=timeout)
        return reply.parse(HelpOffer)

    async def decide(
        self, role: str, question: str, options: list[str],
        *, from_agent: str = "user", timeout: float = 300.0,
    ) -> DecisionMade:  # fmt: skip
        """Ask an agent of ``role`` to choose one of ``options``; shared as a decision."""
        self._installed(role)
        if not options:
            from .._exceptions import RegistryError

            raise RegistryError("a decision needs at least one option")
        req = DecisionRequest(from_agent=from_agent, question=question, options=list(options))
        reply = await self.bus.request(subjects.decision(role), req, timeout=timeout)
        return reply.parse(DecisionMade)

    async def share(
        self, type: str, data: dict[str, Any], *,
        ttl_s: float | None = None, from_agent: str = "user",
    ) -> None:  # fmt: skip
        """Share context with every agent (kept until ``ttl_s`` seconds have passed)."""
        await self.bus.publish(
            subjects.shared_context,
            SharedContext(from_agent=from_agent, type=type, data=data, ttl_s=ttl_s),
        )

    def _on_shared(self, data: dict[str, Any]) -> None:
        item = SharedContext.model_validate(data)
        expires = None if item.ttl_s is None else self.now() + item.ttl_s
        self._shared.append((expires, item))

    def context(self, type: str | None = None) -> list[dict[str, Any]]:
        """What is shared now, oldest first: ``{"type", "from", "data"}`` per entry."""
        now = self.now()
        self._shared = [(e, c) for e, c in self._shared if e is None or e > now]
        return [
            {"type": c.type, "from": c.from_agent, "data": c.data}
            for _, c in self._shared
            if type is None or c.type == type
        ]

    def _context_prompt(self) -> str:
        items = self.context()
        if not items:
            return ""
        lines = [
            f"- {i['type']} from {i['from']}: {json.dumps(i['data'])[:300]}" for i in items[-8:]
        ]
        return "Shared context from your team:\n" + "\n".join(lines)

    def _help_tool(self) -> Tool:
        registry = self

        async def ask_help(role: str, question: str) -> str:
            """Ask an agent of another role for help and wait for its answer.

            Args:
                role: the role to ask (e.g. "qa", "tech-lead").
                question: what you need to know.
            """
            offer = await registry.ask(role, question, from_agent="agent", timeout=120.0)
            return f"{offer.from_agent}: {offer.answer}"

        return make_tool(ask_help, capability="agents.help")
