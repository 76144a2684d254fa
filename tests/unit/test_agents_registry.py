"""The registry: install, route, scale, uninstall, results once, typed errors, persistence."""

from __future__ import annotations

import asyncio
import sqlite3
from collections import Counter

import pytest

import swarmnb as sn
from tests.agents_support import manifest, search, virtual


def _terminal(reg) -> Counter:
    kinds = {"task.completed", "task.failed", "task.cancelled"}
    return Counter(e["task"] for e in reg.events if e["kind"] in kinds)


def test_install_submit_and_the_agents_table():
    async def main():
        async with sn.agents.Registry() as reg:
            ids = await reg.install(manifest(), count=3)
            assert ids == ["worker-1", "worker-2", "worker-3"]
            res = await reg.submit("worker", "search for the parser spec", tools=[search])
            assert res.ok and res.tool_calls == 1 and res.agent in ids
            assert "3 results for" in res.output and res.tokens_in > 0 and res.cost_usd > 0
            table = reg.agents()
            for col in ("id", "role", "status", "health", "last_heartbeat_s", "tasks", "tokens",
                        "cost_usd", "restarts"):  # fmt: skip
                assert col in table.columns
            assert table["tasks"].sum() == 1 and set(table["status"]) == {"idle"}
            assert (table["health"] == "healthy").all()
            kinds = [e["kind"] for e in reg.events if e.get("task") == res.task_id]
            assert kinds[0] == "task.queued" and kinds.count("task.started") == 1
            assert kinds[-1] == "task.completed" and "tool.call" in kinds

    virtual(main)


def test_submit_routes_to_the_least_loaded_agent():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=4)
            results = await asyncio.gather(
                *(reg.submit("worker", f"search item {i}", tools=[search]) for i in range(12))
            )
            assert Counter(r.agent for r in results) == {f"worker-{i}": 3 for i in range(1, 5)}

    virtual(main)


def test_priority_then_deadline_order_an_agents_inbox():
    async def main():
        release = asyncio.Event()

        @sn.tool(capability="web.search")
        async def hold(query: str) -> str:
            """Wait until released."""
            await release.wait()
            return "released"

        async with sn.agents.Registry(prefetch=10) as reg:
            await reg.install(manifest(), count=1)
            first = reg.send("worker", "hold everything", tools=[hold])
            await asyncio.sleep(5)  # virtual: the agent is now inside hold()
            futures = [
                reg.send("worker", "low", priority=10, task_id="low"),
                reg.send("worker", "late", priority=5, deadline_s=500, task_id="late"),
                reg.send("worker", "soon", priority=5, deadline_s=50, task_id="soon"),
                reg.send("worker", "urgent", priority=1, task_id="urgent"),
            ]
            await asyncio.sleep(1)
            release.set()
            await asyncio.gather(first, *futures)
            started = [e["task"] for e in reg.events if e["kind"] == "task.started"]
            assert started[1:] == ["urgent", "soon", "late", "low"]

    virtual(main)


def test_the_backlog_keeps_priority_order_too():
    async def main():
        async with sn.agents.Registry(prefetch=1) as reg:
            await reg.install(manifest(), count=1)
            futures = [reg.send("worker", "x", priority=p, task_id=f"p{p}-{i}")
                       for i, p in enumerate([5, 9, 1, 5, 1])]  # fmt: skip
            await asyncio.gather(*futures)
            started = [e["task"] for e in reg.events if e["kind"] == "task.started"]
            assert started == ["p5-0", "p1-2", "p1-4", "p5-3", "p9-1"]

    virtual(main)


def test_a_task_id_is_recorded_once_however_often_it_is_submitted():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            a, b = await asyncio.gather(
                reg.submit("worker", "search once", tools=[search], task_id="only"),
                reg.submit("worker", "search once", tools=[search], task_id="only"),
            )
            assert a is b
            assert _terminal(reg) == {"only": 1}
            assert len(reg.tasks()) == 1

    virtual(main)


def test_scaling_down_drains_without_losing_queued_work():
    async def main():
        async with sn.agents.Registry(prefetch=4) as reg:
            await reg.install(manifest(), count=5)
            futures = [reg.send("worker", f"search {i}", tools=[search]) for i in range(40)]
            await asyncio.sleep(0.5)
            remaining = await reg.scale("worker", 1)
            assert remaining == ["worker-1"]
            results = await asyncio.gather(*futures)
            assert all(r.ok for r in results)
            assert _terminal(reg) == {r.task_id: 1 for r in results}
            finished = [e["agent"] for e in reg.events if e["kind"] == "agent.finished"]
            assert sorted(finished) == ["worker-2", "worker-3", "worker-4", "worker-5"]
            assert await reg.scale("worker", 3) == ["worker-6", "worker-7"]
            assert list(reg.agents()["id"]) == ["worker-1", "worker-6", "worker-7"]
            await reg.scale("worker", 0)
            assert reg.agents().empty
            parked = reg.send("worker", "search later", tools=[search])
            await asyncio.sleep(10)
            assert not parked.done()  # waits, not lost, until an agent exists
            await reg.scale("worker", 1)
            assert (await parked).ok

    virtual(main)


