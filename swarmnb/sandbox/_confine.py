"""How a sandboxed command is confined: namespaces, rlimits and a process-count cgroup.

Three confinements, strongest first, chosen by what this machine offers:

- ``"bwrap"``: bubblewrap. The root file system read-only, the workspace bound read-write at
  its own path, a private ``/tmp`` (so the host's ``/tmp`` is invisible), hidden paths covered
  by empty tmpfs, a private network (loopback only), PID and IPC namespaces, all capabilities
  dropped, and the sandbox dies with its parent.
- ``"unshare"``: util-linux ``unshare --net --pid --fork`` (root only): no network, private PIDs,
  but the file system is the host's (writes are limited only by file permissions).
- ``"rlimits"``: no namespaces at all; resource limits, the workspace as working directory and
  a wall-clock timeout on the whole process group.

All three add rlimits (CPU seconds, address space, file size, processes). ``RLIMIT_NPROC`` does
not bind root, so as root the process count is capped by a per-run ``pids`` cgroup when one
can be made (cgroup v1 or v2); the cgroup also lets the timeout kill every process of the run,
daemons included. :func:`plan` reports exactly which of these applied.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import resource
import shutil
import signal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CONFINEMENTS", "Cgroup", "Plan", "available", "plan"]

#: Confinements from strongest to weakest.
CONFINEMENTS = ("bwrap", "unshare", "rlimits")
_COUNTER = itertools.count()


def available() -> tuple[str, ...]:
    """The confinements this machine can apply, strongest first."""
    out = []
    if shutil.which("bwrap") and _bwrap_works():
        out.append("bwrap")
    if shutil.which("unshare") and os.geteuid() == 0:
        out.append("unshare")
    out.append("rlimits")
    return tuple(out)


_BWRAP_OK: dict[str, bool] = {}


def _bwrap_works() -> bool:
    """bwrap can be installed yet unusable (no user namespaces): try it once."""
    if "ok" not in _BWRAP_OK:
        import subprocess

        try:
            done = subprocess.run(
                ["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
                capture_output=True,
                timeout=10,
                check=False,
            )
            _BWRAP_OK["ok"] = done.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            _BWRAP_OK["ok"] = False
    return _BWRAP_OK["ok"]


class Cgroup:
    """A per-run ``pids`` cgroup: caps the number of processes, and kills them all."""

    def __init__(self, path: Path, *, v2: bool) -> None:
        self.path = path
        self.v2 = v2

    @classmethod
    def create(cls, max_procs: int) -> Cgroup | None:
        """A fresh cgroup with ``pids.max`` set, or None where cgroups cannot be made."""
        if os.geteuid() != 0:
            return None
        name = f"swarmnb-{os.getpid()}-{next(_COUNTER)}"
        for root, v2 in ((Path("/sys/fs/cgroup/pids"), False), (Path("/sys/fs/cgroup"), True)):
            if v2 and "pids" not in _read(root / "cgroup.subtree_control"):
                continue
            if not (root / "cgroup.procs").exists():
                continue
            if not _SWEPT:
                _SWEPT.append(root)
                _sweep(root, v2=v2)
            try:
                path = root / name
                path.mkdir()
                (path / "pids.max").write_text(str(max_procs))
                return cls(path, v2=v2)
            except OSError:
                with contextlib.suppress(OSError):
                    (root / name).rmdir()
        return None

    def enter(self) -> None:
        """Move the calling process into the cgroup (called in the child before exec)."""
        with open(self.path / "cgroup.procs", "w") as fh:
            fh.write("0")

    def pids(self) -> list[int]:
        return [int(p) for p in _read(self.path / "cgroup.procs").split() if p.strip()]

    def limit_reached(self) -> bool:
        """Whether a fork was refused because the cgroup was full."""
        for line in _read(self.path / "pids.events").splitlines():
            key, _, value = line.partition(" ")
            if key == "max" and value.strip() not in ("", "0"):
                return True
        return False

    def kill(self) -> None:
        """SIGKILL every process in the cgroup."""
        if self.v2 and (self.path / "cgroup.kill").exists():
            with contextlib.suppress(OSError):
                (self.path / "cgroup.kill").write_text("1")
            return
        for _ in range(50):  # v1: a fork may race the sweep, so sweep until empty
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)

    def remove(self) -> None:
        self.kill()
        for _ in range(200):
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:  # processes are still exiting
                import time

                time.sleep(0.01)


_SWEPT: list[Path] = []


def _sweep(root: Path, *, v2: bool) -> None:
    """Remove cgroups left by swarmnb processes that died (killing what still runs in them)."""
    for path in root.glob("swarmnb-*-*"):
        try:
            owner = int(path.name.split("-")[1])
            os.kill(owner, 0)
            continue  # its process is alive: not ours to touch
        except ProcessLookupError:
            pass
        except (ValueError, PermissionError):
            continue
        Cgroup(path, v2=v2).remove()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


@dataclass
class Plan:
    """The command line to start and the limits that go with it."""

    argv: list[str]
    confinement: str
    enforced: tuple[str, ...]
    rlimits: dict[int, tuple[int, int]] = field(default_factory=dict)
    cgroup: Cgroup | None = None

    def preexec(self) -> Callable[[], None]:
        limits = dict(self.rlimits)
        cgroup = self.cgroup

        def _child() -> None:  # runs in the child between fork and exec: no locks, no logging
            if cgroup is not None:
                cgroup.enter()
            for which, (soft, hard) in limits.items():
                resource.setrlimit(which, (soft, hard))

        return _child


def _user_process_count() -> int:
    uid = os.getuid()
    n = 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                n += entry.stat().st_uid == uid
    return n


def plan(
    cmd: Sequence[str],
    *,
    workspace: Path,
    confinement: str,
    network: bool,
    memory_mb: int | None,
    cpu_s: int | None,
    file_mb: int | None,
    max_procs: int | None,
    hide: Sequence[Path],
    binds: Sequence[Path],
) -> Plan:
    """The argv and limits to run ``cmd`` under ``confinement`` (one of :data:`CONFINEMENTS`)."""
    enforced: list[str] = ["timeout"]
    rlimits: dict[int, tuple[int, int]] = {}
    if cpu_s is not None:
        rlimits[resource.RLIMIT_CPU] = (cpu_s, cpu_s + 1)
        enforced.append("cpu")
    if memory_mb is not None:
        size = memory_mb * 1024 * 1024
        rlimits[resource.RLIMIT_AS] = (size, size)
        enforced.append("memory")
    if file_mb is not None:
        size = file_mb * 1024 * 1024
        rlimits[resource.RLIMIT_FSIZE] = (size, size)
        enforced.append("file_size")
    cgroup = None
    if max_procs is not None:
        cgroup = Cgroup.create(max_procs)
        if cgroup is not None:
            enforced.append("processes")
        elif os.geteuid() != 0:  # RLIMIT_NPROC counts every process of this user
            n = _user_process_count() + max_procs
            rlimits[resource.RLIMIT_NPROC] = (n, n)
            enforced.append("processes")
    argv = list(cmd)
    if confinement == "bwrap":
        argv = [*_bwrap_args(workspace, network=network, hide=hide, binds=binds), *argv]
        enforced += ["read_only_fs", "hidden_path", "pid_namespace"]
        if not network:
            enforced.append("network")
    elif confinement == "unshare":
        flags = ["--pid", "--fork", "--kill-child", "--mount-proc"]
        if not network:
            flags.insert(0, "--net")
            enforced.append("network")
        argv = ["unshare", *flags, "--", *argv]
        enforced.append("pid_namespace")
    return Plan(argv, confinement, tuple(enforced), rlimits, cgroup)


_DENIED: list[str] = []


def _denied_file() -> str:
    """An empty mode-000 file; with every capability dropped, not even root can read it."""
    if not _DENIED:
        import atexit
        import tempfile

        fd, name = tempfile.mkstemp(prefix="swarmnb-hidden-")
        os.close(fd)
        os.chmod(name, 0)
        atexit.register(lambda: os.path.exists(name) and os.unlink(name))
        _DENIED.append(name)
    return _DENIED[0]


def _bwrap_args(
    workspace: Path, *, network: bool, hide: Sequence[Path], binds: Sequence[Path]
) -> list[str]:
    args = ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc"]
    args += ["--tmpfs", "/tmp"]  # before the workspace bind: a workspace under /tmp stays
    for path in binds:  # extra read-only paths (e.g. a test runner's files under /tmp)
        args += ["--ro-bind", str(path), str(path)]
    ws = str(workspace)
    args += ["--bind", ws, ws]
    for path in hide:  # after the binds, so a hidden path inside them stays hidden
        if path.is_dir():
            args += ["--tmpfs", str(path)]
        elif path.exists():  # an unreadable stand-in: reading it fails, visibly
            args += ["--ro-bind", _denied_file(), str(path)]
    args += ["--chdir", ws, "--setenv", "TMPDIR", "/tmp"]
    args += ["--unshare-pid", "--unshare-ipc", "--unshare-uts", "--die-with-parent"]
    args += ["--new-session", "--cap-drop", "ALL"]
    if not network:
        args.append("--unshare-net")
    return args
