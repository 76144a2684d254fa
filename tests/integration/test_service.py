"""The swarm service against a real uvicorn on 127.0.0.1: routes, auth, limits, streams."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

import swarmnb as sn
from swarmnb.api import BackgroundServer, ServiceConfig
from swarmnb.api.client import _parse_sse
from swarmnb.trace import read_events

WRITE, READ = "write-token-1", "read-token-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackgroundServer]:
    data = tmp_path_factory.mktemp("service")
    config = ServiceConfig(data_dir=data, tokens={WRITE: "write", READ: "read"}, max_body=64_000)
    with BackgroundServer(config) as srv:
        store = srv.app.state.service.store
        store.add_token("slow", scope="write", rate=0.5, burst=2, token="slow")
        yield srv


@pytest.fixture
def http(server: BackgroundServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {WRITE}"}) as c:
        yield c


def _tasks(n: int, **fields: object) -> list[dict[str, object]]:
    return [{"prompt": f"look up item {i}", "id": f"t{i}", **fields} for i in range(n)]


def _wait(c: httpx.Client, swarm_id: str, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = c.get(f"/v1/swarms/{swarm_id}").json()
        if info["status"] != "running":
            return info
        time.sleep(0.05)
    raise AssertionError(f"swarm {swarm_id} still running")


def test_healthz_needs_no_token_and_the_openapi_lists_every_route(server) -> None:
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200 and r.json()["status"] == "ok"
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    for path, method in [
        ("/v1/swarms", "post"), ("/v1/swarms", "get"), ("/v1/swarms/{swarm_id}", "get"),
        ("/v1/swarms/{swarm_id}", "delete"), ("/v1/swarms/{swarm_id}/tasks", "post"),
        ("/v1/swarms/{swarm_id}/tasks/{task_id}", "get"), ("/v1/swarms/{swarm_id}/agents", "get"),
        ("/v1/swarms/{swarm_id}/events", "get"), ("/v1/swarms/{swarm_id}/vision/analyze", "post"),
        ("/metrics", "get"), ("/healthz", "get"),
    ]:  # fmt: skip
        assert method in paths[path], (path, method)
    schema = paths["/v1/swarms"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/SwarmCreate")


ROUTES = [
    ("POST", "/v1/swarms", {"keep_open": True}),
    ("GET", "/v1/swarms", None),
    ("GET", "/v1/swarms/x", None),
    ("DELETE", "/v1/swarms/x", None),
    ("POST", "/v1/swarms/x/tasks", {"tasks": [{"prompt": "p"}]}),
    ("POST", "/v1/swarms/x/close", None),
    ("GET", "/v1/swarms/x/tasks/t", None),
    ("GET", "/v1/swarms/x/agents", None),
    ("GET", "/v1/swarms/x/events", None),
    ("POST", "/v1/swarms/x/vision/analyze", {"question": "q"}),
    ("GET", "/metrics", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_every_route_but_healthz_needs_a_known_token(server, method, path, body) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        r = httpx.request(method, server.url + path, json=body, headers=headers)
        assert r.status_code == 401, (method, path, headers, r.text)
        assert r.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path", "body"), [r for r in ROUTES if r[0] != "GET"])
def test_a_read_only_token_may_not_write(server, method, path, body) -> None:
    r = httpx.request(
        method, server.url + path, json=body, headers={"Authorization": f"Bearer {READ}"}
    )
    assert r.status_code == 403 and "read-only" in r.json()["detail"]


def test_a_read_only_token_may_read(server) -> None:
    r = httpx.get(f"{server.url}/v1/swarms", headers={"Authorization": f"Bearer {READ}"})
    assert r.status_code == 200 and "swarms" in r.json()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"agents": 0, "keep_open": True}, "body.agents"),
        ({"tasks": [{"prompt": ""}]}, "body.tasks.0.prompt"),
        ({"tasks": [{"prompt": "a", "id": "bad id!"}]}, "body.tasks.0.id"),
        ({"keep_open": True, "bogus": 1}, "body.bogus"),
        ({"keep_open": True, "faults": {"transient_rate": 2}}, "body.faults.transient_rate"),
        ({"keep_open": "maybe"}, "body.keep_open"),
    ],
)
def test_malformed_bodies_get_422_naming_the_field(http, body, field) -> None:
    r = http.post("/v1/swarms", json=body)
    assert r.status_code == 422
    assert field in r.json()["message"]
    assert any(".".join(map(str, e["loc"])) == field for e in r.json()["detail"])


def test_422_for_bad_task_batches_and_a_graph_cycle(http) -> None:
    r = http.post("/v1/swarms", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "body" in r.json()["message"]
    sid = http.post("/v1/swarms", json={"keep_open": True}).json()["id"]
    try:
        r = http.post(f"/v1/swarms/{sid}/tasks", json={"tasks": []})
        assert r.status_code == 422 and "body.tasks" in r.json()["message"]
        r = http.post(f"/v1/swarms/{sid}/tasks", json={"tasks": [{"prompt": "x", "deps": ["no"]}]})
        assert r.status_code == 409 and "unknown" in r.json()["detail"]
        cyc = [{"prompt": "a", "id": "a", "deps": ["b"]}, {"prompt": "b", "id": "b", "deps": ["a"]}]
        r = http.post("/v1/swarms", json={"tasks": cyc})
        assert r.status_code == 422 and "cycle" in r.json()["detail"].lower()
    finally:
        http.delete(f"/v1/swarms/{sid}")


def test_request_size_limit(http) -> None:
    big = {"keep_open": True, "name": "x", "tasks": [{"prompt": "p" * 20_000}] * 5}
    r = http.post("/v1/swarms", json=big)
    assert r.status_code == 413
    # a streamed body without Content-Length is counted as it arrives
    r = http.post(
        "/v1/swarms",
        content=iter([b'{"keep_open": true, "name": "', b"x" * 70_000, b'"}']),
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413


def test_per_token_rate_limit_answers_429_with_retry_after(server) -> None:
    headers = {"Authorization": "Bearer slow"}
    codes = [httpx.get(f"{server.url}/v1/swarms", headers=headers).status_code for _ in range(3)]
    assert codes[:2] == [200, 200] and codes[2] == 429
    r = httpx.get(f"{server.url}/v1/swarms", headers=headers)
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    # another token is not affected
    r = httpx.get(f"{server.url}/v1/swarms", headers={"Authorization": f"Bearer {WRITE}"})
    assert r.status_code == 200


def test_a_swarm_through_every_route(server, http) -> None:
    r = http.post(
        "/v1/swarms",
        json={"name": "all-routes", "agents": 3, "keep_open": True, "latency_scale": 0.0,
              "tasks": _tasks(4, tool_calls=2)},
    )  # fmt: skip
    assert r.status_code == 201
    sid = r.json()["id"]
    assert r.json()["status"] == "running" and r.json()["n_tasks"] == 4
    r = http.post(
        f"/v1/swarms/{sid}/tasks",
        json={"tasks": [{"prompt": "merge", "id": "m", "deps": ["t0", "t1", "t2", "t3"]}]},
    )
    assert r.status_code == 201 and r.json()["ids"] == ["m"] and r.json()["n_tasks"] == 5
    assert sid in [s["id"] for s in http.get("/v1/swarms").json()["swarms"]]
    r = http.post(f"/v1/swarms/{sid}/close")
    assert r.status_code == 200 and r.json()["open"] is False
    info = _wait(http, sid)
    assert info["status"] == "completed" and info["counts"] == {"completed": 5}
    task = http.get(f"/v1/swarms/{sid}/tasks/m").json()
    assert task["status"] == "completed" and task["deps"] == ["t0", "t1", "t2", "t3"]
    assert task["result"]["answer"].startswith("[sim small]") and task["agent"].startswith("agent-")
    assert http.get(f"/v1/swarms/{sid}/tasks/nope").status_code == 404
    agents = http.get(f"/v1/swarms/{sid}/agents").json()
    assert len(agents) == 3 and sum(a["tasks_done"] for a in agents) == 5
    assert sum(a["tokens"] for a in agents) > 0 and {a["role"] for a in agents} == {"worker"}
    assert all(a["health"] == "healthy" for a in agents)
    # the event stream ends with the run, and matches the trace on disk
    with http.stream("GET", f"/v1/swarms/{sid}/events") as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        seen = [(i, k) for i, k, _ in _parse_sse(response.iter_lines()) if i is not None]
    trace = read_events(Path(server.config.data_dir) / f"{info['runs'][0]}.jsonl")
    assert seen == [(e["seq"], e["kind"]) for e in trace]
    assert sum(k == "tool.call" for _, k in seen) == 8  # 4 tasks × 2 tool calls
    # vision: a question about the swarm's own graph, and about an uploaded image
    r = http.post(f"/v1/swarms/{sid}/vision/analyze", json={"question": "What is the status?"})
    assert r.status_code == 200 and r.json()["simulated"] is True
    assert "is completed with 5 tasks" in r.json()["answer"]
    png = sn.vision.render_png(sn.replay(Path(server.config.data_dir) / f"{info['runs'][0]}.jsonl"))
    r = http.post(
        f"/v1/swarms/{sid}/vision/analyze",
        json={"question": "What is on the critical path?", "image": base64.b64encode(png).decode()},
    )
    assert r.status_code == 200 and "critical path has 2 tasks" in r.json()["answer"]
    r = http.post(f"/v1/swarms/{sid}/vision/analyze", json={"question": "q", "image": "@@"})
    assert r.status_code == 422
    # metrics parse and count this swarm
    text = http.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert families["swarmnb_tasks"].type == "gauge"
    completed = [s for s in families["swarmnb_tasks"].samples if s.labels["state"] == "completed"]
    assert completed[0].value >= 5
    assert families["swarmnb_tool_calls_in_flight_peak"].samples[0].value >= 2
    # finished swarms take no tasks; deleting removes it from the list
    r = http.post(f"/v1/swarms/{sid}/tasks", json={"tasks": [{"prompt": "late"}]})
    assert r.status_code == 409
    assert http.delete(f"/v1/swarms/{sid}").json()["status"] == "deleted"
    assert http.get(f"/v1/swarms/{sid}").status_code == 404
    assert sid not in [s["id"] for s in http.get("/v1/swarms").json()["swarms"]]


def test_each_agent_works_on_up_to_max_concurrent_tasks_and_a_crash_loses_its_work(
    server, http
) -> None:
    r = http.post(
        "/v1/swarms",
        json={"name": "slots", "agents": 2, "max_concurrent_tasks": 3, "latency_scale": 0.0,
              "tool_latency_s": 0.2, "tasks": _tasks(12, tool_calls=1, max_retries=20),
              "faults": {"crash_rate": 0.25, "restart_s": 0.05}, "seed": 4},
    )  # fmt: skip
    assert r.status_code == 201
    info = _wait(http, r.json()["id"])
    assert info["status"] == "completed" and info["counts"] == {"completed": 12}
    events = read_events(Path(server.config.data_dir) / f"{info['runs'][0]}.jsonl")
    running = peak = 0
    for e in events:
        if e["kind"] == "task.started":
            running += 1
            peak = max(peak, running)
        elif e["kind"] in ("task.completed", "task.retrying", "task.failed"):
            running -= 1
    assert peak == 6  # 2 agents × 3 tasks each, never more
    crashes = [e for e in events if e["kind"] == "agent.unhealthy"]
    restarts = [e for e in events if e["kind"] == "agent.restarted"]
    assert crashes and len(restarts) == len(crashes)  # one restart per crash
    lost = [e for e in events if e["kind"] == "task.retrying" and "crashed" in e["error"]]
    assert len(lost) >= len(crashes)  # the crashing attempt, and any sibling on that agent
    agents = http.get(f"/v1/swarms/{info['id']}/agents").json()
    assert sum(a["tasks_done"] for a in agents) == 12 and all(a["status"] != "down" for a in agents)
    assert all(a["in_flight"] == 0 for a in agents)  # every slot given back at the end


def test_the_agents_route_shows_each_agents_attempts_in_flight(server, http) -> None:
    r = http.post(
        "/v1/swarms",
        json={"name": "in-flight", "agents": 1, "max_concurrent_tasks": 2, "latency_scale": 0.0,
              "tool_latency_s": 2.0, "tasks": _tasks(2, tool_calls=1)},
    )  # fmt: skip
    sid = r.json()["id"]
    deadline = time.monotonic() + 30
    seen = []
    while time.monotonic() < deadline and (not seen or seen[-1] < 2):
        seen.append(http.get(f"/v1/swarms/{sid}/agents").json()[0]["in_flight"])
    assert seen[-1] == 2  # one agent, both of its tasks at once
    assert _wait(http, sid)["counts"] == {"completed": 2}
    assert http.get(f"/v1/swarms/{sid}/agents").json()[0]["in_flight"] == 0


def test_the_eleventh_concurrent_swarm_gets_429(tmp_path) -> None:
    config = ServiceConfig(data_dir=tmp_path, tokens={WRITE: "write"})
    with BackgroundServer(config) as srv, sn.Client(srv.url, WRITE) as client:
        swarms = [client.create_swarm(name=f"s{i}", keep_open=True) for i in range(10)]
        with pytest.raises(sn.api.ServiceError) as refused:
            client.create_swarm(name="eleventh", keep_open=True)
        assert refused.value.status == 429 and refused.value.retry_after == 5
        swarms[0].delete()
        eleventh = client.create_swarm(name="eleventh", keep_open=True)
        assert eleventh.info()["status"] == "running"
        for swarm in [*swarms[1:], eleventh]:
            swarm.delete()
        assert client.healthz()["running_swarms"] == 0


def test_sse_reconnect_with_last_event_id_gets_every_event_exactly_once(server, http) -> None:
    r = http.post(
        "/v1/swarms",
        json={"name": "sse", "agents": 4, "latency_scale": 0.0, "tool_latency_s": 0.02,
              "tasks": _tasks(40, tool_calls=1)},
    )  # fmt: skip
    sid = r.json()["id"]
    got: list[int] = []
    last: int | None = None
    stops = [5, 37, 90]  # disconnect after this many events, three times
    while True:
        headers = {"Last-Event-ID": str(last)} if last is not None else {}
        ended = False
        with http.stream("GET", f"/v1/swarms/{sid}/events", headers=headers) as response:
            for event_id, kind, _data in _parse_sse(response.iter_lines()):
                if kind == "end":
                    ended = True
                    break
                if event_id is None:
                    continue
                got.append(event_id)
                last = event_id
                if stops and len(got) >= stops[0]:
                    stops.pop(0)
                    break  # drop the connection mid-stream
        if ended:
            break
    info = _wait(http, sid)
    assert got == list(range(info["n_events"]))  # each once, in order, none missing


def test_python_client_follows_a_swarm_and_feeds_a_dashboard(server) -> None:
    client = sn.Client(server.url, WRITE)
    swarm = client.create_swarm(
        name="followed", agents=4, latency_scale=0.0, tasks=_tasks(12, tool_calls=1)
    )
    swarm.follow()
    assert swarm.join(60)
    assert swarm.status == "completed"
    kinds = [e["kind"] for e in swarm.events]
    assert kinds[0] == "run.started" and kinds[-1] == "run.finished"
    assert list(swarm.tasks["status"]) == ["completed"] * 12
    dash = swarm.dashboard()
    assert dash.state.status == "completed" and len(dash.state.order) == 12
    dash.close()
    assert swarm.info()["counts"] == {"completed": 12}
    client.close()


def test_a_swarm_with_registry_roles_lists_their_agents(server, http) -> None:
    r = http.post("/v1/swarms", json={"roles": {"nobody": 1}, "keep_open": True})
    assert r.status_code == 422 and "unknown role 'nobody'" in r.json()["message"]
    r = http.post(
        "/v1/swarms",
        json={"name": "with-roles", "agents": 2, "latency_scale": 0.0,
              "roles": {"developer": 2},
              "tasks": [{"prompt": "write a parser", "id": "dev", "role": "developer"},
                        {"prompt": "look it up", "id": "plain", "deps": ["dev"]}]},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    info = _wait(http, sid, timeout=120)
    assert info["status"] == "completed", info
    dev = http.get(f"/v1/swarms/{sid}/tasks/dev").json()
    assert dev["agent"].startswith("developer-") and dev["result"]["answer"]
    agents = http.get(f"/v1/swarms/{sid}/agents").json()
    roles = sorted(a["role"] for a in agents)
    assert roles == ["developer", "developer", "worker", "worker"]
    with http.stream("GET", f"/v1/swarms/{sid}/events") as response:
        spawned = [d for _, k, d in _parse_sse(response.iter_lines()) if k == "agent.spawned"]
    assert sum('"developer-' in d for d in spawned) == 2


def test_the_service_exports_spans_through_an_otel_sink(tmp_path) -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    config = ServiceConfig(
        data_dir=tmp_path,
        tokens={WRITE: "write"},
        sinks=[sn.telemetry.otel_sink(tracer_provider=provider)],
    )
    with BackgroundServer(config) as srv, sn.Client(srv.url, WRITE) as client:
        swarm = client.create_swarm(
            name="traced", agents=2, latency_scale=0.0, tasks=_tasks(3, tool_calls=1)
        )
        assert swarm.wait(60)["status"] == "completed"
    spans = exporter.get_finished_spans()
    root = next(s for s in spans if s.name == "swarmnb.run swarm:traced")
    tasks = [s for s in spans if s.name.startswith("swarmnb.task ")]
    assert sorted(s.attributes["swarmnb.task.id"] for s in tasks) == ["t0", "t1", "t2"]
    assert all(s.parent.span_id == root.context.span_id for s in tasks)
    chats = [s for s in spans if s.name == "chat sim/small"]
    assert len(chats) == 3 and all(
        s.attributes["gen_ai.agent.id"].startswith("agent-") for s in chats
    )
    prompts = " ".join(str(v) for s in spans for v in s.attributes.values())
    assert "look up item" not in prompts
