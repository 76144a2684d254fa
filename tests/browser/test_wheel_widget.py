"""The wheel carries the widgets: build it, install it into a fresh venv, render from there.

The fresh venv gets only the wheel (``--no-deps``); third-party dependencies come from this
environment's site-packages through a plain path entry, which does not run this environment's
``.pth`` hooks — so ``import swarmnb`` there can only find the installed wheel, never the
repository. The script in the fresh venv renders a dashboard for a finished run and writes out
every widget message; the test checks the ES modules in those messages are the wheel's files and
renders them in headless Chromium.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import sysconfig
import textwrap
import zipfile
from pathlib import Path

import pytest

from .harness import Hub, WidgetPage

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
VIEWS = ("dashboard.js", "task_graph.js", "agent_pool.js", "timeline.js", "cost.js")
ASSETS = (*VIEWS, "_shared.js", "swarmnb.css")

SCRIPT = textwrap.dedent(
    """
    import json, sys
    sys.path.append(sys.argv[2])          # tests/browser, for the recording comm
    from harness import Hub
    import swarmnb as sn
    from swarmnb.ui import Dashboard
    from swarmnb.ui._assets import widgets_dir

    g = sn.TaskGraph()
    g.add("plan", id="plan")
    for i in range(30):
        g.add(f"look up {i}", id=f"s{i}", deps=["plan"])
    g.add("merge", id="merge", deps=[f"s{i}" for i in range(30)])

    async def work(task, ctx):
        import asyncio
        await asyncio.sleep(ctx.rng.uniform(0.5, 2.0))
        ctx.record_usage(tokens_in=10, tokens_out=3, cost_usd=0.0001, steps=1)
        return task.id

    run = sn.run_graph_sync(g, work, clock="virtual", trace=None, max_concurrency=8)
    hub = Hub()
    with hub.installed():
        dash = Dashboard.for_run(run)
    json.dump({
        "swarmnb": sn.__file__,
        "widgets": str(widgets_dir()),
        "dashboard": dash.model_id,
        "repr": repr(dash),
        "messages": hub.drain(),
    }, open(sys.argv[1], "w"))
    """
)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("hatchling") is None:
        pytest.fail(
            "hatchling is needed to build the wheel offline (it belongs in the [dev] extra)"
        )
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
         str(REPO)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    (built,) = out.glob("swarmnb-*.whl")
    return built


def test_wheel_ships_the_widget_assets(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for asset in ASSETS:
        assert f"swarmnb/_widgets/{asset}" in names
    assert "swarmnb/ui/dashboard.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_widget_renders_from_a_fresh_venv(
    wheel: Path, tmp_path: Path, hub: Hub, widget_page: WidgetPage
) -> None:
    venv = tmp_path / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
         "--quiet", str(wheel)],
        check=True, timeout=300,
    )  # fmt: skip
    fresh_site = Path(
        subprocess.check_output(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            text=True,
        ).strip()
    )
    (fresh_site / "zz_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    script = tmp_path / "render.py"
    script.write_text(SCRIPT)
    out = tmp_path / "messages.json"
    proc = subprocess.run(
        [str(python), str(script), str(out), str(Path(__file__).parent)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())

    assert Path(result["swarmnb"]).is_relative_to(venv), result[
        "swarmnb"
    ]  # the wheel, not the repo
    assert Path(result["widgets"]) == Path(result["swarmnb"]).parent / "_widgets"
    assert result["repr"].endswith("tasks=32 status=completed>")
    shipped = {
        name: zipfile.ZipFile(wheel).read(f"swarmnb/_widgets/{name}").decode() for name in ASSETS
    }
    opened = [m["data"]["state"] for m in result["messages"] if m["type"] == "comm_open"]
    esm = {state["_esm"] for state in opened if "_esm" in state}  # (Layout models have none)
    # each view's module is the wheel's shared helpers followed by the wheel's view file
    assert {shipped["_shared.js"] + "\n" + shipped[n] for n in VIEWS} == esm

    for message in result["messages"]:
        hub.outbox.put(message)
    wp = widget_page
    wp.pump()
    wp.js("([id, sel]) => window.__snRender(id, sel)", [result["dashboard"], "#root"])
    wp.wait_until(
        lambda: wp.js("!!document.querySelector('.sn-dashboard[data-ready=true]')"), what="ready"
    )
    statuses = wp.js(
        "() => Array.from(document.querySelectorAll('rect.sn-node'), r => r.dataset.status)"
    )
    assert statuses == ["done"] * 32
    assert wp.errors() == []
