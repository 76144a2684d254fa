"""The stage-by-stage action space: what an orchestrator sees and may do at each stage.

A *staged* episode (``Decision(mode="stages")``) asks its policy for one action per
orchestrator stage instead of one up-front plan. At each stage the policy sees a
:class:`StageObservation` — only what a real orchestrator could see: the goal's shape (kind,
how many entities, hops or modules it lists), the results so far (done, running, failed or
empty), the steps and budget used, how full its own context is — and picks a
:class:`StageAction`:

- ``assign`` — assign up to ``width`` subtasks to subagents of ``profile``: idle ones first
  (a subagent that has answered is free for another task, as with K2.5's ``assign_task`` on an
  agent made by ``create_subagent``), new ones for the rest (the first ``assign`` fixes the
  decomposition into ``width`` subtasks; later ones start subtasks whose inputs are ready,
  waiting in the same stage for inputs still running — as a K2.5 ``assign_task`` returns only
  when its subagent has answered);
- ``join`` — wait for the running subtasks' results (a stage of its own);
- ``replan`` — re-assign what failed or came back empty or short, on idle or new subagents
  (after waiting for what still runs);
- ``tool_call`` — call one of the scenario's tools itself, to look before splitting the goal;
- ``finish`` — merge the results into the answer (running subtasks are cancelled).

:func:`action_mask` says which choices make sense now (join needs running subtasks, assign
needs work left, …), so a learned policy never wastes probability on impossible moves.
:func:`width_features` describes each width *relative to what the chosen action can use* (the
goal's units before the split, the ready or suspect subtasks after it), so that a preference
learned at one size ("one subtask per unit") carries over to sizes never seen in training.

Example::

    obs = StageObservation(kind="wide_search", units=20, depth=1, width_max=20, ...)
    mask = action_mask(obs)            # {"kind": [...], "width": [...], "profile": [...]}
    StageAction(kind="assign", width=8, profile="small").event()
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = [
    "ACTION_KINDS",
    "KINDS",
    "N_WIDTH_FEATURES",
    "WIDTHS",
    "StageAction",
    "StageObservation",
    "action_mask",
    "features",
    "width_features",
    "width_target",
]

#: the scenario kinds an observation one-hot encodes (others encode as all zeros)
KINDS = ("wide_search", "deep_search", "mixed_coding")
#: the orchestrator's choices at a stage
ACTION_KINDS: tuple[str, ...] = ("assign", "join", "replan", "tool_call", "finish")
#: the widths a staged policy picks from (how many subtasks / subagents)
WIDTHS: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)

ActionKind = Literal["assign", "join", "replan", "tool_call", "finish"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StageObservation:
    """What the orchestrator knows at the start of a stage (no ground truth, no sim internals).

    ``units`` is how many entities / hops / modules the goal lists, ``depth`` and
    ``width_max`` the longest dependency chain and the widest level the goal's structure
    implies. Counts of subtasks are over the decomposition fixed by the first ``assign``
    (all zero before it). ``suspect`` counts subtasks that failed or returned an empty or
    short answer; ``idle`` counts subagents that have answered and are free for another
    subtask; ``context_fill`` is the share of the orchestrator's context its results take up.
    """

    kind: str
    units: int
    depth: int
    width_max: int
    stage: int
    max_stages: int
    split: bool = False
    planned: int = 0
    done: int = 0
    running: int = 0
    ready: int = 0
    blocked: int = 0
    suspect: int = 0
    replans: int = 0
    tool_calls: int = 0
    steps_used: float = 0.0
    step_budget: float = 1.0
    spawned: int = 0
    idle: int = 0
    max_subagents: int = 100
    context_fill: float = 0.0
    profiles: tuple[str, ...] = ("small", "large")
    last: str = "none"

    @property
    def free(self) -> int:
        """Subagents that could take a subtask now: the idle ones and new ones under the limit."""
        return self.max_subagents - self.spawned + self.idle

    def as_dict(self) -> dict[str, Any]:
        """The observation as plain JSON-able values (for ``policy.decision`` events)."""
        out: dict[str, Any] = {name: getattr(self, name) for name in self.__dataclass_fields__}
        out["profiles"] = list(self.profiles)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StageObservation:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        fields["profiles"] = tuple(fields.get("profiles", ("small", "large")))
        return cls(**fields)


@dataclass(frozen=True, slots=True, kw_only=True)
class StageAction:
    """One stage's choice, with the probability the policy gave it (for the trace)."""

    kind: ActionKind
    width: int = 0
    profile: str | None = None
    logprob: float = 0.0
    probs: dict[str, dict[str, float]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.kind not in ACTION_KINDS:
            raise ValueError(f"action kind must be one of {ACTION_KINDS}, not {self.kind!r}")
        if isinstance(self.width, bool) or not isinstance(self.width, int) or self.width < 0:
            raise ValueError(f"width must be an int ≥ 0, not {self.width!r}")

    def label(self) -> str:
        if self.kind in ("assign", "replan"):
            return f"{self.kind}({self.width}, {self.profile})"
        return self.kind


def features(obs: StageObservation) -> list[float]:
    """The numeric feature vector a learned staged policy reads (all scaled to about [0, 3])."""
    planned = max(1, obs.planned)
    budget = max(1.0, obs.step_budget)
    return [
        1.0,  # bias
        *(1.0 if obs.kind == k else 0.0 for k in KINDS),
        math.log1p(obs.units) / 3.0,
        math.log1p(obs.depth) / 3.0,
        math.log1p(obs.width_max) / 3.0,
        (math.log1p(obs.units) / 3.0) ** 2,
        1.0 if obs.split else 0.0,
        obs.done / planned,
        obs.running / planned,
        obs.ready / planned,
        obs.blocked / planned,
        obs.suspect / planned,
        min(obs.replans, 3) / 3.0,
        min(obs.tool_calls, 3) / 3.0,
        min(2.0, obs.steps_used / budget),
        min(1.0, obs.stage / max(1, obs.max_stages)),
        min(1.0, obs.spawned / max(1, obs.max_subagents)),
        min(1.0, obs.context_fill),
        1.0 if obs.last == "assign" else 0.0,
        1.0 if obs.last == "join" else 0.0,
        1.0 if obs.last == "replan" else 0.0,
        min(1.0, obs.idle / planned),
    ]


N_FEATURES = len(features(StageObservation(kind="x", units=1, depth=1, width_max=1, stage=0,
                                           max_stages=1)))  # fmt: skip


def action_mask(obs: StageObservation, widths: tuple[int, ...] = WIDTHS) -> dict[str, list[bool]]:
    """Which kinds and widths are possible now.

    - ``assign`` needs a free subagent (idle, or one more under the limit) and work to start:
      before the first assign, always; after it, ready subtasks — or subtasks whose inputs are
      still running (it waits for them first, within the same stage);
    - ``join`` needs running subtasks; ``replan`` suspect results, or running subtasks (it
      waits for them first);
    - ``tool_call`` is possible until the goal is split (at most 3): after that the answer is
      merged from the subtasks' results, so a call of its own could only cost a stage;
    - ``finish`` is always possible.

    Widths are capped by what can be used: before the split by the goal's units and the
    subagent limit, after it by the ready (or suspect) subtasks.
    """
    free = obs.free
    waiting = obs.running > 0 and obs.blocked > 0  # inputs still running: assign waits first
    can_assign = free > 0 and (not obs.split or obs.ready > 0 or waiting)
    kinds = {
        "assign": can_assign,
        "join": obs.running > 0,
        "replan": obs.split and free > 0 and (obs.suspect > 0 or obs.running > 0),
        "tool_call": not obs.split and obs.tool_calls < 3,
        "finish": True,
    }
    if not obs.split:
        cap = max(1, min(obs.units, obs.max_subagents))
    else:
        cap = max(1, min(obs.planned - obs.done, free))
    first_above = next((w for w in widths if w >= cap), None)  # covers all `cap` at once
    width_ok = [w <= cap or w == first_above for w in widths]
    if not any(width_ok):
        width_ok[0] = True
    return {"kind": [kinds[k] for k in ACTION_KINDS], "width": width_ok}


def width_target(obs: StageObservation, kind: str) -> int:
    """How many subtasks ``kind`` could put to work now: the scale widths are judged against.

    Before the split: the goal's units (capped by the subagent limit); after it, for
    ``assign`` the ready subtasks (at least one: it waits for running inputs), for ``replan``
    the suspect ones — never more than the idle plus spawnable subagents.
    """
    free = max(1, obs.free)
    if not obs.split:
        want = obs.units
    elif kind == "replan":
        want = obs.suspect or obs.running
    else:
        want = obs.ready
    return max(1, min(want, free))


#: how many numbers :func:`width_features` gives per width
N_WIDTH_FEATURES = 4


def width_features(
    obs: StageObservation, kind: str, widths: tuple[int, ...] = WIDTHS
) -> list[list[float]]:
    """Per width, features relative to :func:`width_target` ``c``: with ``r = log2(w / c)``,
    ``[r / 4, (r / 4)², 1 if w ≥ c, log2(w) / 7]`` — fewer, as many, or more than can be used,
    and the absolute size (the cost of many subagents)."""
    c = width_target(obs, kind)
    out = []
    for w in widths:
        r = math.log2(w / c) / 4.0
        out.append([r, r * r, 1.0 if w >= c else 0.0, math.log2(w) / 7.0])
    return out