def test_bad_input_is_typed_and_leaves_nothing_installed():
    async def main():
        async with sn.agents.Registry() as reg:
            with pytest.raises(sn.UnknownRole, match="'wizard'"):
                await reg.install("wizard")
            with pytest.raises(sn.DependencyError, match=r"needs developer>=1.0.*not installed"):
                await reg.install("code-reviewer", count=2)
            a = manifest("alpha", dependencies=[{"id": "beta"}])
            b = manifest("beta", dependencies=[{"id": "alpha"}])
            with pytest.raises(
                sn.DependencyError, match=r"cycle: (alpha → beta → alpha|beta → alpha → beta)"
            ):
                await reg.install([a, b])
            old = manifest("beta", version="0.9")
            with pytest.raises(sn.DependencyError, match=r"needs beta>=1.0, but 0.9"):
                await reg.install(
                    [manifest("alpha", dependencies=[{"id": "beta", "min_version": "1.0"}]), old]
                )
            with pytest.raises(sn.ManifestError, match="unknown field 'colour'"):
                await reg.install("developer", colour="blue")
            with pytest.raises(sn.ManifestError, match="bad version"):
                await reg.install("developer", version="v-one")
            assert reg.installed == {} and reg.agents().empty
            assert not [e for e in reg.events if e["kind"] == "agent.spawned"]
            await reg.install(["code-reviewer", "developer"])  # together, in dependency order
            spawned = [e["agent"] for e in reg.events if e["kind"] == "agent.spawned"]
            assert spawned == ["developer-1", "code-reviewer-1"]
            with pytest.raises(sn.RegistryError, match="count must be an int ≥ 0, not -1"):
                await reg.scale("developer", -1)
            with pytest.raises(sn.RegistryError, match=r"installed at version 1.0.0"):
                await reg.install("developer", version="2.0")
            with pytest.raises(sn.RegistryError, match="code-reviewer depend on it"):
                await reg.uninstall("developer")
            with pytest.raises(sn.RegistryError, match="'tester' is not installed"):
                await reg.submit("tester", "x")
            with pytest.raises(sn.UnknownRole):
                await reg.scale("wizard", 1)
            await reg.uninstall("code-reviewer")
            await reg.uninstall("developer")
            assert reg.installed == {} and reg.agents().empty

    virtual(main)


def test_a_denied_tool_call_reaches_the_model_as_an_error_and_the_audit():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(capabilities=["fs.read:**"]), count=1)
            res = await reg.submit("worker", "search for secrets", tools=[search])
            assert res.ok and "CapabilityDenied" in res.output
            denied = [e for e in reg.events if e["kind"] == "capability.denied"]
            assert len(denied) == 1
            assert denied[0]["agent"] == "worker-1" and denied[0]["task"] == res.task_id
            audit = reg.audit()
            assert list(audit["decision"]) == ["denied"]
            assert audit.iloc[0]["capability"] == "web.search"
            assert reg.agents().iloc[0]["denied"] == 1
            with pytest.raises(sn.CapabilityDenied, match=r"worker-1 .*may not call search"):
                await reg.call_tool("worker-1", search, {"query": "x"})
            assert len(reg.audit()) == 2

    virtual(main)


def test_registry_state_persists_in_sqlite(tmp_path):
    path = tmp_path / "registry.sqlite"

    async def first():
        async with sn.agents.Registry(path=path) as reg:
            await reg.install(manifest(), count=2)
            await reg.submit("worker", "search a", tools=[search])
            await reg.install(manifest("other", capabilities=[]), count=1)
            await reg.submit("other", "search b", tools=[search])

    async def second():
        reg = sn.agents.Registry(path=path)
        before = reg.agents()
        assert sorted(before["id"]) == ["other-1", "worker-1", "worker-2"]
        assert set(before["status"]) == {"stopped"}
        assert list(reg.audit()["decision"]) == ["allowed", "denied"]
        async with reg:
            assert sorted(reg.installed) == ["other", "worker"]
            assert len(reg.agents()) == 3 and set(reg.agents()["status"]) == {"idle"}

    virtual(first)
    virtual(second)
    db = sqlite3.connect(path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("UPDATE audit SET decision = 'allowed'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM audit")
    assert db.execute("SELECT count(*) FROM results").fetchone()[0] == 2


def test_an_agents_budget_stops_its_model_calls():
    async def main():
        async with sn.agents.Registry() as reg:
            # a call reserves its prompt plus the default output estimate before it starts
            await reg.install(manifest(limits={"budget_tokens": 1200}), count=1)
            first = await reg.submit("worker", "hello there")
            assert first.ok
            later = [await reg.submit("worker", f"hello again {i}") for i in range(40)]
            failed = [r for r in later if not r.ok]
            assert failed and "BudgetExceeded" in failed[0].error
            assert all(not r.ok for r in later[later.index(failed[0]) :])
            assert reg.agents().iloc[0]["tokens"] <= 1200

    virtual(main)


def test_reprs_read_well_in_a_notebook():
    async def main():
        async with sn.agents.Registry() as reg:
            await reg.install(manifest(), count=2)
            await reg.submit("worker", "search x", tools=[search])
            assert repr(reg) == "<Registry [worker×2] tasks=1/1 bus=MemoryBus>"
            page = reg._repr_html_()
            assert "worker-1" in page and "worker-2" in page and "&lt;Registry" in page

    virtual(main)
