"""Grants: deny first, scopes with globs, delegation only narrows."""

from __future__ import annotations

import pytest

import swarmnb as sn
from swarmnb.agents import Capabilities


def test_deny_first_then_grant_else_refuse():
    caps = Capabilities.of(
        [
            "fs.read:workspace/**",
            "fs.write:workspace/out/*",
            "!fs.write:workspace/out/secret*",
            "web.*",
        ]
    )
    assert caps.allows("fs.read", "workspace/a/b/c.py")[0]
    assert not caps.allows("fs.read", "etc/passwd")[0]
    assert not caps.allows("fs.read", None)[0]  # a scoped grant needs a scope
    assert caps.allows("fs.write", "workspace/out/a.txt")[0]
    assert not caps.allows("fs.write", "workspace/out/sub/a.txt")[0]  # * stays in one segment
    ok, reason = caps.allows("fs.write", "workspace/out/secret.txt")
    assert not ok and reason.startswith("denied by !fs.write")
    assert caps.allows("web.search")[0] and caps.allows("web.fetch")[0]
    ok, reason = caps.allows("shell.exec")
    assert not ok and reason == "shell.exec is not granted"


def test_delegation_only_narrows_and_keeps_denials():
    parent = Capabilities.of(["fs.read:workspace/**", "web.search", "!fs.read:workspace/.env"])
    child = parent.delegate(["fs.read:workspace/src/**"])
    assert child.allows("fs.read", "workspace/src/a.py")[0]
    assert not child.allows("fs.read", "workspace/docs/a.md")[0]
    assert not child.allows("web.search")[0]
    assert "!fs.read:workspace/.env" in list(child)
    for wider in ("fs.read:**", "fs.write:workspace/**", "shell.exec", "fs.read"):
        with pytest.raises(sn.CapabilityDenied, match="cannot delegate"):
            parent.delegate([wider])
