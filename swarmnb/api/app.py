"""The swarm service's HTTP API (FastAPI): routes, auth, limits, streams.

Routes (DESIGN §13); every one but ``/healthz`` needs ``Authorization: Bearer <token>``::

    POST   /v1/swarms                         create a swarm (429 past the concurrent-swarm cap)
    GET    /v1/swarms                         list swarms
    GET    /v1/swarms/{id}                    one swarm: status, task counts
    DELETE /v1/swarms/{id}                    cancel and remove it from the list
    POST   /v1/swarms/{id}/tasks              submit tasks (``close`` to finish when done)
    POST   /v1/swarms/{id}/close              take no more tasks
    GET    /v1/swarms/{id}/tasks/{task}       one task: status, attempts, agent, result
    GET    /v1/swarms/{id}/agents             the swarm's agents and their health
    GET    /v1/swarms/{id}/events             server-sent events, resumable (Last-Event-ID)
    POST   /v1/swarms/{id}/vision/analyze     a question about an image or the swarm's graph
    GET    /metrics                           Prometheus metrics
    GET    /healthz                           liveness (no token)

A read-only token may call the GET routes only (403 otherwise); an unknown or missing token gets
401. Each token has a rate limit (429 with ``Retry-After``); bodies are limited in size (413);
a body that does not fit its schema gets 422 with the field named in ``message``.

Example::

    app = create_app(ServiceConfig(data_dir=Path("runs/service"), tokens={"s3cret": "write"}))
    uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse

from .._version import __version__
from ..events import EventSink
from ..telemetry import PrometheusMetrics
from ._limits import BodyLimit, RateLimiter
from ._store import ServiceStore, TokenRecord, hash_token
from ._swarms import ServiceSwarm, SwarmConflict
from .schemas import (
    AgentInfo,
    AnalyzeRequest,
    AnalyzeResult,
    SwarmCreate,
    SwarmInfo,
    SwarmList,
    TaskInfo,
    TaskSubmit,
    TaskSubmitted,
)

__all__ = ["ServiceConfig", "create_app"]


@dataclass(kw_only=True)
class ServiceConfig:
    """Settings of one service instance.

    ``data_dir`` holds the traces and ``service.sqlite``. ``tokens`` registers tokens at start
    (token → ``"read"`` or ``"write"``; stored hashed). ``max_swarms`` caps swarms running at
    once. ``rate``/``burst`` are the default per-token limits for tokens registered here.
    ``sse_batch_s``: after sending events, a stream waits this long before sending more, so a
    busy swarm's events go out in a few larger writes rather than one per wake-up (the first
    event after a quiet spell goes out at once).
    """

    data_dir: Path = Path("runs/service")
    tokens: dict[str, Literal["read", "write"]] = field(default_factory=dict)
    max_swarms: int = 10
    rate: float = 100.0
    burst: float = 200.0
    max_body: int = 1 << 20
    max_upload: int = 16 << 20
    sinks: list[EventSink] = field(default_factory=list)  #: more sinks for every swarm (spans)
    sse_keepalive_s: float = 15.0
    sse_batch_s: float = 0.05


class SwarmService:
    """The swarms of one server process, their store, and the metrics they feed."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.data_dir = Path(config.data_dir)
        self.store = ServiceStore(self.data_dir / "service.sqlite")
        for token, scope in config.tokens.items():
            self.store.add_token("configured", scope=scope, rate=config.rate, burst=config.burst,
                                 token=token)  # fmt: skip
        self.metrics = PrometheusMetrics()
        self.limiter = RateLimiter()
        self.swarms: dict[str, ServiceSwarm] = {}
        self.tool_gauge = [0, 0]  # tool calls in flight, peak
        self._tokens: dict[str, TokenRecord | None] = {}

    def _kw(self) -> dict[str, Any]:
        return {
            "store": self.store,
            "trace_dir": self.data_dir,
            "sinks": [self.metrics, *self.config.sinks],
            "tool_gauge": self.tool_gauge,
        }

    async def start(self) -> None:
        """Load every swarm; resume the ones that were running when the last process stopped."""
        for record in self.store.swarms():
            swarm = ServiceSwarm(record, **self._kw())
            self.swarms[record.id] = swarm
            if record.status == "running":
                swarm.resume()

    async def stop(self) -> None:
        for swarm in self.swarms.values():
            swarm.stopping = True
            swarm.pool.close()

    def token(self, token: str) -> TokenRecord | None:
        key = hash_token(token)
        if key not in self._tokens:
            self._tokens[key] = self.store.check(token)
        return self._tokens[key]

    def running(self) -> int:
        return sum(1 for s in self.swarms.values() if not s.finished)

    def get(self, swarm_id: str) -> ServiceSwarm:
        swarm = self.swarms.get(swarm_id)
        if swarm is None or swarm.record.status == "deleted":
            raise HTTPException(404, f"no swarm {swarm_id!r}")
        return swarm


