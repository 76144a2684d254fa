"""Property: every call a manifest does not grant raises, emits capability.denied, is audited;
every call it grants runs. Random grants (with scopes and denials) × random tool calls."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import swarmnb as sn
from swarmnb.agents import AuditLog, Capabilities
from swarmnb.agents.gate import ToolGate

NAMES = ["fs.read", "fs.write", "web.search", "shell.exec", "git.push"]
PATHS = ["workspace/a.py", "workspace/src/b.py", "workspace/.env", "etc/passwd", "tmp/x"]

name_pattern = st.sampled_from([*NAMES, "fs.*", "web.*", "*"])
scope_pattern = st.sampled_from([None, "workspace/**", "workspace/*", "workspace/src/**", "etc/*"])
grant = st.builds(
    lambda deny, name, scope: ("!" if deny else "") + name + (f":{scope}" if scope else ""),
    st.booleans().map(lambda b: b and True),
    name_pattern,
    scope_pattern,
)


def _tools() -> dict[str, sn.agents.Tool]:
    out = {}
    for cap in NAMES:

        def fn(path: str) -> str:
            return f"ran on {path}"

        out[cap] = sn.tool(capability=cap, scope="path", name=cap.replace(".", "_"))(fn)
    return out


TOOLS = _tools()


class _Caller:
    def __init__(self, grants: list[str]) -> None:
        self.id, self.role = "agent-1", "prop"
        m = sn.agents.AgentManifest.parse(
            {"id": "p", "name": "P", "role": "prop", "capabilities": grants}
        )
        self.capabilities = Capabilities.of(m.capabilities)


def _expected(grants: list[str], cap: str, path: str) -> bool:
    """An independent reading of the rule: any matching denial refuses; else any grant allows."""
    import fnmatch
    import re

    def scope_ok(pattern: str | None) -> bool:
        if pattern is None:
            return True
        rx = re.escape(pattern).replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        return re.fullmatch(rx, path) is not None

    def match(g: str) -> bool:
        name, _, scope = g.lstrip("!").partition(":")
        return fnmatch.fnmatchcase(cap, name) and scope_ok(scope or None)

    if any(g.startswith("!") and match(g) for g in grants):
        return False
    return any(not g.startswith("!") and match(g) for g in grants)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    grants=st.lists(grant, max_size=6),
    calls=st.lists(
        st.tuples(st.sampled_from(NAMES), st.sampled_from(PATHS)), min_size=1, max_size=8
    ),
)
def test_every_denied_call_raises_emits_and_is_audited(grants, calls):
    events: list[dict] = []
    audit = AuditLog()
    gate = ToolGate(audit=audit, emit=lambda kind, **f: events.append({"kind": kind, **f}),
                    now=lambda: 0.0)  # fmt: skip
    caller = _Caller(grants)

    async def run():
        outcomes = []
        for cap, path in calls:
            try:
                out = await gate.call(caller, TOOLS[cap], {"path": path}, task="t")
                outcomes.append(("ran", out))
            except sn.CapabilityDenied as exc:
                outcomes.append(("denied", exc))
        return outcomes

    outcomes = asyncio.run(run())
    denied_events = [e for e in events if e["kind"] == "capability.denied"]
    assert len(audit) == len(calls)
    for (cap, path), (what, value), entry in zip(calls, outcomes, audit.entries, strict=True):
        allowed = _expected(grants, cap, path)
        assert (what == "ran") is allowed, (grants, cap, path)
        assert entry.decision == ("allowed" if allowed else "denied")
        assert (entry.capability, entry.scope) == (cap, path)
        if what == "ran":
            assert value == f"ran on {path}"
        else:
            assert value.capability == f"{cap}:{path}" and value.agent == "agent-1"
    assert len(denied_events) == sum(1 for w, _ in outcomes if w == "denied")
    assert [e["capability"] for e in denied_events] == [
        f"{c}:{p}" for (c, p), (w, _) in zip(calls, outcomes, strict=True) if w == "denied"
    ]
