"""JupyterLab smoke test: the quickstart notebook, run from the browser, shows its dashboards.

Starts ``jupyter lab`` on 127.0.0.1 with a token and private config/runtime folders, opens a
copy of ``notebooks/01_quickstart.ipynb`` in headless Chromium, runs all cells through
JupyterLab's own command, and checks that the dashboards render in the page — with a real
kernel, real comms and the anywidget front end — and that the live one ends with every task done.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "01_quickstart.ipynb"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[dict[str, Any]]:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    log = (tmp_path / "lab.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
            f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
            "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
            "--ServerApp.port_retries=0",
            "--LabApp.extension_manager=readonly",
            *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
        ],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(
                    "jupyter lab did not start:\n" + (tmp_path / "lab.log").read_text()[-3000:]
                )
            time.sleep(0.25)
        yield {"base": base, "token": token, "work": work, "log": tmp_path / "lab.log"}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_quickstart_runs_in_jupyterlab(lab: dict[str, Any], browser: Any, artifacts: Path) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK.name}?token={lab['token']}")
        page.wait_for_function("() => window.jupyterapp !== undefined", timeout=60_000)
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
        # wait for the kernel, then run every cell the way a user would (Run ▸ Run All Cells)
        page.wait_for_function(
            """() => { const w = window.jupyterapp.shell.currentWidget;
                       return !!(w && w.sessionContext && w.sessionContext.session
                                 && w.sessionContext.session.kernel
                                 && w.sessionContext.session.kernel.status === 'idle'); }""",
            timeout=90_000,
        )
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_selector(".sn-dashboard", timeout=90_000)
        # the live dashboard of section 1 follows the run to the end: 56 tasks, all done
        page.wait_for_function(
            """() => { const d = document.querySelector('.sn-dashboard');
                       if (!d || d.dataset.status !== 'completed') return false;
                       const rects = d.querySelectorAll('rect.sn-node');
                       return rects.length === 56
                           && Array.from(rects).every(r => r.dataset.status === 'done'); }""",
            timeout=120_000,
        )
        # every dashboard of the notebook rendered (five), the 1,000-task one with 1,000 nodes
        page.wait_for_function(
            "() => document.querySelectorAll('.sn-dashboard[data-ready=true]').length >= 5",
            timeout=180_000,
        )
        counts = page.evaluate(
            "() => Array.from(document.querySelectorAll('.sn-dashboard'),"
            " d => d.querySelectorAll('rect.sn-node').length)"
        )
        assert 1000 in counts and counts[0] == 56
        # the page's Pause button is wired to the kernel: on a finished run it is disabled
        assert page.evaluate(
            "() => document.querySelector('.sn-dashboard button[data-action=pause]').disabled"
        )
        # a screenshot of the live dashboard's cell, for people (not an assertion)
        for button in page.locator(".jp-toast-button:has-text('No')").all():
            button.click()
        page.evaluate(
            """async () => { const nb = window.jupyterapp.shell.currentWidget.content;
                             const i = nb.widgets.findIndex(
                               c => c.node.querySelector('.sn-dashboard'));
                             nb.activeCellIndex = i; await nb.scrollToItem(i, 'start'); }"""
        )
        page.wait_for_timeout(800)  # let the scrolled cells paint
        page.screenshot(path=str(artifacts / "jupyterlab_quickstart.png"))
        assert not [e for e in errors if "swarmnb" in e or "anywidget" in e], errors
        assert (lab["work"] / "runs").is_dir()  # the runs wrote their traces next to the notebook
    finally:
        context.close()
