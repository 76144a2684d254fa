"""OpenTelemetry spans from a run's event stream.

Why from events: the event stream is already the complete, ordered record of a run (DESIGN §4),
so spans built from it are the same for a live run, a run on another machine, or a trace read
back from disk — and the runtime never imports OpenTelemetry.

The tree::

    swarmnb.run <name>                       one per run (run.started … run.finished)
    ├── swarmnb.task <id>                     one per task; attempts and retries as span events
    │   ├── chat <model>                      one per model.call (GenAI semantic conventions)
    │   └── execute_tool <tool>               one per tool.call
    └── (agent.*, policy.*, budget.* events as span events on the run span)

What is exported: ids, statuses, counts, models, token counts and dollars. Prompt text, results
and error messages are exported only with ``capture_content=True``; keys that look like
secrets (``api_key``, ``authorization``, ``token``, ``secret``, ``password``) never are.

Example::

    from opentelemetry.sdk.trace import TracerProvider
    sink = sn.telemetry.otel_sink(tracer_provider=TracerProvider())
    run = sn.run_graph(g, work, sinks=[sink])   # or: run.subscribe(sink)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer, TracerProvider

from ..events import TERMINAL_KINDS

__all__ = ["OTelSink", "otel_sink"]

_SECRET_WORDS = ("api_key", "apikey", "authorization", "token", "secret", "password", "bearer")
_CONTENT_KEYS = frozenset({"prompt", "result", "answer", "error", "detail", "reason", "content"})
_SAFE_TEXT = frozenset(
    {"task", "agent", "model", "tool", "status", "profile", "role", "name", "clock", "resource",
     "capability", "policy", "cause", "health", "kind"}
)  # fmt: skip
_TERMINAL = TERMINAL_KINDS
_GENAI_PROVIDERS = {"sim": "swarmnb.sim", "openai": "openai", "anthropic": "anthropic"}


def _is_secret(key: str) -> bool:
    low = key.lower()
    return any(word in low for word in _SECRET_WORDS) and not low.startswith("tokens_")


def _error_type(text: Any) -> str:
    return str(text).split(":", 1)[0][:80]


class OTelSink:
    """An event subscriber that opens and closes spans as a run's events arrive.

    One sink can follow many runs at once (spans are keyed by run id). Call it with each event
    dict; it is quick (no I/O: the tracer provider's span processor exports).
    """

    def __init__(self, *, tracer: Tracer, capture_content: bool = False) -> None:
        self.tracer = tracer
        self.capture_content = capture_content
        self._runs: dict[str, Span] = {}
        self._anchor: dict[str, int] = {}  # run id → epoch ns of the run's t = 0
        self._tasks: dict[tuple[str, str], Span] = {}
        self._attempts: dict[tuple[str, str], int] = {}

    def __repr__(self) -> str:
        return f"<OTelSink runs={len(self._runs)} open_tasks={len(self._tasks)}>"

    # -- helpers -----------------------------------------------------------------------------
    def _ns(self, event: Mapping[str, Any]) -> int:
        run = str(event.get("run", ""))
        t_ns = int(float(event.get("t", 0.0)) * 1e9)
        anchor = self._anchor.get(run)
        if anchor is None:
            anchor = self._anchor[run] = time.time_ns() - t_ns
        return anchor + t_ns

    def attributes(self, event: Mapping[str, Any], prefix: str = "swarmnb.") -> dict[str, Any]:
        """The exportable fields of an event, under ``prefix`` (secrets and content filtered)."""
        out: dict[str, Any] = {}
        for key, value in event.items():
            if key in ("v", "run", "seq", "t") or _is_secret(key):
                continue
            if key in _CONTENT_KEYS:
                if not self.capture_content:
                    if key == "error" and value is not None:
                        out[prefix + "error.type"] = _error_type(value)
                    continue
                out[prefix + key] = str(value)[:4096]
            elif isinstance(value, bool | int | float) or (
                isinstance(value, str) and key in _SAFE_TEXT
            ):
                out[prefix + key] = value
        return out

    def _parent(self, event: Mapping[str, Any]) -> Span | None:
        run = str(event.get("run", ""))
        task = event.get("task")
        if task is not None:
            span = self._tasks.get((run, str(task)))
            if span is not None:
                return span
        return self._runs.get(run)

    def _child(self, name: str, parent: Span | None, start: int, **attrs: Any) -> Span:
        ctx = trace.set_span_in_context(parent) if parent is not None else None
        return self.tracer.start_span(
            name, context=ctx, kind=SpanKind.INTERNAL, start_time=start, attributes=attrs
        )

    # -- as an event sink (run_graph(..., sinks=[this])) ------------------------------------
    def on_event(self, event: Mapping[str, Any], line: str) -> None:
        self(event)

    def close(self) -> None:
        """Nothing to release: spans and metrics close with the run's own events."""

    # -- the subscriber ----------------------------------------------------------------------
    def __call__(self, event: Mapping[str, Any]) -> None:
        kind = event.get("kind", "")
        run = str(event.get("run", ""))
        now = self._ns(event)
        if kind == "run.started":
            attrs = {"swarmnb.run.id": run, **self.attributes(event, "swarmnb.run.")}
            attrs["gen_ai.operation.name"] = "invoke_agent"
            self._runs[run] = self._child(f"swarmnb.run {event.get('name', 'run')}", None, now)
            self._runs[run].set_attributes(attrs)
        elif kind == "run.finished":
            self._finish_run(run, event, now)
        elif kind == "task.queued":
            pass  # a task span opens when work starts (or when it ends without starting)
        elif kind == "task.started":
            self._task_started(run, event, now)
        elif kind == "task.retrying":
            span = self._tasks.get((run, str(event.get("task"))))
            if span is not None:
                span.add_event("attempt.retrying", self.attributes(event), timestamp=now)
        elif kind in _TERMINAL:
            self._task_ended(run, event, now)
        elif kind == "model.call":
            self._model_call(event, now)
        elif kind == "tool.call":
            latency = float(event.get("latency_s", 0.0) or 0.0)
            tool = str(event.get("tool", "tool"))
            attrs = {
                "gen_ai.operation.name": "execute_tool",
                "gen_ai.tool.name": tool,
                **self.attributes(event),
            }
            start = now - int(latency * 1e9)
            span = self._child(f"execute_tool {tool}", self._parent(event), start)
            span.set_attributes(attrs)
            if event.get("ok") is False:
                span.set_status(Status(StatusCode.ERROR))
            span.end(end_time=now)
        else:
            parent = self._parent(event) if kind.startswith("capability.") else self._runs.get(run)
            if parent is not None:
                parent.add_event(kind, self.attributes(event), timestamp=now)

    def _task_started(self, run: str, event: Mapping[str, Any], now: int) -> None:
        key = (run, str(event.get("task")))
        span = self._tasks.get(key)
        if span is None:
            span = self._child(f"swarmnb.task {key[1]}", self._runs.get(run), now)
            span.set_attribute("swarmnb.task.id", key[1])
            self._tasks[key] = span
        attempt = int(event.get("attempt", 1) or 1)
        self._attempts[key] = attempt
        span.add_event("attempt.started", self.attributes(event), timestamp=now)
        agent = event.get("agent")
        if agent is not None:
            span.set_attribute("gen_ai.agent.id", str(agent))

    def _task_ended(self, run: str, event: Mapping[str, Any], now: int) -> None:
        key = (run, str(event.get("task")))
        span = self._tasks.pop(key, None)
        if span is None:  # skipped or cancelled before it started
            span = self._child(f"swarmnb.task {key[1]}", self._runs.get(run), now)
            span.set_attribute("swarmnb.task.id", key[1])
        status = str(event["kind"]).split(".", 1)[1]
        span.set_attribute("swarmnb.task.status", status)
        span.set_attribute("swarmnb.task.attempts", self._attempts.pop(key, 0))
        for name, value in self.attributes(event, "swarmnb.task.").items():
            if name not in ("swarmnb.task.task", "swarmnb.task.attempt"):
                span.set_attribute(name, value)
        if status == "failed":
            span.set_status(Status(StatusCode.ERROR, _error_type(event.get("error", ""))))
        span.end(end_time=now)

    def _model_call(self, event: Mapping[str, Any], now: int) -> None:
        model = str(event.get("model", "model"))
        latency = float(event.get("latency_s", 0.0) or 0.0)
        prefix = model.split("/", 1)[0] if "/" in model else "unknown"
        attrs: dict[str, Any] = {
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": _GENAI_PROVIDERS.get(prefix, prefix),
            "gen_ai.request.model": model,
            "gen_ai.response.model": model,
            "gen_ai.usage.input_tokens": int(event.get("tokens_in", 0) or 0),
            "gen_ai.usage.output_tokens": int(event.get("tokens_out", 0) or 0),
            "swarmnb.cost_usd": float(event.get("cost_usd", 0.0) or 0.0),
        }
        if event.get("agent") is not None:
            attrs["gen_ai.agent.id"] = str(event["agent"])
        attrs.update(
            {k: v for k, v in self.attributes(event).items() if k not in ("swarmnb.model",)}
        )
        span = self._child(f"chat {model}", self._parent(event), now - int(latency * 1e9))
        span.set_attributes(attrs)
        span.end(end_time=now)

    def _finish_run(self, run: str, event: Mapping[str, Any], now: int) -> None:
        for key in [k for k in self._tasks if k[0] == run]:  # a cut run: close what is open
            span = self._tasks.pop(key)
            span.set_attribute("swarmnb.task.status", "unfinished")
            span.end(end_time=now)
        span = self._runs.pop(run, None)
        if span is None:
            return
        span.set_attributes(self.attributes(event, "swarmnb.run."))
        if event.get("status") == "failed":
            span.set_status(Status(StatusCode.ERROR, "run failed"))
        span.end(end_time=now)
        self._anchor.pop(run, None)


def otel_sink(
    *,
    tracer_provider: TracerProvider | None = None,
    capture_content: bool = False,
    name: str = "swarmnb",
) -> OTelSink:
    """An event sink that turns a run's events into OpenTelemetry spans.

    ``tracer_provider`` — where spans go (default: the global provider you configured with
    ``opentelemetry.trace.set_tracer_provider``). ``capture_content=True`` also exports prompt
    text, results and error messages (off by default: they may hold personal data).

    Example::

        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        run = sn.run_graph(g, work, trace=None)
        run.subscribe(sn.telemetry.otel_sink(tracer_provider=provider))
        await run
        [s.name for s in exporter.get_finished_spans()]
    """
    from .._version import __version__

    tracer = trace.get_tracer(name, __version__, tracer_provider=tracer_provider)
    return OTelSink(tracer=tracer, capture_content=capture_content)
