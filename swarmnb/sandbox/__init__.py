"""Run untrusted code confined to a workspace: namespaces, rlimits and a real-time timeout.

This is the one way swarmnb executes code a model wrote. With bubblewrap the system is
read-only, the workspace is the only writable path, ``/tmp`` is private, the host's home and
secrets are hidden, there is no network and PIDs are private; rlimits cap CPU seconds, address
space, file size and (through a per-run cgroup as root) the number of processes; a wall-clock
timeout kills the whole process tree. Where bubblewrap is missing it falls back to
``unshare`` (root) or to rlimits alone, and the result says which confinement applied.

Example::

    import swarmnb as sn

    res = await sn.sandbox.run(["python", "-m", "pytest", "-q"], workspace="ws/",
                               timeout=30, memory_mb=512, network=False)
    res.returncode, res.limit_hit, res.confinement     # 0, None, 'bwrap'
    sn.sandbox.available()                              # ('bwrap', 'unshare', 'rlimits')
    report = await sn.sandbox.run_tests("ws/")          # pytest → passed, failed, failures
"""

from __future__ import annotations

from .._exceptions import CommandNotFound, SandboxError, WorkspaceError
from ._confine import CONFINEMENTS, available
from ._result import LIMITS, SandboxResult
from ._run import DEFAULT_HIDDEN, run, run_sync
from .testing import (
    JestRunner,
    PytestRunner,
    TestFailure,
    TestReport,
    TestRunner,
    get_runner,
    run_tests,
)

__all__ = [
    "CONFINEMENTS",
    "DEFAULT_HIDDEN",
    "LIMITS",
    "CommandNotFound",
    "JestRunner",
    "PytestRunner",
    "SandboxError",
    "SandboxResult",
    "TestFailure",
    "TestReport",
    "TestRunner",
    "WorkspaceError",
    "available",
    "get_runner",
    "run",
    "run_sync",
    "run_tests",
]
