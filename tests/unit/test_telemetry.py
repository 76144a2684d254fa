"""OpenTelemetry spans and Prometheus metrics built from a run's events."""

from __future__ import annotations

from collections import Counter

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

import swarmnb as sn
from swarmnb.models import complete
from swarmnb.telemetry import PrometheusMetrics, otel_sink

SECRET = "sk-test-SECRET-0123456789"
PROMPT_MARK = "PROMPT-TEXT-do-not-export"


def _graph() -> sn.TaskGraph:
    g = sn.TaskGraph()
    g.add(f"{PROMPT_MARK} a", id="a", max_retries=2)
    g.add(f"{PROMPT_MARK} b", id="b", max_retries=0)
    g.add(f"{PROMPT_MARK} c", id="c", deps=["a"])
    g.add(f"{PROMPT_MARK} d", id="d", deps=["b"])
    return g


async def _work(task: sn.Task, ctx: sn.Context) -> str:
    if task.id == "a" and ctx.attempt == 1:
        raise sn.RetryableError("flaky")
    if task.id == "b":
        raise ValueError(f"broken with {PROMPT_MARK}")
    reply = await complete(
        model="sim/small",
        messages=[{"role": "user", "content": task.prompt}],
        ctx=ctx,
        api_key=SECRET,
    )
    ctx.emit("tool.call", tool="search", ok=True, latency_s=0.01, api_key=SECRET)
    return reply.content or ""


def _provider() -> tuple[TracerProvider, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, exporter


async def test_span_tree_matches_the_runs_tasks_and_exports_no_secret_or_prompt() -> None:
    provider, exporter = _provider()
    run = sn.run_graph(_graph(), _work, clock="virtual", trace=None, backoff_base=0.01)
    run.subscribe(otel_sink(tracer_provider=provider))
    await run
    spans = exporter.get_finished_spans()
    by_name = {s.name: s for s in spans}
    root = by_name["swarmnb.run run"]
    assert root.parent is None
    task_spans = {
        s.attributes["swarmnb.task.id"]: s for s in spans if s.name.startswith("swarmnb.task")
    }
    assert set(task_spans) == set(run.tasks["id"])
    for tid, span in task_spans.items():
        assert span.parent.span_id == root.context.span_id
        row = run.tasks.set_index("id").loc[tid]
        assert span.attributes["swarmnb.task.status"] == row["status"]
    # attempts are span events: a retried once, then completed
    a_events = [e.name for e in task_spans["a"].events]
    assert a_events == ["attempt.started", "attempt.retrying", "attempt.started"]
    assert task_spans["b"].status.status_code.name == "ERROR"
    assert task_spans["d"].attributes["swarmnb.task.status"] == "skipped"
    # model and tool calls are children of their task, with GenAI attributes
    chats = [s for s in spans if s.name == "chat sim/small"]
    assert len(chats) == 2  # a (second attempt) and c
    for chat in chats:
        parents = {task_spans["a"].context.span_id, task_spans["c"].context.span_id}
        assert chat.parent.span_id in parents
        assert chat.attributes["gen_ai.request.model"] == "sim/small"
        assert chat.attributes["gen_ai.usage.input_tokens"] > 0
        assert chat.attributes["swarmnb.cost_usd"] > 0
    tools = [s for s in spans if s.name == "execute_tool search"]
    assert len(tools) == 2 and all(t.attributes["gen_ai.tool.name"] == "search" for t in tools)
    # no secret, no prompt text in any attribute or event attribute
    for span in spans:
        values = [*span.attributes.values()]
        for event in span.events:
            values += [*event.attributes.values()]
        text = " ".join(map(str, values))
        assert SECRET not in text
        assert PROMPT_MARK not in text
        assert not any("api_key" in k for k in span.attributes)


async def test_capture_content_exports_prompts_when_asked() -> None:
    provider, exporter = _provider()
    run = sn.run_graph(_graph(), _work, clock="virtual", trace=None, backoff_base=0.01)
    run.subscribe(otel_sink(tracer_provider=provider, capture_content=True))
    await run
    text = " ".join(str(v) for s in exporter.get_finished_spans() for v in s.attributes.values())
    assert PROMPT_MARK in text
    assert SECRET not in text


async def test_prometheus_metrics_parse_and_count_the_run() -> None:
    metrics = PrometheusMetrics()
    run = sn.run_graph(_graph(), _work, clock="virtual", trace=None, backoff_base=0.01)
    run.subscribe(metrics)
    await run
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    tasks = {s.labels["state"]: s.value for s in families["swarmnb_tasks"].samples}
    expected = Counter(run.tasks["status"])
    for state in ("completed", "failed", "skipped"):
        assert tasks[state] == expected[state]
    assert tasks["running"] == 0 and tasks["queued"] == 0
    assert families["swarmnb_queue_depth"].samples[0].value == 0
    retries = [s for s in families["swarmnb_task_retries"].samples if s.name.endswith("_total")]
    assert retries[0].value == run.metrics["retry_count"]
    calls = [s for s in families["swarmnb_model_calls"].samples if s.name.endswith("_total")]
    assert sum(s.value for s in calls) == 2
    tokens = {
        s.labels["direction"]: s.value
        for s in families["swarmnb_tokens"].samples
        if s.name.endswith("_total")
    }
    assert tokens["in"] == run.metrics["tokens_in"] and tokens["out"] == run.metrics["tokens_out"]
    cost = [s for s in families["swarmnb_cost_usd"].samples if s.name.endswith("_total")]
    assert cost[0].value == pytest.approx(run.metrics["cost_usd"])
    runs = {s.labels["status"]: s.value for s in families["swarmnb_runs"].samples}
    assert runs[run.status] == 1 and runs.get("running", 0) == 0


def test_prometheus_agent_health_and_restarts() -> None:
    metrics = PrometheusMetrics()
    base = {"v": 1, "run": "r1", "t": 0.0}
    for seq, (kind, agent) in enumerate(
        [("agent.spawned", "x"), ("agent.spawned", "y"), ("agent.unhealthy", "x"),
         ("agent.restarted", "x"), ("agent.quarantined", "y")]
    ):  # fmt: skip
        metrics({**base, "seq": seq, "kind": kind, "agent": agent})
    families = {f.name: f for f in text_string_to_metric_families(metrics.render().decode())}
    health = {s.labels["health"]: s.value for s in families["swarmnb_agents"].samples}
    assert health["healthy"] == 1 and health["quarantined"] == 1 and health["unhealthy"] == 0
    restarts = [s for s in families["swarmnb_agent_restarts"].samples if s.name.endswith("_total")]
    assert restarts[0].value == 1
