"""A whole swarm episode through litellm's real ``openai/`` HTTP path, against serve_sim.

The subagents and the orchestrator are ``openai/sim-*`` models served on 127.0.0.1, with
injected 429s (Retry-After must be honoured) and a hanging request (a client timeout, then a
retry). The episode must end with exactly the answer of the same episode in-process.
"""

import itertools

import swarmnb as sn
from swarmnb.models import serve_sim
from swarmnb.scenarios import WideSearch

RETRY_AFTER = 0.3


def solve(scenario, **options):
    return sn.Swarm(policy=sn.policies.LLM(), seed=3, **options).solve_sync(scenario)


def test_swarm_over_http_with_faults_matches_in_process(tmp_path):
    scenario = WideSearch(n_items=6, seed=4)
    local = solve(
        scenario, subagents={"small": "sim/small"}, orchestrator_model="sim/orchestrator",
        trace=None,
    )  # fmt: skip
    assert local.status == "completed"
    with serve_sim(fail_429=3, retry_after=RETRY_AFTER, timeout_every=12, hang_s=30.0,
                   latency_scale=0.0) as server:  # fmt: skip
        remote = solve(
            scenario,
            subagents={"small": "openai/sim-small"},
            orchestrator_model="openai/sim-orchestrator",
            clock="real",
            trace=tmp_path,
            model_options={"api_base": server.url, "api_key": "sk-local", "timeout": 1.0},
        )
        faults, arrivals = list(server.faults), list(server.arrivals)
    assert remote.status == "completed"
    assert remote.answer == local.answer
    assert remote.metrics["item_f1"] == local.metrics["item_f1"]
    assert remote.metrics["spawn_count"] == local.metrics["spawn_count"]
    # the first request (the orchestrator's first turn) met three 429s: each retry waited
    assert faults[:3] == ["429", "429", "429"]
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals[:4])]
    assert all(gap >= RETRY_AFTER for gap in gaps), gaps
    # a request hung past the client timeout and was retried
    assert "timeout" in faults
    assert sn.replay(remote.trace_path).metrics == remote.metrics
