"""A temporary workspace where agents write modules and tests really run.

The folder is created on first use (``tempfile.mkdtemp``) with the read-only tests in
``tests/``; agents write files next to them. :meth:`Workspace.run_tests` runs one module's
test script in a fresh ``python -I -B`` process inside :mod:`swarmnb.sandbox` (confined to the
folder, no network, memory and process limits) with a *real-time* timeout, so the timeout
holds under the virtual clock too, where loop timers would fire at once. :func:`run_all`
checks every module in one sandboxed process for grading.

Example::

    ws = Workspace(tests={"m01": script}, timeout=10.0)
    ws.write("m01.py", "def f01(x): return x")
    await ws.run_tests("m01")        # 'PASS m01: 5/5 checks passed' or 'FAIL m01: …'
    ws.close()                       # removes the folder (also at exit if forgotten)
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import threading
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

from .. import sandbox
from ._tools import ToolError

__all__ = ["Workspace", "run_all"]

_TAIL = 2000
_RUN_ALL = r"""
import contextlib, io, json, pathlib, runpy, signal, sys
root, limit, names = pathlib.Path(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
sys.path.insert(0, str(root))
class TestTimeout(BaseException):  # not an Exception: a test's own except must not eat it
    pass
def _alarm(*_):
    raise TestTimeout()
signal.signal(signal.SIGALRM, _alarm)
out = {}
for name in names:
    ok = False
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            runpy.run_path(str(root / "tests" / f"test_{name}.py"), run_name="__main__")
        ok = True
    except SystemExit as exc:
        ok = exc.code in (0, None)
    except BaseException:
        ok = False
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    out[name] = ok
sys.stdout.write("\n" + json.dumps(out) + "\n")
"""


def _write(root: Path, rel: str, content: str) -> None:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, target)  # readers never see a half-written file


def run_all(root: Path, modules: Sequence[str], *, timeout: float) -> dict[str, bool]:
    """Run the tests of ``modules`` in ``root`` in one subprocess; module → passed."""
    if not modules:
        return {}
    try:
        done = sandbox.run_sync(
            [sys.executable, "-I", "-B", "-c", _RUN_ALL, str(root), str(timeout), *modules],
            workspace=root,
            timeout=timeout * len(modules) + 30,
        )
        found = json.loads(done.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError, OSError):
        return dict.fromkeys(modules, False)
    return {m: bool(found.get(m)) for m in modules}


class Workspace:
    """One scenario's folder: read-only tests plus whatever the agents write."""

    def __init__(self, *, tests: Mapping[str, str], timeout: float = 10.0) -> None:
        self.tests = dict(tests)  #: module name → test script
        self.timeout = timeout
        self._path: Path | None = None
        self._finalizer: weakref.finalize | None = None
        self._lock = threading.Lock()

    @property
    def path(self) -> Path:
        """The folder (created with its tests on first use)."""
        with self._lock:
            if self._path is None:
                path = Path(tempfile.mkdtemp(prefix="swarmnb-ws-"))
                self._finalizer = weakref.finalize(self, shutil.rmtree, path, True)
                for name, script in self.tests.items():
                    _write(path, f"tests/test_{name}.py", script)
                self._path = path
            return self._path

    @property
    def created(self) -> bool:
        return self._path is not None

    def _safe(self, rel: str, *, writing: bool) -> str:
        parts = PurePosixPath(rel.strip().replace("\\", "/")).parts
        parts = tuple(p for p in parts if p not in ("", "."))
        if not parts or rel.strip().startswith("/") or ".." in parts:
            raise ToolError(f"path must be relative and inside the workspace, not {rel!r}")
        if writing and parts[0] == "tests":
            raise ToolError("the tests/ folder is read-only; write your module files instead")
        return "/".join(parts)

    def write(self, rel: str, content: str) -> str:
        rel = self._safe(rel, writing=True)
        _write(self.path, rel, content)
        return f"Wrote {rel} ({len(content)} characters)."

    def read(self, rel: str) -> str:
        rel = self._safe(rel, writing=False)
        target = self.path / rel
        if not target.is_file():
            return f"Error: no file {rel} in the workspace."
        return target.read_text(encoding="utf-8", errors="replace")

    def module_name(self, text: str) -> str:
        """'m03', 'm03.py' and 'tests/test_m03.py' all name module m03."""
        name = PurePosixPath(text.strip().replace("\\", "/")).name
        name = name.removesuffix(".py").removeprefix("test_")
        if name not in self.tests:
            raise ToolError(f"unknown module {text!r}; modules: {sorted(self.tests)}")
        return name

    async def run_tests(self, module: str) -> str:
        """Run one module's tests in a subprocess: 'PASS …' or 'FAIL …' with the output."""
        name = self.module_name(module)
        root = self.path
        res = await sandbox.run(
            [sys.executable, "-I", "-B", str(root / "tests" / f"test_{name}.py")],
            workspace=root, timeout=self.timeout, merge_stderr=True, grace=0.0,
        )  # fmt: skip
        text = res.stdout.strip()[-_TAIL:]
        if res.timed_out:
            return f"FAIL {name}: the tests timed out after {self.timeout:g} s (real time)."
        if res.returncode == 0:
            return text or f"PASS {name}"
        if text.startswith("FAIL"):
            return text
        return f"FAIL {name} (exit code {res.returncode}):\n{text}"

    def check(self, modules: Sequence[str] | None = None) -> dict[str, bool]:
        """Which modules pass their tests now (one subprocess for all)."""
        if not self.created:
            return dict.fromkeys(modules or self.tests, False)
        return run_all(self.path, list(modules or self.tests), timeout=self.timeout)

    def snapshot(self, paths: Sequence[str]) -> dict[str, str]:
        """The current content of the given files (missing files left out)."""
        if not self.created:
            return {}
        out = {}
        for rel in paths:
            target = self.path / rel
            if target.is_file():
                out[rel] = target.read_text(encoding="utf-8", errors="replace")
        return out

    def reset(self) -> None:
        """Remove everything agents wrote; keep the tests."""
        if self._path is None:
            return
        for child in self._path.iterdir():
            if child.name != "tests":
                shutil.rmtree(child) if child.is_dir() else child.unlink()

    def close(self) -> None:
        """Delete the folder; the workspace is re-created if used again."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
            self._path = None
            self._finalizer = None

    def __repr__(self) -> str:
        where = str(self._path) if self._path else "not created"
        return f"Workspace({len(self.tests)} modules, {where})"
