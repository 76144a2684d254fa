"""Run snapshots to PNG and image questions through litellm (sim answers from metadata)."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import zlib

import swarmnb as sn
from swarmnb import vision
from swarmnb._image_facts import embed_facts, read_facts
from swarmnb.models import serve_sim

PNG = b"\x89PNG\r\n\x1a\n"


def _big_run(n: int = 1000) -> sn.Run:
    rng = random.Random(0)
    g = sn.TaskGraph()
    for i in range(n):
        deps = [f"t{j}" for j in rng.sample(range(i), 2)] if i > 20 else []
        g.add(f"step {i}", id=f"t{i}", deps=deps, max_retries=0)

    def work(task: sn.Task, ctx: sn.Context) -> int:
        if task.id in ("t5", "t7"):
            raise ValueError("boom")
        return 1

    return sn.run_graph_sync(g, work, clock="virtual", trace=None)


def _chunks(png: bytes) -> list[bytes]:
    kinds, pos = [], 8
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        crc = int.from_bytes(png[pos + 8 + length : pos + 12 + length], "big")
        assert zlib.crc32(kind + data) == crc
        kinds.append(kind)
        pos += 12 + length
    return kinds


def test_snapshot_of_a_1000_task_run_writes_a_png_with_its_facts(tmp_path) -> None:
    run = _big_run()
    path = vision.snapshot(run, tmp_path / "graph.png")
    data = path.read_bytes()
    assert data.startswith(PNG)
    kinds = _chunks(data)
    assert kinds[0] == b"IHDR" and kinds[-1] == b"IEND" and b"tEXt" in kinds
    facts = read_facts(data)
    table = run.tasks
    assert facts["n_tasks"] == 1000 == len(table)
    assert facts["counts"] == table["status"].value_counts().to_dict()
    assert sorted(facts["failed"]) == ["t5", "t7"]
    assert facts["status"] == run.status == "failed"
    path_ids = facts["critical_path"]
    deps = dict(zip(table["id"], table["deps"], strict=True))
    assert path_ids and all(a in deps[b] for a, b in itertools.pairwise(path_ids))
    width = int.from_bytes(data[16:20], "big")
    assert width >= 500  # a real image, not a stub


def test_snapshot_reads_a_trace_path(tmp_path) -> None:
    g = sn.TaskGraph()
    g.add("a", id="a")
    g.add("b", id="b", deps=["a"])
    run = sn.run_graph_sync(g, lambda t, c: 1, clock="virtual", trace=tmp_path)
    facts = vision.facts(vision.snapshot(run.trace_path, tmp_path / "g.png"))
    assert facts["critical_path"] == ["a", "b"] and facts["counts"] == {"completed": 2}


def test_facts_survive_and_foreign_pngs_have_none() -> None:
    png = vision.render_png(_small_run())
    assert read_facts(png)["n_tasks"] == 3
    stripped = png.replace(b"swarmnb\x00", b"other\x00\x00\x00")
    assert read_facts(stripped) is None
    assert read_facts(b"not a png") is None
    again = embed_facts(stripped, {"x": 1})
    assert read_facts(again) == {"x": 1}


def _small_run() -> sn.Run:
    g = sn.TaskGraph()
    g.add("a", id="a")
    g.add("b", id="b", deps=["a"], max_retries=0)
    g.add("c", id="c", deps=["b"])

    def work(task: sn.Task, ctx: sn.Context) -> int:
        if task.id == "b":
            raise ValueError("no")
        return 1

    return sn.run_graph_sync(g, work, clock="virtual", trace=None)


async def test_analyze_goes_through_serve_sims_http_path_with_the_image() -> None:
    png = vision.render_png(_small_run())
    with serve_sim(latency_scale=0.0) as server:
        a = await vision.analyze(
            png,
            "Which tasks failed?",
            model="openai/sim-small",
            api_base=server.url,
            api_key="sk-local",
        )
        assert server.requests == 1
    assert "1 of 3 tasks failed: b" in a.answer
    assert "simulated" in a.answer
    assert a.tokens_in > 0 and a.model == "openai/sim-small" and a.simulated


async def test_analyze_in_process_and_an_image_without_facts() -> None:
    png = vision.render_png(_small_run())
    a = await vision.analyze(png, "What is on the critical path?", sim_latency_scale=0.0)
    assert "critical path has 3 tasks: a → b → c" in a.answer
    plain = png.replace(b"swarmnb\x00", b"other\x00\x00\x00")
    b = await vision.analyze(plain, "Which tasks failed?", sim_latency_scale=0.0)
    assert "no swarmnb metadata" in b.answer


def test_vision_does_not_import_the_ui_layer() -> None:
    code = "import sys, swarmnb.vision; print(any(m.startswith('swarmnb.ui') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
