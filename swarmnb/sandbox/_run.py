"""Start a confined command, enforce its wall-clock timeout, collect its output."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from .._exceptions import CommandNotFound, SandboxError, WorkspaceError
from ..runtime.clock import run_blocking
from ._confine import CONFINEMENTS, available, plan
from ._result import SandboxResult, classify

__all__ = ["run", "run_sync"]

_BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "MALLOC_ARENA_MAX": "2",  # threads would otherwise reserve 64 MB arenas under RLIMIT_AS
    "PYTHONDONTWRITEBYTECODE": "1",
}
#: Paths hidden from sandboxed code by default (those that exist, outside the workspace).
DEFAULT_HIDDEN = ("~", "/root", "/home", "/run/secrets", "/var/run/secrets")


def _workspace(workspace: str | os.PathLike[str]) -> Path:
    path = Path(workspace).expanduser()
    if not path.exists():
        raise WorkspaceError(f"sandbox workspace {str(path)!r} does not exist")
    if not path.is_dir():
        raise WorkspaceError(f"sandbox workspace {str(path)!r} is not a directory")
    return path.resolve()


def _resolve(cmd: Sequence[str], workspace: Path, env: Mapping[str, str]) -> list[str]:
    if isinstance(cmd, str | bytes) or not cmd or not all(isinstance(c, str) for c in cmd):
        raise TypeError(f"cmd must be a non-empty list of strings, not {cmd!r}")
    exe = cmd[0]
    if "/" in exe:
        target = Path(exe) if os.path.isabs(exe) else workspace / exe
        found = str(target) if target.is_file() and os.access(target, os.X_OK) else None
    else:
        import shutil

        found = shutil.which(exe, path=env.get("PATH"))
    if found is None:
        raise CommandNotFound(f"command {exe!r} not found (PATH={env.get('PATH')!r})")
    return [found, *cmd[1:]]


def _hidden(extra: Sequence[str | os.PathLike[str]], workspace: Path) -> list[Path]:
    import sys

    keep = [workspace, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    out = []
    for raw in (*DEFAULT_HIDDEN, *extra):
        path = Path(raw).expanduser().resolve()
        user_given = raw not in DEFAULT_HIDDEN
        # a default never hides the workspace or the running Python; the caller's list may
        if not user_given and any(k == path or path in k.parents for k in keep):
            continue
        if path.exists() and path not in out:
            out.append(path)
    return out


def _python_binds() -> list[Path]:
    """The running Python's prefixes that the private ``/tmp`` would cover.

    A checkout (and its virtualenv) may live under ``/tmp``; sandboxed code runs this same
    interpreter, so its prefixes are shown read-only wherever they are.
    """
    import sys

    tmp = Path("/tmp").resolve()
    out: list[Path] = []
    for raw in (sys.prefix, sys.base_prefix, sys.exec_prefix):
        path = Path(raw).resolve()
        if (path == tmp or tmp in path.parents) and path not in out:
            out.append(path)
    return out


def _pick(confinement: str) -> str:
    have = available()
    if confinement == "auto":
        return have[0]
    if confinement not in CONFINEMENTS:
        raise ValueError(
            f"confinement must be 'auto' or one of {CONFINEMENTS}, not {confinement!r}"
        )
    if confinement not in have:
        raise SandboxError(f"confinement {confinement!r} is not available here (have: {have})")
    return confinement


async def _read_capped(stream: asyncio.StreamReader | None, cap: int) -> tuple[bytes, bool]:
    """Read a pipe to its end, keeping the first ``cap`` bytes."""
    if stream is None:
        return b"", False
    kept = bytearray()
    dropped = False
    while chunk := await stream.read(65536):
        room = cap - len(kept)
        if room > 0:
            kept += chunk[:room]
        dropped = dropped or len(chunk) > room
    return bytes(kept), dropped


async def run(
    cmd: Sequence[str],
    *,
    workspace: str | os.PathLike[str],
    timeout: float = 30.0,
    memory_mb: int | None = 512,
    network: bool = False,
    cpu_s: int | None = None,
    file_mb: int | None = 64,
    max_procs: int | None = 64,
    env: Mapping[str, str] | None = None,
    hide: Sequence[str | os.PathLike[str]] = (),
    binds: Sequence[str | os.PathLike[str]] = (),
    stdin: bytes | None = None,
    merge_stderr: bool = False,
    max_output: int = 1_000_000,
    grace: float = 0.5,
    confinement: str = "auto",
) -> SandboxResult:
    """Run ``cmd`` confined to ``workspace`` and return a :class:`SandboxResult`.

    ``timeout`` is in real seconds (it holds under the virtual clock too): at the deadline
    the whole process tree gets SIGTERM, and SIGKILL ``grace`` seconds later. ``cpu_s``
    defaults to the timeout rounded up. ``memory_mb`` caps the address space, ``file_mb``
    each written file, ``max_procs`` the number of processes; ``None`` lifts a limit.
    ``network=False`` leaves only a private loopback. ``env`` is added to a minimal
    environment (the caller's variables, API keys included, are not passed on). ``hide``
    lists more host paths to make invisible; ``binds`` host paths to show read-only.

    Example::

        res = await sn.sandbox.run(["python", "-c", "print(1)"], workspace="ws/", timeout=5)
        res.returncode, res.stdout, res.limit_hit, res.confinement
    """
    if not timeout > 0:
        raise ValueError(f"timeout must be > 0 seconds, not {timeout!r}")
    ws = _workspace(workspace)
    import sys

    path = f"{Path(sys.executable).parent}:{_BASE_ENV['PATH']}"  # `python` is this Python
    full_env = {**_BASE_ENV, "PATH": path, "HOME": str(ws), "TMPDIR": "/tmp", **(env or {})}
    argv = _resolve(cmd, ws, full_env)
    how = _pick(confinement)
    hidden = _hidden(hide, ws) if how == "bwrap" else []
    the_plan = plan(
        argv,
        workspace=ws,
        confinement=how,
        network=network,
        memory_mb=memory_mb,
        cpu_s=cpu_s if cpu_s is not None else max(1, int(timeout + 0.999)),
        file_mb=file_mb,
        max_procs=max_procs,
        hide=hidden,
        binds=[*_python_binds(), *(Path(b).resolve() for b in binds)],
    )
    started = time.monotonic()
    timed_out = threading.Event()
    try:
        proc = await asyncio.create_subprocess_exec(
            *the_plan.argv,
            cwd=ws,
            env=full_env,
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT if merge_stderr else asyncio.subprocess.PIPE,
            start_new_session=True,
            preexec_fn=the_plan.preexec(),
        )
    except BaseException:
        if the_plan.cgroup is not None:
            the_plan.cgroup.remove()
        raise

    def _kill(sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, sig)
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, sig)
        if sig == signal.SIGKILL and the_plan.cgroup is not None:
            the_plan.cgroup.kill()

    def _on_deadline() -> None:  # a real-time thread: loop timers do not fire on time here
        timed_out.set()
        _kill(signal.SIGTERM)
        killer = threading.Timer(grace, _kill, args=(signal.SIGKILL,))
        killer.daemon = True
        killer.start()

    watchdog = threading.Timer(timeout, _on_deadline)
    watchdog.daemon = True
    watchdog.start()
    try:
        if stdin is not None and proc.stdin is not None:
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                proc.stdin.write(stdin)
                await proc.stdin.drain()
            proc.stdin.close()
        (out, cut_out), (err, cut_err) = await asyncio.gather(
            _read_capped(proc.stdout, max_output), _read_capped(proc.stderr, max_output)
        )
        code = await proc.wait()
    except BaseException:  # cancelled: leave nothing running
        _kill(signal.SIGKILL)
        raise
    finally:
        watchdog.cancel()
        if the_plan.cgroup is not None:
            procs_refused = the_plan.cgroup.limit_reached()
            the_plan.cgroup.remove()  # kills leftovers (daemons) too
        else:
            procs_refused = False
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
    if how == "bwrap" and code > 128:  # bwrap reports a child killed by signal N as 128 + N
        code = -(code - 128)
    stdout = out.decode("utf-8", errors="replace")
    stderr = err.decode("utf-8", errors="replace")
    was_timeout = timed_out.is_set()
    violations = classify(
        returncode=code,
        output=stdout + "\n" + stderr,
        timed_out=was_timeout,
        procs_refused=procs_refused,
        truncated=cut_out or cut_err,
        network=network,
        workspace=ws,
        hidden=[Path("/tmp"), *hidden] if how == "bwrap" else [],
    )
    return SandboxResult(
        returncode=None if was_timeout else code,
        stdout=stdout,
        stderr=stderr,
        timed_out=was_timeout,
        limit_hit=violations[0] if violations else None,
        confinement=how,
        enforced=the_plan.enforced,
        violations=violations,
        duration_s=time.monotonic() - started,
        command=tuple(cmd),
        workspace=str(ws),
        truncated=cut_out or cut_err,
    )


def run_sync(cmd: Sequence[str], **kwargs: object) -> SandboxResult:
    """:func:`run` from synchronous code (also from inside a running loop: a worker thread)."""
    return run_blocking(lambda: run(cmd, **kwargs), "real")  # type: ignore[arg-type]
