"""``export_dataset``: training data — one row per orchestrator decision — from traces alone.

Every ``policy.decision`` event of every trace becomes a Parquet row: the run, the stage, the
policy, the observation it saw (``obs``, JSON text), the action (``action`` kind plus
``action_json`` with all its fields), its ``logprob`` (null when the policy gave none, e.g. an
LLM), the reward terms of that decision (``r_perf``, ``r_parallel``, ``r_finish``, the λ's and
the weighted ``reward``), the next decision's observation (``next_obs``, null at the end) and
``done``. Staged episodes (PARL) write their per-decision rewards as ``policy.reward`` events,
so their rows carry exactly those; for other traces (plan policies, LLM orchestrators) the
episode's terms are computed from the trace's metrics and put on its last decision
(:mod:`swarmnb.policies.rewards`, with the single-agent estimate from the decision's
features when the trace has it). Either way, a run's rewards summed over its rows are the
episode's reward.

Example::

    sn.training.export_dataset(["runs/a.jsonl", "runs/"], "decisions.parquet")
    pd.read_parquet("decisions.parquet")
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from ..metrics import compute_metrics
from ..policies.rewards import episode_terms
from ..trace import read_events

__all__ = ["DATASET_COLUMNS", "decision_rows", "export_dataset"]

DATASET_COLUMNS = [
    "run", "stage", "step", "policy", "obs", "action", "action_json", "logprob",
    "r_perf", "r_parallel", "r_finish", "lambda_parallel", "lambda_finish", "reward",
    "next_obs", "done",
]  # fmt: skip
_ACTION_KEYS = ("action", "width", "profile", "subtasks", "tools", "answered")
_NOT_OBS = {"v", "run", "seq", "t", "kind", "logprob", "probs", "policy", "forced", "stage"}


def _trace_files(traces: Iterable[str | Path] | str | Path) -> list[Path]:
    items = [traces] if isinstance(traces, str | Path) else list(traces)
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            files.extend(sorted(p.glob("*.jsonl")))
        elif p.is_file():
            files.append(p)
        else:
            raise FileNotFoundError(f"no trace file or directory at {str(p)!r}")
    return files


def _obs_of(event: dict[str, Any]) -> dict[str, Any]:
    if "observation" in event:
        return dict(event["observation"])
    obs = {k: v for k, v in event.items() if k not in _NOT_OBS and k not in _ACTION_KEYS}
    obs["stage"] = event.get("stage")
    return obs


def decision_rows(events: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The dataset rows of one run's events."""
    decisions = [e for e in events if e["kind"] == "policy.decision"]
    if not decisions:
        return []
    rewards = [e for e in events if e["kind"] == "policy.reward"]
    run = str(decisions[0].get("run", ""))
    rows = []
    for i, d in enumerate(decisions):
        action = {k: d[k] for k in _ACTION_KEYS if k in d}
        rows.append({
            "run": run, "stage": int(d.get("stage", i)), "step": i,
            "policy": d.get("policy"), "obs": json.dumps(_obs_of(d), sort_keys=True),
            "action": str(d.get("action")), "action_json": json.dumps(action, sort_keys=True),
            "logprob": float(d["logprob"]) if d.get("logprob") is not None else None,
            "r_perf": 0.0, "r_parallel": 0.0, "r_finish": 0.0,
            "lambda_parallel": 0.0, "lambda_finish": 0.0, "reward": 0.0,
            "next_obs": None, "done": i == len(decisions) - 1,
        })  # fmt: skip
    for row, nxt in itertools.pairwise(rows):
        row["next_obs"] = nxt["obs"]
    if len(rewards) == len(rows):  # a staged episode: one reward event per decision, in order
        for row, r in zip(rows, rewards, strict=True):
            for key in ("r_perf", "r_parallel", "r_finish", "lambda_parallel", "lambda_finish",
                        "reward"):  # fmt: skip
                row[key] = float(r.get(key, 0.0))
        return rows
    metrics = compute_metrics(events)
    terms = episode_terms(
        metrics,
        spawned=int(metrics.get("spawn_count", 0)),
        assigned=int(metrics.get("n_tasks", 0) or 0),
        finished=round(
            float(metrics.get("subtask_finish_rate", 0.0)) * (metrics.get("n_tasks") or 0)
        ),
    )
    last = rows[-1]
    last.update(terms.as_dict())
    last["reward"] = terms.r_perf
    return rows


def export_dataset(traces: Iterable[str | Path] | str | Path, path: str | Path) -> pd.DataFrame:
    """Write one Parquet row per decision found in ``traces`` (files or directories) to ``path``.

    Returns the DataFrame it wrote. Runs without any decision contribute no rows.
    """
    rows: list[dict[str, Any]] = []
    for file in _trace_files(traces):
        rows.extend(decision_rows(read_events(file)))
    frame = pd.DataFrame.from_records(rows, columns=DATASET_COLUMNS)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)
    return frame
