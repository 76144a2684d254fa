"""Untrusted code tries to escape the sandbox; each attempt is contained and named.

Every test starts its own targets (files, a TCP server on 127.0.0.1) and checks the host side
afterwards: the file outside is unchanged, the server saw no connection, no process survives.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import textwrap
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

import swarmnb as sn

HAVE = sn.sandbox.available()
needs_bwrap = pytest.mark.skipif("bwrap" not in HAVE, reason="bubblewrap not installed")


def _run(ws: Path, code: str, **kw: object) -> sn.sandbox.SandboxResult:
    (ws / "attempt.py").write_text(textwrap.dedent(code))
    kw.setdefault("timeout", 10)
    return sn.sandbox.run_sync([sys.executable, "attempt.py"], workspace=ws, **kw)


def _alive_with(marker: str) -> list[int]:
    """Host processes whose command line carries ``marker``."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = Path(entry.path, "cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry.name))
    return found


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    path = tmp_path / "ws"
    path.mkdir()
    return path


@pytest.fixture
def host_dir() -> Iterator[Path]:
    """A host directory outside /tmp (which the sandbox replaces), removed afterwards."""
    path = Path("/var/tmp") / f"swarmnb-escape-{uuid.uuid4().hex[:8]}"
    path.mkdir()
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_bwrap
def test_write_outside_the_workspace_is_refused(ws: Path, host_dir: Path) -> None:
    res = _run(ws, f"open({str(host_dir / 'pwned.txt')!r}, 'w').write('x')")
    assert not (host_dir / "pwned.txt").exists()
    assert res.returncode != 0
    assert res.limit_hit == "read_only_fs"
    assert res.confinement == "bwrap"


@needs_bwrap
def test_writes_inside_the_workspace_still_work(ws: Path) -> None:
    res = _run(ws, "open('out.txt', 'w').write('kept'); print('ok')")
    assert res.ok, res
    assert (ws / "out.txt").read_text() == "kept"


@needs_bwrap
def test_hidden_files_cannot_be_read(ws: Path, tmp_path: Path, host_dir: Path) -> None:
    in_tmp = tmp_path / "secret.txt"  # the host's /tmp is not visible at all
    in_tmp.write_text("TOP SECRET")
    listed = host_dir / "token.txt"  # a file the caller hides explicitly
    listed.write_text("TOP SECRET")
    for target, hide in ((in_tmp, ()), (listed, (str(listed),))):
        res = _run(ws, f"print(open({str(target)!r}).read())", hide=hide)
        assert "TOP SECRET" not in res.stdout
        assert res.limit_hit == "hidden_path", res.stderr


@needs_bwrap
def test_no_network_even_to_a_loopback_server(ws: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    port = server.getsockname()[1]
    accepted: list[object] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                accepted.append(server.accept())
            except TimeoutError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        reachable = socket.create_connection(("127.0.0.1", port), timeout=5)  # from the host: yes
        reachable.close()
        res = _run(ws, f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)")
    finally:
        stop.set()
        thread.join()
        server.close()
    assert len(accepted) == 1  # only the host's own probe
    assert res.returncode != 0
    assert res.limit_hit == "network"


@needs_bwrap
def test_fork_bomb_is_capped(ws: Path) -> None:
    marker = f"bomb{uuid.uuid4().hex[:8]}"
    res = sn.sandbox.run_sync(
        [sys.executable, "-c", _BOMB, marker], workspace=ws, timeout=3, max_procs=32
    )
    assert res.limit_hit == "processes", res
    assert "processes" in res.violations
    assert _alive_with(marker) == []


_BOMB = """
import os, sys, time
child = [sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]]
while True:
    try:
        if os.fork() == 0:
            os.execv(sys.executable, child)
    except OSError:
        time.sleep(0.01)
"""


@pytest.mark.parametrize("how", HAVE)
def test_memory_hog_is_stopped(ws: Path, how: str) -> None:
    res = _run(ws, "hog = []\nwhile True: hog.append(bytearray(50 << 20))", memory_mb=256,
               confinement=how)  # fmt: skip
    assert res.returncode != 0
    assert res.limit_hit == "memory"
    assert "memory" in res.enforced


@pytest.mark.parametrize("how", HAVE)
def test_infinite_loop_is_stopped_by_the_wall_clock(ws: Path, how: str) -> None:
    res = _run(ws, "while True: pass", timeout=1.5, confinement=how)
    assert res.timed_out
    assert res.limit_hit == "timeout"
    assert res.returncode is None


def test_cpu_limit_ends_a_busy_loop(ws: Path) -> None:
    res = _run(ws, "while True: pass", timeout=30, cpu_s=1)
    assert not res.timed_out
    assert res.limit_hit == "cpu"
    assert res.signal == "SIGXCPU"


@pytest.mark.parametrize("how", HAVE)
def test_a_process_tree_ignoring_sigterm_is_killed(ws: Path, how: str) -> None:
    marker = f"stubborn{uuid.uuid4().hex[:8]}"
    code = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "if os.fork() == 0:\n"
        "    os.setsid()  # a daemon leaving the process group\n"
        "    os.execv(sys.executable, [sys.executable, '-c', "
        "'import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)', "
        "sys.argv[1]])\n"
        "time.sleep(60)\n"
    )
    res = sn.sandbox.run_sync(
        [sys.executable, "-c", code, marker], workspace=ws, timeout=1, confinement=how
    )
    assert res.timed_out and res.limit_hit == "timeout"
    if how != "rlimits" or os.geteuid() == 0:  # rlimits alone cannot catch a setsid daemon
        assert _alive_with(marker) == []
    else:
        for pid in _alive_with(marker):
            os.kill(pid, 9)


