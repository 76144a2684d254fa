"""Telemetry as event sinks: OpenTelemetry spans and Prometheus metrics.

Both are plain event subscribers, so they follow a live run, a swarm in the service, or a trace
read back from disk the same way, and the runtime imports neither library.

Example::

    sink = sn.telemetry.otel_sink(tracer_provider=provider)
    metrics = sn.telemetry.PrometheusMetrics()
    run = sn.run_graph(g, work)
    run.subscribe(sink); run.subscribe(metrics)
    await run
    metrics.render()            # Prometheus text format
"""

from ._otel import OTelSink, otel_sink
from ._prometheus import PrometheusMetrics, prometheus_sink

__all__ = ["OTelSink", "PrometheusMetrics", "otel_sink", "prometheus_sink"]
