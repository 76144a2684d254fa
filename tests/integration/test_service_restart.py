"""Kill the service process mid-run, start it again: the swarms are listed and the running
one resumes without re-running a task that had finished."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import orjson
import pytest

from swarmnb.api.client import _parse_sse

TOKEN = "restart-token"
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(data: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SWARMNB_TOKEN": TOKEN, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "swarmnb", "serve", "--port", str(port), "--data", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("server did not start")


@pytest.mark.slow
def test_killed_server_restarts_lists_its_swarms_and_resumes_the_running_one(tmp_path) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {TOKEN}"}
    proc = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            done = c.post(
                "/v1/swarms",
                json={"name": "finished-before", "latency_scale": 0.0,
                      "tasks": [{"prompt": "quick", "id": "q"}]},
            ).json()["id"]  # fmt: skip
            tasks = [
                {"prompt": f"item {i}", "id": f"t{i}", "tool_calls": 1, "model": False}
                for i in range(60)
            ]
            tasks.append({"prompt": "merge", "id": "m", "deps": [f"t{i}" for i in range(60)]})
            sid = c.post(
                "/v1/swarms",
                json={"name": "long", "agents": 3, "tool_latency_s": 0.2,
                      "latency_scale": 0.0, "tasks": tasks},
            ).json()["id"]  # fmt: skip
            while True:  # until some tasks are done and others are not
                counts = c.get(f"/v1/swarms/{sid}").json()["counts"]
                if counts.get("completed", 0) >= 10:
                    break
                time.sleep(0.05)
            seen_done = {
                f"t{i}"
                for i in range(60)
                if c.get(f"/v1/swarms/{sid}/tasks/t{i}").json()["status"] == "completed"
            }
            assert c.get(f"/v1/swarms/{done}").json()["status"] == "completed"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    assert 10 <= len(seen_done) < 60

    proc = _start(tmp_path, port)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            listed = {s["id"]: s for s in c.get("/v1/swarms").json()["swarms"]}
            assert set(listed) == {done, sid}
            assert listed[done]["status"] == "completed" and listed[done]["resumed"] == 0
            assert listed[sid]["resumed"] == 1 and len(listed[sid]["runs"]) == 2
            # tasks seen finished before the kill are finished now, without running again
            for tid in seen_done:
                task = c.get(f"/v1/swarms/{sid}/tasks/{tid}").json()
                assert task["status"] == "completed" and task["restored"] is True
                assert task["result"]["agent"].startswith("agent-")  # the full stored value
            deadline = time.monotonic() + 120
            while c.get(f"/v1/swarms/{sid}").json()["status"] == "running":
                assert time.monotonic() < deadline, "the resumed swarm did not finish"
                time.sleep(0.1)
            info = c.get(f"/v1/swarms/{sid}").json()
            assert info["status"] == "completed" and info["counts"] == {"completed": 61}
            restored = {
                tid
                for tid in [*(f"t{i}" for i in range(60)), "m"]
                if c.get(f"/v1/swarms/{sid}/tasks/{tid}").json()["restored"]
            }
            with c.stream("GET", f"/v1/swarms/{sid}/events") as response:
                events = [
                    (i, k, d) for i, k, d in _parse_sse(response.iter_lines()) if i is not None
                ]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    runs = info["runs"]
    decoded = [orjson.loads(d) for _, _, d in events]
    assert [i for i, _, _ in events] == list(range(len(events)))  # one stream over both runs
    second = [e for e in decoded if e["run"] == runs[1]]
    restarted = {e["task"] for e in second if e["kind"] == "task.started"}
    assert seen_done <= restored
    assert not restarted & restored  # no finished task ran again
    assert any(e["kind"] == "run.resumed" for e in second)
    finished_second = {e["task"] for e in second if e["kind"] == "task.completed"}
    assert {e["task"] for e in second if e["kind"] == "task.restored"} == restored
    assert finished_second == {*(f"t{i}" for i in range(60)), "m"} - restored
