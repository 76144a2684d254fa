"""MemoryStore: the three tables, the per-agent context, and many concurrent writers."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest

import swarmnb as sn
from swarmnb.memory import GLOBAL, MemoryStore


def test_agent_memory_is_unique_per_agent_and_key(tmp_path: Path) -> None:
    ticks = iter(range(100))
    mem = MemoryStore(tmp_path / "m.sqlite", clock=lambda: float(next(ticks)))
    mem.remember("dev", "style", {"tests": "pytest"})
    mem.remember("dev", "style", {"tests": "unittest"})
    mem.remember("qa", "style", [1, 2])
    assert mem.recall("dev", "style") == {"tests": "unittest"}
    assert mem.recall("qa", "style") == [1, 2]
    assert mem.recall("qa", "nothing", default=3) == 3
    rows = mem.memories("dev")
    assert len(rows) == 1
    assert (rows.created_at[0], rows.updated_at[0]) == (0.0, 1.0)
    assert mem.forget("dev", "style") and not mem.forget("dev", "style")
    raw = sqlite3.connect(tmp_path / "m.sqlite")
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(sqlite3.IntegrityError):
        raw.execute(
            "INSERT INTO agent_memory (agent_name, key, value, created_at, updated_at) "
            "VALUES ('qa', 'style', '1', 0, 0)"
        )


def test_activity_and_decisions_are_appended(tmp_path: Path) -> None:
    mem = MemoryStore(tmp_path / "m.sqlite")
    mem.log("dev", "wrote code", task="t1", lines=12)
    mem.log("qa", "wrote tests", task="t1")
    first = mem.record_decision("ceo", "approve", {"proposal": "p1", "score": 7.5})
    second = mem.record_decision("ceo", "reject", {"proposal": "p2"})
    assert second > first
    assert mem.activities("dev").details.tolist() == [{"task": "t1", "lines": 12}]
    assert len(mem.activities()) == 2
    approved = mem.decisions(decision_type="approve")
    assert approved.decision_data.tolist() == [{"proposal": "p1", "score": 7.5}]


def test_context_reads_own_then_global_and_is_one_transaction(tmp_path: Path) -> None:
    mem = MemoryStore(tmp_path / "m.sqlite")
    mem.remember(GLOBAL, "goal", "ship v1")
    ctx = mem.context("dev")
    assert ctx["goal"] == "ship v1"
    ctx["goal"] = "fix the bug first"
    assert ctx["goal"] == "fix the bug first" and mem.recall(GLOBAL, "goal") == "ship v1"
    with pytest.raises(RuntimeError), mem.context("dev") as tx:
        tx["half"] = "written"
        tx.log("started")
        raise RuntimeError("crash inside the block")
    assert mem.recall("dev", "half") is None  # rolled back together
    assert mem.activities("dev").empty
    with mem.context("dev") as tx:
        tx["done"] = True
        tx.log("finished", task="t2")
    text = mem.context("dev").summary()
    assert "done: true" in text and "finished" in text and "Shared context" not in text


def test_bad_input(tmp_path: Path) -> None:
    mem = MemoryStore()
    with pytest.raises(TypeError, match="JSON"):
        mem.remember("dev", "k", {1, 2})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="agent name"):
        mem.log("", "x")
    with pytest.raises(NotADirectoryError):
        MemoryStore(tmp_path / "missing" / "m.sqlite")


def _bump(path: str, agent: str, n: int) -> None:
    mem = MemoryStore(path)
    for i in range(n):
        mem.update("team", "counter", lambda v: (v or 0) + 1)
        mem.remember(agent, f"k{i}", i)
        mem.log(agent, "tick", i=i)
    mem.close()


def test_many_threads_and_processes_write_without_losing_updates(tmp_path: Path) -> None:
    path = str(tmp_path / "m.sqlite")
    MemoryStore(path).close()
    threads = [threading.Thread(target=_bump, args=(path, f"t{i}", 40)) for i in range(6)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_bump, args=(path, f"p{i}", 40)) for i in range(2)]
    for worker in [*threads, *procs]:
        worker.start()
    for worker in [*threads, *procs]:
        worker.join(timeout=120)
    assert all(p.exitcode == 0 for p in procs)
    mem = MemoryStore(path)
    assert mem.recall("team", "counter") == 8 * 40  # every read-modify-write kept
    assert len(mem.activities()) == 8 * 40
    assert len(mem.memories()) == 8 * 40 + 1


def test_facade() -> None:
    assert sn.memory.MemoryStore is MemoryStore
    assert "0 memories" in repr(MemoryStore())
