"""Where the front-end files live: inside the wheel, or in the repository.

The wheel ships the repository's ``widgets/`` folder as ``swarmnb/_widgets/`` (see
``pyproject.toml``); an editable install reads ``widgets/`` at the repository root. Paths are
returned as :class:`pathlib.Path` because anywidget treats a plain string as inline code.

Example::

    asset("task_graph.js").read_text()[:40]
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..events import STATUS_COLOURS, TASK_STATUSES

__all__ = ["asset", "es_module", "stylesheet", "widgets_dir"]

SHARED_JS = "_shared.js"


@cache
def widgets_dir() -> Path:
    """The folder holding the ES modules and CSS (wheel first, then the repository)."""
    packaged = Path(__file__).resolve().parent.parent / "_widgets"
    if packaged.is_dir():
        return packaged
    repo = Path(__file__).resolve().parents[2] / "widgets"
    if repo.is_dir():
        return repo
    raise FileNotFoundError(
        f"swarmnb's widget assets are missing: looked in {packaged} and {repo}; "
        "reinstall swarmnb (the wheel ships them as swarmnb/_widgets)"
    )


def asset(name: str) -> Path:
    """The path of one front-end file; raises FileNotFoundError naming it if absent."""
    path = widgets_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"swarmnb widget asset {name!r} not found in {path.parent}")
    return path


@cache
def es_module(name: str) -> str:
    """A view's ES module as sent to the browser: the shared helpers, then the view itself.

    anywidget loads each widget's module on its own, so views cannot ``import`` a common file;
    prepending it keeps one copy of the helpers in the source tree.
    """
    return (
        asset(SHARED_JS).read_text(encoding="utf-8")
        + "\n"
        + asset(name).read_text(encoding="utf-8")
    )


@cache
def stylesheet() -> str:
    """``swarmnb.css`` with the status rules generated from :mod:`swarmnb.events` in front.

    The palette lives in ``STATUS_COLOURS`` only; the CSS gets ``--sn-<status>`` variables,
    ``.sn-s-<status>`` swatches and task-graph fills from it.
    """
    colours = "".join(f"  --sn-{s}: {STATUS_COLOURS[s]};\n" for s in TASK_STATUSES)
    rules = "".join(
        f".sn-s-{s} {{ background: var(--sn-{s}); }}\n"
        f'.sn-graph rect.sn-node[data-status="{s}"] {{ fill: var(--sn-{s}); }}\n'
        for s in TASK_STATUSES
    )
    generated = f"/* generated from swarmnb.events */\n.sn-root {{\n{colours}}}\n{rules}"
    return generated + asset("swarmnb.css").read_text(encoding="utf-8")
