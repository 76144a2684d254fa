"""One episode: the orchestrator's loop over stages, run as the driver of a runtime run.

Two drivers share the machinery. A *plan* episode (``Single``, ``Heuristic``, ``Bandit``)
splits the scenario into ``width`` subtasks in stage 0 and submits them all to the scheduler
with their dependencies — each starts the moment its inputs exist — where a subtask's stage is
its depth in the subtask graph (the orchestrator turn in which K2.5 would assign it). An *LLM*
episode lets a model drive: each orchestrator turn is a task of its own, and the
``assign_task`` calls of one turn run concurrently. Both end with a ``finish`` stage that
merges the results, grades the answer and records the scores in ``run.finished``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._exceptions import TaskFailed
from ..metrics import quality as episode_quality
from ..protocol import ASSIGN_TASK, CREATE_SUBAGENT, ORCHESTRATOR_SYSTEM_PROMPT, ORCHESTRATOR_TOOLS
from .actions import AssignAction, FinishAction
from .agents import Agent, AgentLimitReached, AgentPool, run_agent
from .staged import StagedEpisode

if TYPE_CHECKING:
    from ..policies import Decision, Observation
    from ..runtime.run import Run
    from .config import EpisodeConfig

__all__ = ["Episode", "EpisodeDriver"]


class Episode:
    """One solved (or running) scenario: the run, the decision, the answer and the reward.

    Awaiting the episode waits for its run, then calls ``on_finish(episode)`` once — the
    swarm passes its learning step there (reward, then the policy's update).
    """

    def __init__(
        self,
        *,
        run: Run,
        scenario: Any,
        decision: Decision,
        observation: Observation,
        policy_name: str = "policy",
        on_finish: Callable[[Episode], None] | None = None,
    ) -> None:
        self.run = run
        self.policy_name = policy_name
        self._on_finish = on_finish
        self.scenario = scenario
        self.decision = decision
        self.observation = observation
        self.reward: float | None = None
        self._learned = False

    def __await__(self) -> Generator[Any, None, Episode]:
        return self._finish().__await__()

    async def _finish(self) -> Episode:
        await self.run
        if not self._learned:  # once, however often the episode is awaited
            self._learned = True
            if self._on_finish is not None:
                self._on_finish(self)
        return self

    # -- results -----------------------------------------------------------------------------
    @property
    def answer(self) -> Any:
        return self.run.answer

    @property
    def metrics(self) -> dict[str, Any]:
        return self.run.metrics

    @property
    def tasks(self) -> Any:
        return self.run.tasks

    @property
    def status(self) -> str:
        return self.run.status

    @property
    def trace_path(self) -> Path | None:
        return self.run.trace_path

    def dashboard(self, **options: Any) -> Any:
        return self.run.dashboard(**options)

    def __repr__(self) -> str:
        m = self.metrics if self.run.finished else {}
        quality = episode_quality(m)[0] if m else None
        shown = f" quality={quality:.3f}" if isinstance(quality, float) else ""
        steps = f" critical_steps={m['critical_steps']:.0f}" if m else ""
        return (
            f"<Episode {self.scenario.name} policy={self.policy_name} "
            f"{describe(self.decision)} status={self.status}{shown}{steps}>"
        )


class EpisodeDriver:
    """Drives one episode of ``scenario`` under ``decision`` on a live run."""

    def __init__(
        self,
        config: EpisodeConfig,
        scenario: Any,
        decision: Decision,
        observation: Observation,
        *,
        seed: int,
        policy_name: str,
    ) -> None:
        self.config = config
        self.scenario = scenario
        self.decision = decision
        self.observation = observation
        self.seed = seed
        self.policy_name = policy_name
        self.pool: AgentPool | None = None

    async def __call__(self, run: Run) -> Any:
        self.pool = AgentPool(
            run=run, models=self.config.subagents, max_subagents=self.config.max_subagents
        )
        staged = None
        if self.decision.mode == "llm":
            results, text, last_stage = await self._llm(run)
        elif self.decision.mode == "stages":  # the policy acts stage by stage (PARL)
            staged = StagedEpisode(self, run)
            results, text, last_stage = await staged()
        else:
            results, text, last_stage = await self._plan(run)
        self.pool.finish_all()
        if self.decision.mode == "plan":  # LLM and staged episodes record their own finish
            finish = FinishAction(answered=len(results)).event()
            run.emit("policy.decision", stage=last_stage + 1, **finish)
        answer = self.scenario.merge(results) if text is None else text
        scores = await self.scenario.agrade(answer)
        if staged is not None:
            staged.emit_rewards(scores)
        run.set_outcome(
            answer=self.scenario.format_answer(answer) if text is None else text, **scores
        )
        return answer

    # -- plan episodes -----------------------------------------------------------------------
    def _agent_work(self, agent: Agent, render: Callable[[Any], str], max_steps: int) -> Any:
        scenario, seed, options = self.scenario, self.seed, self.config.model_options
        context = self.config.context_strategy

        async def work(task: Any, ctx: Any) -> str:
            return await run_agent(
                agent, render(ctx), scenario=scenario, ctx=ctx, max_steps=max_steps,
                seed=seed, model_options=options, context=context,
            )  # fmt: skip

        return work

    async def _plan(self, run: Run) -> tuple[dict[str, str], None, int]:
        assert self.pool is not None
        decision, scenario = self.decision, self.scenario
        subtasks = scenario.split(decision.width)
        profile = decision.profile or next(iter(self.config.subagents))
        run.emit(
            "policy.decision",
            stage=0,
            policy=self.policy_name,
            features=dict(self.observation.features),
            probs=dict(decision.probs),
            **AssignAction(
                subtasks=tuple(s.id for s in subtasks), width=decision.width,
                profile=profile, logprob=decision.logprob,
            ).event(),
        )  # fmt: skip
        single = len(subtasks) == 1
        max_steps = self.config.max_single_agent_steps if single else self.config.max_subagent_steps
        depth: dict[str, int] = {}
        for i, sub in enumerate(subtasks):
            depth[sub.id] = 1 + max((depth[d] for d in sub.deps), default=-1)
            try:
                agent = self.pool.spawn(
                    profile=profile,
                    name=f"{scenario.role}-{i + 1}",
                    system_prompt=scenario.role_prompt,
                    role=scenario.role,
                )
            except AgentLimitReached:  # reuse the pool round-robin beyond the cap
                agent = list(self.pool.agents.values())[i % len(self.pool)]
            run.submit(
                sub.prompt,
                id=sub.id,
                deps=sub.deps,
                profile=profile,
                role=scenario.role,
                stage=depth[sub.id],
                agent=agent.id,
                max_retries=1,
                work=self._agent_work(
                    agent, lambda ctx, sub=sub: sub.render(ctx.inputs), max_steps
                ),
            )
        results: dict[str, str] = {}
        for sub in subtasks:
            with contextlib.suppress(TaskFailed):  # a missing result is graded as missing
                results[sub.id] = await run.result(sub.id)
        return results, None, max(depth.values(), default=0)

    # -- LLM episodes ------------------------------------------------------------------------
    async def _llm(self, run: Run) -> tuple[dict[str, str], str | None, int]:
        from ..models import complete

        model = self.decision.model or self.config.orchestrator_model
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": ORCHESTRATOR_SYSTEM_PROMPT},
            {"role": "user", "content": self.scenario.goal},
        ]
        results: dict[str, str] = {}
        final: str | None = None
        stage = 0
        for stage in range(self.config.max_orchestrator_steps):
            snapshot = list(messages)

            async def turn(task: Any, ctx: Any, snapshot: list[dict[str, Any]] = snapshot) -> Any:
                return await complete(
                    model=model, messages=snapshot, tools=ORCHESTRATOR_TOOLS, ctx=ctx,
                    seed=self.seed, **self.config.model_options,
                )  # fmt: skip

            turn_id = f"orchestrator-{stage:03d}"
            run.submit(f"orchestrator turn {stage}", id=turn_id, role="orchestrator",
                       stage=stage, max_retries=1, work=turn)  # fmt: skip
            try:
                reply = await run.result(turn_id)
            except TaskFailed:
                break
            messages.append(reply.message)
            names = [c.name for c in reply.tool_calls]
            run.emit("policy.decision", stage=stage, action="finish" if not names else "tools",
                     tools=names, policy=self.policy_name)  # fmt: skip
            if not reply.tool_calls:
                final = reply.content or ""
                break
            outs = await asyncio.gather(
                *(
                    self._handle(run, stage, n, call, results)
                    for n, call in enumerate(reply.tool_calls)
                )
            )
            messages.extend(
                {"role": "tool", "tool_call_id": call.id, "content": out}
                for call, out in zip(reply.tool_calls, outs, strict=True)
            )
        return results, final, stage

    async def _handle(
        self, run: Run, stage: int, n: int, call: Any, results: dict[str, str]
    ) -> str:
        assert self.pool is not None
        args = call.arguments
        if call.name == CREATE_SUBAGENT:
            profile = args.get("profile") or self.decision.profile
            if profile is not None and profile not in self.config.subagents:
                return (
                    f"ERROR: no subagent profile {profile!r}; "
                    f"choose one of {list(self.config.subagents)}"
                )
            try:
                agent = self.pool.spawn(
                    profile=profile or next(iter(self.config.subagents)),
                    name=str(args.get("name", f"agent-{len(self.pool) + 1}")),
                    system_prompt=str(args.get("system_prompt", "")),
                    role=self.scenario.role,
                )
            except AgentLimitReached as exc:
                return f"ERROR: {exc}"
            return f"created subagent {agent.name!r}"
        if call.name == ASSIGN_TASK:
            agent = self.pool.by_name(str(args.get("agent", "")))
            if agent is None:
                return f"ERROR: no subagent named {args.get('agent')!r}; create it first"
            prompt = str(args.get("prompt", ""))
            task_id = f"s{stage:03d}-{n:03d}"
            steps = self.config.max_subagent_steps
            run.submit(
                prompt, id=task_id, profile=agent.profile, role=self.scenario.role, stage=stage,
                agent=agent.id, max_retries=1,
                work=self._agent_work(agent, lambda ctx, p=prompt: p, steps),
            )  # fmt: skip
            try:
                result = await run.result(task_id)
            except TaskFailed as exc:
                return f"ERROR: the subtask did not complete ({exc.reason})"
            results[task_id] = result
            return result
        return f"ERROR: unknown tool {call.name!r}; use create_subagent or assign_task"


def describe(decision: Decision) -> str:
    """A one-line summary of a decision, for reprs and logs."""
    if decision.mode == "llm":
        return f"llm({decision.model or 'orchestrator'})"
    return json.dumps({"width": decision.width, "profile": decision.profile})
