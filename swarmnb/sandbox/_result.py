"""What a sandboxed run returns, and how the limit that stopped it is named.

The sandbox knows some limits first-hand (its own timeout, the cgroup's refused forks, the
signal that ended the process: ``SIGXCPU`` for CPU time, ``SIGXFSZ`` for file size). The
others show only as the error the confined program saw, so they are read from its output by
their errno text: ``Read-only file system`` (a write outside the workspace), ``Network is
unreachable`` (no network), ``MemoryError`` / ``Cannot allocate memory`` (address space),
``Resource temporarily unavailable`` on fork (process count), and a ``No such file`` /
``Permission denied`` naming a path under a hidden root (``/tmp``, the home directory, the
caller's ``hide`` list) or reached through a symlink pointing out of the workspace.
"""

from __future__ import annotations

import os
import re
import signal
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LIMITS", "SandboxResult", "classify"]

#: Every name :attr:`SandboxResult.limit_hit` can take, in the order they are reported.
LIMITS = (
    "processes",
    "memory",
    "cpu",
    "file_size",
    "output",
    "timeout",
    "network",
    "read_only_fs",
    "hidden_path",
)

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("memory", re.compile(r"\bMemoryError\b|Cannot allocate memory|std::bad_alloc|out of memory")),
    ("processes", re.compile(r"BlockingIOError|Resource temporarily unavailable|fork: retry")),
    ("file_size", re.compile(r"File too large")),
    ("read_only_fs", re.compile(r"Read-only file system")),
)
_NETWORK = re.compile(
    r"Network is unreachable|Connection refused|Temporary failure in name resolution|"
    r"Name or service not known|Cannot assign requested address"
)
_PATH_ERROR = re.compile(
    r"(?:No such file or directory|Permission denied|Not a directory)"
    r"(?::\s*|\s+)['\"]([^'\"\n]+)['\"]"
)
_SIGNAL_LIMIT = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file_size"}


@dataclass(frozen=True)
class SandboxResult:
    """The outcome of :func:`swarmnb.sandbox.run`.

    ``returncode`` is the command's exit status (negative: killed by that signal; None: it
    never exited on its own before the timeout). ``limit_hit`` names the first limit in
    :data:`LIMITS` order that stopped or refused the program, ``violations`` all of them.
    ``confinement`` is what really applied (``"bwrap"``, ``"unshare"`` or ``"rlimits"``) and
    ``enforced`` the limits that were in force.
    """

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    limit_hit: str | None
    confinement: str
    enforced: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()
    duration_s: float = 0.0
    command: tuple[str, ...] = ()
    workspace: str = ""
    truncated: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """The command exited with status 0 and no limit was hit."""
        return self.returncode == 0 and not self.timed_out and self.limit_hit is None

    @property
    def signal(self) -> str | None:
        """The name of the signal that ended the process, if one did."""
        if self.returncode is None or self.returncode >= 0:
            return None
        try:
            return signal.Signals(-self.returncode).name
        except ValueError:
            return f"signal {-self.returncode}"

    def __repr__(self) -> str:
        how = f"limit_hit={self.limit_hit!r}, " if self.limit_hit else ""
        cmd = " ".join(self.command)[:60]
        return (
            f"SandboxResult({cmd!r}, returncode={self.returncode}, {how}"
            f"confinement={self.confinement!r}, {self.duration_s:.2f} s)"
        )

    def _repr_html_(self) -> str:
        from html import escape

        colour = "#2e7d32" if self.ok else "#c62828"
        rows = "".join(
            f"<tr><th style='text-align:left'>{k}</th><td>{escape(str(v))}</td></tr>"
            for k, v in (
                ("command", " ".join(self.command)),
                ("returncode", self.returncode),
                ("limit hit", self.limit_hit or "none"),
                ("confinement", self.confinement),
                ("enforced", ", ".join(self.enforced)),
                ("seconds (real)", f"{self.duration_s:.2f}"),
            )
        )
        tail = escape((self.stdout + self.stderr)[-1500:])
        return (
            f"<div style='border-left:4px solid {colour};padding-left:6px'><table>{rows}"
            f"</table><pre style='max-height:12em;overflow:auto'>{tail}</pre></div>"
        )


def classify(
    *,
    returncode: int | None,
    output: str,
    timed_out: bool,
    procs_refused: bool,
    truncated: bool,
    network: bool,
    workspace: Path,
    hidden: Sequence[Path] = (),
) -> tuple[str, ...]:
    """Every limit the run ran into, in :data:`LIMITS` order."""
    found: set[str] = set()
    if timed_out:
        found.add("timeout")
    if procs_refused:
        found.add("processes")
    if truncated:
        found.add("output")
    if returncode is not None and returncode < 0:
        name = _SIGNAL_LIMIT.get(-returncode)  # type: ignore[call-overload]
        if name:
            found.add(name)
    for name, pattern in _PATTERNS:
        if pattern.search(output):
            found.add(name)
    if not network and _NETWORK.search(output):
        found.add("network")
    if _outside_paths(output, workspace, hidden):
        found.add("hidden_path")
    return tuple(name for name in LIMITS if name in found)


def _outside_paths(output: str, workspace: Path, hidden: Sequence[Path]) -> list[str]:
    """Paths an error names that lie outside the workspace under a hidden root, or that a
    symlink in the workspace points to outside it."""
    ws = os.path.realpath(workspace)
    roots = [os.path.realpath(h) for h in hidden]
    out = []
    for raw in _PATH_ERROR.findall(output):
        path = raw if os.path.isabs(raw) else os.path.join(ws, raw)
        real = os.path.realpath(path)
        if real == ws or real.startswith(ws + os.sep):
            continue
        lexical = os.path.normpath(path)
        via_link = lexical == ws or lexical.startswith(ws + os.sep)
        under_hidden = any(real == r or real.startswith(r.rstrip("/") + "/") for r in roots)
        on_host = os.path.lexists(real) or os.path.isdir(os.path.dirname(real))
        if via_link or (under_hidden and on_host):
            out.append(real)
    return out