@needs_bwrap
def test_symlinks_out_of_the_workspace_lead_nowhere(ws: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("TOP SECRET")
    (ws / "link").symlink_to(outside)
    res = _run(ws, "print(open('link/secret.txt').read())")
    assert "TOP SECRET" not in res.stdout
    assert res.limit_hit == "hidden_path"
    res = _run(ws, "open('link/planted.txt', 'w').write('x')")
    assert res.limit_hit == "hidden_path"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    (ws / "etc").symlink_to("/etc")
    res = _run(ws, "open('etc/planted.conf', 'w').write('x')")
    assert res.limit_hit == "read_only_fs"
    assert not Path("/etc/planted.conf").exists()


def test_confinement_is_reported_honestly(ws: Path) -> None:
    res = _run(ws, "print('hi')", confinement="rlimits")
    assert res.ok and res.stdout.strip() == "hi"
    assert res.confinement == "rlimits"
    assert not {"network", "read_only_fs", "hidden_path"} & set(res.enforced)
    best = _run(ws, "print('hi')")
    assert best.confinement == HAVE[0]


def test_bad_input_gets_typed_errors(ws: Path, tmp_path: Path) -> None:
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    with pytest.raises(sn.sandbox.WorkspaceError, match="not a directory"):
        sn.sandbox.run_sync(["true"], workspace=a_file)
    with pytest.raises(NotADirectoryError):
        sn.sandbox.run_sync(["true"], workspace=tmp_path / "missing")
    with pytest.raises(sn.sandbox.CommandNotFound, match="no-such-tool"):
        sn.sandbox.run_sync(["no-such-tool", "--x"], workspace=ws)
    with pytest.raises(ValueError, match="confinement"):
        sn.sandbox.run_sync(["true"], workspace=ws, confinement="docker")
    with pytest.raises(ValueError, match="timeout"):
        sn.sandbox.run_sync(["true"], workspace=ws, timeout=0)


@needs_bwrap
def test_a_python_living_under_tmp_still_runs_inside(tmp_path: Path) -> None:
    """A checkout (and its virtualenv) under /tmp: the private /tmp must not hide the
    interpreter that sandboxed code runs."""
    import subprocess
    import sysconfig
    import venv

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    repo = Path(sn.__file__).resolve().parents[1]
    site = sysconfig.get_paths()["purelib"]
    ws = tmp_path / "ws"
    ws.mkdir()
    script = (
        "import swarmnb as sn, sys\n"
        f"r = sn.sandbox.run_sync(['python', '-c', 'print(6 * 7)'], workspace={str(ws)!r})\n"
        "print(sys.prefix); print(r.confinement, r.returncode, r.stdout.strip(), r.stderr)\n"
    )
    out = subprocess.run(
        [str(env_dir / "bin" / "python"), "-c", script],
        env={**os.environ, "PYTHONPATH": f"{repo}:{site}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.splitlines()
    assert out[0] == str(env_dir)  # the child really runs from under /tmp
    assert out[1].split()[:3] == ["bwrap", "0", "42"], out