def _auth(write: bool) -> Callable[..., Awaitable[TokenRecord]]:
    async def check(
        request: Request, authorization: Annotated[str | None, Header()] = None
    ) -> TokenRecord:
        service: SwarmService = request.app.state.service
        scheme, _, token = (authorization or "").partition(" ")
        record = service.token(token.strip()) if scheme.lower() == "bearer" and token else None
        if record is None:
            raise HTTPException(
                401, "missing or unknown bearer token", headers={"WWW-Authenticate": "Bearer"}
            )
        if write and record.scope != "write":
            raise HTTPException(403, "this token is read-only")
        wait = service.limiter.take(hash_token(token.strip()), rate=record.rate, burst=record.burst)
        if wait > 0:
            raise HTTPException(
                429, "rate limit exceeded", headers={"Retry-After": str(max(1, math.ceil(wait)))}
            )
        return record

    return check


Read = Depends(_auth(write=False))
Write = Depends(_auth(write=True))


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The FastAPI application for ``config`` (swarms resume when it starts)."""
    config = config or ServiceConfig()
    service = SwarmService(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        yield
        await service.stop()

    app = FastAPI(
        title="swarmnb swarm service",
        version=__version__,
        description="Create swarms, submit tasks, follow their events, ask about their graphs.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.add_middleware(
        BodyLimit, limit=config.max_body, large=config.max_upload,
        large_suffixes=("/vision/analyze",),
    )  # fmt: skip

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        message = "; ".join(
            ".".join(str(p) for p in e["loc"]) + ": " + str(e["msg"]) for e in errors
        )
        return JSONResponse(
            status_code=422, content=jsonable_encoder({"message": message, "detail": errors})
        )

    @app.exception_handler(SwarmConflict)
    async def _conflict(request: Request, exc: SwarmConflict) -> JSONResponse:
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        return {"status": "ok", "version": __version__, "running_swarms": service.running()}

    @app.get("/metrics", tags=["service"], response_class=Response, dependencies=[Read])
    async def metrics() -> Response:
        body = service.metrics.render()
        extra = (
            "# HELP swarmnb_swarms_running Swarms running in this service\n"
            "# TYPE swarmnb_swarms_running gauge\n"
            f"swarmnb_swarms_running {service.running()}\n"
            "# HELP swarmnb_tool_calls_in_flight Tool calls running now\n"
            "# TYPE swarmnb_tool_calls_in_flight gauge\n"
            f"swarmnb_tool_calls_in_flight {service.tool_gauge[0]}\n"
            "# HELP swarmnb_tool_calls_in_flight_peak Most tool calls running at once\n"
            "# TYPE swarmnb_tool_calls_in_flight_peak gauge\n"
            f"swarmnb_tool_calls_in_flight_peak {service.tool_gauge[1]}\n"
        ).encode()
        return Response(body + extra, media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.post("/v1/swarms", status_code=201, tags=["swarms"], dependencies=[Write])
    async def create_swarm(body: SwarmCreate) -> SwarmInfo:
        if service.running() >= config.max_swarms:
            raise HTTPException(
                429,
                f"{config.max_swarms} swarms are running; the limit is {config.max_swarms}",
                headers={"Retry-After": "5"},
            )
        try:
            swarm = ServiceSwarm.create(body, **service._kw())
        except ValueError as exc:  # a graph error: a cycle or an unknown dependency
            raise HTTPException(422, str(exc)) from None
        service.swarms[swarm.record.id] = swarm
        return swarm.info()

    @app.get("/v1/swarms", tags=["swarms"], dependencies=[Read])
    async def list_swarms() -> SwarmList:
        return SwarmList(
            swarms=[s.info() for s in service.swarms.values() if s.record.status != "deleted"]
        )

    @app.get("/v1/swarms/{swarm_id}", tags=["swarms"], dependencies=[Read])
    async def get_swarm(swarm_id: str) -> SwarmInfo:
        return service.get(swarm_id).info()

    @app.delete("/v1/swarms/{swarm_id}", tags=["swarms"], dependencies=[Write])
    async def delete_swarm(swarm_id: str) -> SwarmInfo:
        swarm = service.get(swarm_id)
        swarm.cancel(delete=True)
        return swarm.info()

    @app.post("/v1/swarms/{swarm_id}/close", tags=["swarms"], dependencies=[Write])
    async def close_swarm(swarm_id: str) -> SwarmInfo:
        swarm = service.get(swarm_id)
        swarm.close()
        return swarm.info()

    @app.post("/v1/swarms/{swarm_id}/tasks", status_code=201, tags=["tasks"], dependencies=[Write])
    async def submit_tasks(swarm_id: str, body: TaskSubmit) -> TaskSubmitted:
        swarm = service.get(swarm_id)
        ids = swarm.submit(body.tasks, close=body.close)
        return TaskSubmitted(swarm=swarm_id, ids=ids, n_tasks=len(swarm.specs))

    @app.get("/v1/swarms/{swarm_id}/tasks/{task_id}", tags=["tasks"], dependencies=[Read])
    async def get_task(swarm_id: str, task_id: str) -> TaskInfo:
        task = service.get(swarm_id).task(task_id)
        if task is None:
            raise HTTPException(404, f"no task {task_id!r} in swarm {swarm_id!r}")
        return task

    @app.get("/v1/swarms/{swarm_id}/agents", tags=["agents"], dependencies=[Read])
    async def get_agents(swarm_id: str) -> list[AgentInfo]:
        return service.get(swarm_id).agents()

    @app.get(
        "/v1/swarms/{swarm_id}/events",
        tags=["events"],
        dependencies=[Read],
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def events(
        swarm_id: str,
        last_event_id: Annotated[str | None, Header()] = None,
        after: Annotated[int | None, Query(ge=-1)] = None,
    ) -> StreamingResponse:
        """Server-sent events: ``id`` is the event's position in the swarm's stream (its
        ``seq``); reconnect with ``Last-Event-ID`` (or ``?after=``) to continue after it."""
        swarm = service.get(swarm_id)
        start = 0
        if last_event_id is not None:
            try:
                start = int(last_event_id) + 1
            except ValueError:
                raise HTTPException(422, "Last-Event-ID must be an event seq (an int)") from None
        elif after is not None:
            start = after + 1
        return StreamingResponse(
            _stream(swarm, start, config.sse_keepalive_s, config.sse_batch_s),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    @app.post("/v1/swarms/{swarm_id}/vision/analyze", tags=["vision"], dependencies=[Write])
    async def analyze(swarm_id: str, body: AnalyzeRequest) -> AnalyzeResult:
        from .. import vision

        swarm = service.get(swarm_id)
        if body.image is not None:
            try:
                image = base64.b64decode(body.image, validate=True)
            except (binascii.Error, ValueError):
                raise HTTPException(422, "image: not valid base64") from None
        else:
            if swarm.run is None:
                raise HTTPException(409, "the swarm has no run to draw")
            image = vision.render_png(swarm.run)
        result = await vision.analyze(image, body.question, model=body.model)
        return AnalyzeResult(
            answer=result.answer, model=result.model, simulated=result.simulated,
            latency_s=result.latency_s, tokens_in=result.tokens_in,
            tokens_out=result.tokens_out, cost_usd=result.cost_usd,
        )  # fmt: skip

    return app


async def _stream(
    swarm: ServiceSwarm, start: int, keepalive: float, batch_s: float
) -> AsyncIterator[bytes]:
    position = max(0, start)
    yield b"retry: 1000\n\n"
    while True:
        batch = swarm.lines[position:]
        if batch:
            chunks = []
            for kind, data in batch:
                chunks.append(f"id: {position}\nevent: {kind}\ndata: {data}\n\n")
                position += 1
            yield "".join(chunks).encode()
            if batch_s > 0 and not swarm.finished:
                await asyncio.sleep(batch_s)  # let the next events gather: fewer, larger writes
            continue
        if swarm.finished and position >= swarm.n_events:
            yield b"event: end\ndata: {}\n\n"
            return
        before = position
        await swarm.wait_events(position, keepalive)
        if swarm.n_events == before and not swarm.finished:
            yield b": keep-alive\n\n"
