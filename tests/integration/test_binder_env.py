"""The Binder environment, proven without Docker: a fresh venv from ``binder/`` runs the quickstart.

Binder installs ``binder/requirements.txt``, then runs ``binder/postBuild`` from the repository
root. This test does the same in a new virtual environment — the pins, then postBuild itself —
and executes ``notebooks/01_quickstart.ipynb`` there with nbclient on that environment's own
kernel. Every install is offline (``--no-index``) from a wheel cache shared between runs in the
temp folder; only a cold cache is filled from the package registries pip is configured with.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINDER = ROOT / "binder"
QUICKSTART = ROOT / "notebooks" / "01_quickstart.ipynb"
CACHE = Path(tempfile.gettempdir()) / "swarmnb-binder-wheels"
BUILD_TOOLS = ("hatchling",)  # the build backend postBuild's ``pip install .`` needs

pytestmark = pytest.mark.slow


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(LITELLM_LOCAL_MODEL_COST_MAP="True", PIP_DISABLE_PIP_VERSION_CHECK="1", **extra)
    return env


def _run(*cmd: str | Path, cwd: Path = ROOT, **env: str) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=_env(**env), capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, cmd))} failed ({done.returncode}):\n{done.stdout[-3000:]}\n"
            f"{done.stderr[-3000:]}"
        )
    return done.stdout


def _fill_cache(*args: str | Path) -> None:
    """Make the wheel cache hold ``args`` (a ``-r`` file or names): offline if it already does,
    else downloaded once from the registries pip is configured with."""
    CACHE.mkdir(parents=True, exist_ok=True)
    download = (sys.executable, "-m", "pip", "download", "--dest", CACHE, "--only-binary=:all:")
    try:
        _run(*download, "--no-index", "--find-links", CACHE, *args)
    except AssertionError:
        _run(*download, *args)


def test_binder_files_are_complete() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK) and "--no-deps ." in post.read_text()
    pins = [
        line
        for line in (BINDER / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert pins and all("==" in line for line in pins), "every requirement must be pinned"
    names = {line.split("==")[0].lower().replace("_", "-") for line in pins}
    assert {"litellm", "altair", "anywidget", "jupyterlab", "ipykernel", "nbclient"} <= names


def test_a_fresh_venv_from_binder_runs_the_quickstart(tmp_path: Path) -> None:
    if not QUICKSTART.exists():
        pytest.fail(f"{QUICKSTART.relative_to(ROOT)} is missing: Binder opens it")
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", venv)
    py, pip = venv / "bin" / "python", venv / "bin" / "pip"
    _fill_cache("-r", BINDER / "requirements.txt")
    _fill_cache(*BUILD_TOOLS)  # postBuild's ``pip install .`` builds swarmnb with hatchling
    _run(pip, "install", "--no-index", "--find-links", CACHE, "-r", BINDER / "requirements.txt")
    _run("bash", BINDER / "postBuild", PATH=f"{venv / 'bin'}:{os.environ['PATH']}",
         PIP_NO_INDEX="1", PIP_FIND_LINKS=str(CACHE))  # fmt: skip
    driver = textwrap.dedent(
        f"""
        import nbformat, nbclient, sys
        nb = nbformat.read({str(QUICKSTART)!r}, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell(
            "import swarmnb, sys; print(sys.prefix); print(swarmnb.__file__)"))
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
            resources={{"metadata": {{"path": {str(tmp_path)!r}}}}}).execute()
        print("\\n".join(o["text"] for o in nb.cells[-1].outputs if o.get("name") == "stdout"))
        """
    )
    out = _run(py, "-c", driver, cwd=tmp_path).strip().splitlines()
    prefix, module = out[-2], out[-1]
    assert Path(prefix) == venv, f"the quickstart ran on {prefix}, not the Binder venv"
    assert Path(module).is_relative_to(venv) and not Path(module).is_relative_to(ROOT / "swarmnb")
