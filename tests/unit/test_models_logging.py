"""litellm's background success logging: skipped when nobody listens, honoured otherwise."""

from __future__ import annotations

import asyncio

from litellm.integrations.custom_logger import CustomLogger
from litellm.litellm_core_utils import logging_worker

import swarmnb as sn
from swarmnb.models import complete, flush_logging
from swarmnb.models._litellm import litellm
from tests.models_support import TOOLS, ask


def _queued() -> int:
    queue = logging_worker.GLOBAL_LOGGING_WORKER._queue
    return 0 if queue is None else queue.qsize()


async def test_without_callbacks_nothing_is_queued_for_litellm_logging():
    before = _queued()
    for i in range(5):
        await complete("sim/small", [{"role": "user", "content": f"q{i}"}], sim_latency_scale=0)
    assert _queued() == before


async def test_concurrent_virtual_runs_on_their_own_threads_all_account_every_call():
    async def work(task: sn.Task, ctx: sn.Context) -> str:
        c = await complete("sim/small", ask(), tools=TOOLS, ctx=ctx)
        return c.tool_calls[0].id

    def graph() -> sn.TaskGraph:
        g = sn.TaskGraph()
        for i in range(10):
            g.add(f"t{i}", id=f"t{i}")
        return g

    runs = [sn.run_graph(graph(), work, clock="virtual", trace=None, seed=s) for s in range(3)]
    done = await asyncio.gather(*runs)
    for run in done:
        assert run.status == "completed"
        assert sum(e["kind"] == "model.call" for e in run.events) == 10


class _Collector(CustomLogger):
    def __init__(self) -> None:
        super().__init__()
        self.models: list[str] = []

    async def async_log_success_event(self, kwargs, response_obj, start_time, end_time):
        self.models.append(kwargs.get("model"))


async def test_registered_litellm_callbacks_still_see_every_call():
    collector = _Collector()
    saved = list(litellm.callbacks)
    litellm.callbacks = [*saved, collector]
    try:
        await complete("sim/medium", ask(), sim_latency_scale=0)
        await flush_logging()
    finally:
        litellm.callbacks = saved
    assert collector.models == ["medium"]  # litellm reports the name without the provider
