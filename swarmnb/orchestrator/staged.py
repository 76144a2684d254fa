"""Staged episodes: the orchestrator decides stage by stage (assign, join, replan, tool, finish).

A policy whose :class:`~swarmnb.policies.Decision` has ``mode="stages"`` is asked for one
:class:`~swarmnb.policies.stages.StageAction` per orchestrator stage. Each decision is a
``policy.decision`` event with the observation the policy saw, the action, its log-prob and
the probabilities it was drawn from. Subagents launched in a stage run concurrently on the
scheduler and carry that stage, so critical steps are ``Σ_stages (1 + max_i S_sub,i)``.

The episode's resource budget is in critical steps
(:func:`~swarmnb.policies.rewards.critical_step_budget`): subagents get no more steps than
the budget has left, and once it is spent the episode finishes with what it has. After
grading, every decision's reward terms are written as ``policy.reward`` events, so training
data can be exported from traces alone.

Example::

    swarm = sn.Swarm(policy=sn.policies.PARL(seed=0))
    ep = swarm.solve_sync(sn.scenarios.WideSearch(n_items=20, seed=0))
    [e for e in ep.run.events if e["kind"] == "policy.decision"]
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._exceptions import TaskFailed
from ..metrics import compute_metrics
from ..policies.rewards import RewardTerms, critical_step_budget, episode_terms, r_parallel
from ..policies.stages import ACTION_KINDS, WIDTHS, StageAction, StageObservation, action_mask
from .agents import AgentLimitReached

if TYPE_CHECKING:
    from ..runtime.run import Run
    from .episode import EpisodeDriver

__all__ = ["StagedEpisode"]

#: the orchestrator's own context, in characters, for the context-fill feature
ORCHESTRATOR_CONTEXT_CHARS = 128_000 * 4


@dataclass(slots=True)
class _Sub:
    """One subtask of the decomposition and what became of it."""

    sub: Any
    status: str = "pending"  # pending | running | done | failed
    result: str | None = None
    suspect: bool = False
    attempts: int = 0
    stage: int = -1
    future: asyncio.Future[Any] | None = None
    agent: str | None = None  # the subagent working on it now


class StagedEpisode:
    """Runs the stage loop of one episode for an :class:`EpisodeDriver`."""

    def __init__(self, driver: EpisodeDriver, run: Run) -> None:
        self.driver = driver
        self.run = run
        self.config = driver.config
        self.scenario = driver.scenario
        self.policy = driver.config.policy
        draws = getattr(self.policy, "draws", None)  # the policy's own stream, if it has one
        self.rng = random.Random(
            f"stages:{driver.seed}" + (f":{draws}" if draws is not None else "")
        )
        features = dict(self.scenario.features())
        self.features = features
        self.budget = critical_step_budget(features)
        self.max_stages = int(getattr(self.policy, "max_stages", 12))
        self.subs: dict[str, _Sub] = {}
        self.order: list[str] = []
        self.stage_steps: dict[int, int] = {}  # stage → max subagent steps seen so far
        self.task_steps: dict[str, int] = {}
        self.spawned = 0
        self.busy: set[str] = set()  # subagents working on a subtask; the others are idle
        self.assigned = 0
        self.finished = 0  # assignments that came back with a usable result
        self.replans = 0
        self.tool_calls = 0
        self.context_chars = 0
        self.last = "none"
        self.decisions: list[dict[str, Any]] = []

    # -- observation ---------------------------------------------------------------------------
    def steps_used(self, stage: int) -> float:
        """Critical steps so far: one per orchestrator stage plus each stage's longest subagent."""
        return float(stage + sum(self.stage_steps.values()))

    def observe(self, stage: int) -> StageObservation:
        f = self.features
        subs = self.subs.values()
        done = {sid for sid, s in self.subs.items() if s.status == "done"}
        ready = sum(1 for s in subs if s.status == "pending" and all(d in done for d in s.sub.deps))
        pending = sum(1 for s in subs if s.status == "pending")
        return StageObservation(
            kind=self.scenario.name,
            units=int(f.get("n_items", 1)),
            depth=int(f.get("depth", 1)),
            width_max=int(f.get("width_max", 1)),
            stage=stage,
            max_stages=self.max_stages,
            split=bool(self.subs),
            planned=len(self.subs),
            done=sum(1 for s in subs if s.status == "done" and not s.suspect),
            running=sum(1 for s in subs if s.status == "running"),
            ready=ready,
            blocked=pending - ready,
            suspect=sum(1 for s in subs if s.status in ("done", "failed") and s.suspect),
            replans=self.replans,
            tool_calls=self.tool_calls,
            steps_used=self.steps_used(stage),
            step_budget=self.budget,
            spawned=self.spawned,
            idle=self.spawned - len(self.busy),
            max_subagents=self.config.max_subagents,
            context_fill=self.context_chars / ORCHESTRATOR_CONTEXT_CHARS,
            profiles=tuple(self.config.subagents),
            last=self.last,
        )

    # -- the loop ------------------------------------------------------------------------------
    async def __call__(self) -> tuple[dict[str, str], None, int]:
        stage = 0
        while True:
            obs = self.observe(stage)
            forced = stage >= self.max_stages - 1 or obs.steps_used >= self.budget
            action = StageAction(kind="finish") if forced else self.policy.act(obs, self.rng)
            action = self._valid(obs, action)
            self._record(stage, obs, action, forced=forced)
            if action.kind == "finish":
                break
            await getattr(self, f"_{action.kind}")(stage, action)
            self.last = action.kind
            stage += 1
        await self._join_all()
        results = {sid: s.result for sid in self.order if (s := self.subs[sid]).result is not None}
        return results, None, stage

    def _valid(self, obs: StageObservation, action: StageAction) -> StageAction:
        """An impossible choice (from an untrained or external policy) becomes ``finish``."""
        mask = action_mask(obs, tuple(getattr(self.policy, "widths", ())) or WIDTHS)
        if not mask["kind"][ACTION_KINDS.index(action.kind)]:
            return StageAction(kind="finish", logprob=action.logprob, probs=action.probs)
        bad_args = action.width < 1 or action.profile not in self.config.subagents
        if action.kind in ("assign", "replan") and bad_args:
            return StageAction(kind="finish", logprob=action.logprob, probs=action.probs)
        return action

    def _record(
        self, stage: int, obs: StageObservation, action: StageAction, *, forced: bool
    ) -> None:
        fields: dict[str, Any] = {"action": action.kind}
        if action.kind in ("assign", "replan"):
            fields.update(width=action.width, profile=action.profile)
        event = {
            "stage": stage,
            "policy": self.policy.name,
            **fields,
            "observation": obs.as_dict(),
            "logprob": action.logprob,
            "probs": action.probs,
            "forced": forced,
        }
        self.decisions.append({"stage": stage, "spawned_before": self.spawned})
        self.run.emit("policy.decision", **event)

    # -- actions -------------------------------------------------------------------------------
    async def _assign(self, stage: int, action: StageAction) -> None:
        if not self.subs:
            units = int(self.features.get("n_items", 1))
            for sub in self.scenario.split(max(1, min(action.width, units))):
                self.subs[sub.id] = _Sub(sub=sub)
                self.order.append(sub.id)
        if not self._ready() and any(s.status == "running" for s in self.subs.values()):
            await self._join_all()  # the inputs are still running: wait for them first
        ready = self._ready()
        self._launch(stage, ready[: action.width], action.profile or "")

    def _ready(self) -> list[str]:
        done = {sid for sid, s in self.subs.items() if s.status == "done"}
        return [
            sid
            for sid in self.order
            if self.subs[sid].status == "pending"
            and all(d in done for d in self.subs[sid].sub.deps)
        ]

    async def _join(self, stage: int, action: StageAction) -> None:
        await self._join_all()

    async def _replan(self, stage: int, action: StageAction) -> None:
        self.replans += 1
        await self._join_all()
        redo = [sid for sid in self.order if self.subs[sid].suspect][: action.width]
        for sid in redo:
            s = self.subs[sid]
            s.status, s.result, s.suspect = "pending", None, False
        self._launch(stage, redo, action.profile or "")

    async def _tool_call(self, stage: int, action: StageAction) -> None:
        from ..scenarios import ToolError

        self.tool_calls += 1
        tools = self.scenario.tools()
        if not tools:
            return
        fn = tools[0]["function"]
        params = list(fn["parameters"]["properties"])
        pending = [s for s in self.subs.values() if s.status != "done"]
        items = pending[0].sub.items if pending else ()
        value = str(items[0]) if items else self.scenario.name
        try:
            text = await self.scenario.call_tool(fn["name"], {params[0]: value} if params else {})
            ok = True
        except ToolError as exc:
            text, ok = str(exc), False
        self.context_chars += len(text)
        self.run.emit("tool.call", tool=fn["name"], ok=ok, stage=stage, role="orchestrator")

    def _launch(self, stage: int, sids: list[str], profile: str) -> None:
        driver, scenario = self.driver, self.scenario
        single = len(self.subs) == 1
        cap = self.config.max_single_agent_steps if single else self.config.max_subagent_steps
        left = int(self.budget - self.steps_used(stage) - 2)
        max_steps = max(1, min(cap, left))
        done = {sid: s.result for sid, s in self.subs.items() if s.status == "done"}
        pool = driver.pool
        assert pool is not None
        idle = [a for a in pool.agents.values() if a.profile == profile and a.id not in self.busy]
        for sid in sids:
            s = self.subs[sid]
            if idle:  # an agent that has answered takes the next subtask: no new spawn
                agent = idle.pop(0)
            else:
                try:
                    agent = pool.spawn(
                        profile=profile,
                        name=f"{scenario.role}-{self.spawned + 1}",
                        system_prompt=scenario.role_prompt,
                        role=scenario.role,
                    )
                except AgentLimitReached:
                    break
                self.spawned += 1
            self.busy.add(agent.id)
            s.agent = agent.id
            self.assigned += 1
            s.attempts += 1
            s.status, s.stage = "running", stage
            task_id = sid if s.attempts == 1 else f"{sid}-r{s.attempts - 1}"
            prompt = s.sub.render({d: done[d] for d in s.sub.deps if done.get(d) is not None})
            work = driver._agent_work(agent, lambda ctx, p=prompt: p, max_steps)
            run_work = self._counting(task_id, stage, work)
            self.run.submit(
                prompt, id=task_id, profile=profile, role=scenario.role, stage=stage,
                agent=agent.id, max_retries=1, work=run_work,
            )  # fmt: skip
            s.future = asyncio.ensure_future(self._collect(task_id, s))

    def _counting(self, task_id: str, stage: int, work: Any) -> Any:
        async def counted(task: Any, ctx: Any) -> Any:
            try:
                return await work(task, ctx)
            finally:
                used = ctx.usage.steps if ctx.usage is not None else 0
                self.task_steps[task_id] = self.task_steps.get(task_id, 0) + int(used)
                steps = max(1, self.task_steps[task_id])
                self.stage_steps[stage] = max(self.stage_steps.get(stage, 0), steps)

        return counted

    async def _collect(self, task_id: str, s: _Sub) -> None:
        try:
            text = await self.run.result(task_id)
        except TaskFailed:
            s.status, s.result, s.suspect = "failed", None, True
            return
        finally:
            self.busy.discard(s.agent or "")
        s.status, s.result = "done", str(text)
        s.suspect = self._looks_wrong(s)
        self.finished += 0 if s.suspect else 1
        self.context_chars += len(s.result)

    def _looks_wrong(self, s: _Sub) -> bool:
        """Empty, short or otherwise unusable, as the orchestrator can tell from the answer."""
        return not self.scenario.looks_usable(s.sub, s.result or "")

    async def _join_all(self) -> None:
        futures = [
            s.future for s in self.subs.values() if s.future is not None and not s.future.done()
        ]
        if futures:
            await asyncio.gather(*futures)

    # -- rewards -------------------------------------------------------------------------------
    def emit_rewards(self, scores: dict[str, Any]) -> RewardTerms:
        """Write each decision's reward terms as ``policy.reward`` events; the episode's terms."""
        metrics = {**compute_metrics(self.run.events), **scores}
        terms = episode_terms(
            metrics,
            spawned=self.spawned,
            assigned=self.assigned,
            finished=self.finished,
        )
        lam1, lam2 = getattr(self.policy, "reward_lambdas", (0.0, 0.0))
        spawned_after = [d["spawned_before"] for d in self.decisions[1:]] + [self.spawned]
        for i, (d, after) in enumerate(zip(self.decisions, spawned_after, strict=True)):
            last = i == len(self.decisions) - 1
            part = RewardTerms(
                r_perf=terms.r_perf if last else 0.0,
                r_parallel=r_parallel(after) - r_parallel(d["spawned_before"]),
                r_finish=terms.r_finish if last else 0.0,
            )
            self.run.emit(
                "policy.reward", stage=d["stage"], **part.as_dict(),
                lambda_parallel=lam1, lambda_finish=lam2, reward=part.total(lam1, lam2),
            )  # fmt: skip
        return terms
