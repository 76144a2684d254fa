"""See a run: PNG snapshots of its task graph, and questions about images through litellm.

:func:`snapshot` draws the task graph — the same layered layout the dashboard widget uses, the
same status colours, the critical path outlined — to a PNG without a browser (an SVG rendered
by ``vl-convert``, already a dependency), and embeds the facts it shows as metadata.
:func:`analyze` sends any image with a question through litellm's multimodal message format to
any vision model; the offline ``sim/`` models answer from a snapshot's embedded facts (a
simulation, and their answers say so).

Example::

    path = sn.vision.snapshot(run, "graph.png")
    a = await sn.vision.analyze(path, "Which tasks failed?", model="sim/small")
    a.answer        # '[sim small vision] 2 of 40 tasks failed: … (simulated: …)'
"""

from __future__ import annotations

import base64
import html
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import vl_convert

from ._image_facts import embed_facts, read_facts
from ._layout import LABEL_PAD, GraphLayout, LayoutStyle, critical_path, layout_graph
from .events import STATUS_COLOURS as _PALETTE

__all__ = ["STATUS_COLOURS", "Analysis", "analyze", "render_png", "snapshot"]

#: Fill per task status (the dashboard's palette).
STATUS_COLOURS: Mapping[str, str] = {
    **_PALETTE,
    "pending": _PALETTE["queued"],
    "completed": _PALETTE["done"],
    "restored": _PALETTE["done"],
}
_CRITICAL = "#fb6a00"
_EDGE_LIGHT = "#bac1c8"  # the edge grey at 60 % on white, without the cost of transparency
_CRISP_EDGES_ABOVE = 300
_HEADER = 46.0
_MAX_LISTED = 50


class _RunLike(Protocol):
    id: str
    name: str

    @property
    def status(self) -> str: ...

    @property
    def tasks(self) -> Any: ...


def _source(run: Any) -> _RunLike:
    if isinstance(run, str | Path):
        from .trace import replay

        return replay(run)
    inner = getattr(run, "run", None)  # an Episode, a Swarm handle
    if inner is not None and hasattr(inner, "tasks"):
        return inner
    if not hasattr(run, "tasks"):
        raise TypeError(
            f"snapshot needs a run, an episode or a trace path, not {type(run).__name__}"
        )
    return run


def _facts(run: _RunLike, table: Any, layout: GraphLayout, path_ids: list[str]) -> dict[str, Any]:
    statuses = list(table["status"]) if len(table) else []
    counts: dict[str, int] = {}
    for status in statuses:
        counts[status] = counts.get(status, 0) + 1
    facts: dict[str, Any] = {
        "swarmnb": 1,
        "kind": "task_graph",
        "run": str(getattr(run, "id", "")),
        "name": str(getattr(run, "name", "run")),
        "status": str(run.status),
        "n_tasks": len(statuses),
        "counts": counts,
        "layers": layout.n_layers,
        "critical_path": path_ids,
    }
    for status in ("failed", "skipped", "cancelled", "running", "retrying"):
        ids = [tid for tid, s in zip(table["id"], statuses, strict=True) if s == status]
        if ids:
            facts[status] = ids[:_MAX_LISTED]
    return facts


def render_png(run: Any, *, style: LayoutStyle | None = None, scale: float = 1.0) -> bytes:
    """The snapshot as PNG bytes (with embedded facts); see :func:`snapshot`."""
    source = _source(run)
    table = source.tasks
    ids = [str(i) for i in table["id"]] if len(table) else []
    deps = [tuple(d) for d in table["deps"]] if len(table) else []
    statuses = list(table["status"]) if len(table) else []
    layout = layout_graph(ids, deps, style=style)
    durations = [float(d) for d in table["duration"] if d is not None and d == d] if ids else []
    typical = (statistics.median(durations) if durations else 1.0) or 1.0
    weight = [  # + a hair per task: among equally long chains, the one with more tasks
        (float(d) if d is not None and d == d else typical) + 1e-9
        for d in (table["duration"] if ids else [])
    ]
    preds: list[list[int]] = [[] for _ in ids]
    for s, d in layout.edges:
        preds[d].append(s)
    path = critical_path(layout.order, preds, weight) if ids else []
    facts = _facts(source, table, layout, [ids[i] for i in path])
    svg = _svg(layout, statuses, set(path), facts)
    png = vl_convert.svg_to_png(svg, scale=scale)
    return embed_facts(png, facts)


def _svg(
    layout: GraphLayout, statuses: list[str], critical: set[int], facts: dict[str, Any]
) -> str:
    width = max(layout.width, 520.0)
    height = layout.height + _HEADER
    dx = (width - layout.width) / 2
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="sans-serif">',
        f'<rect width="{width:.0f}" height="{height:.0f}" fill="#ffffff"/>',
    ]
    counts = ", ".join(f"{v} {k}" for k, v in facts["counts"].items())
    title = f"{facts['name']} — {facts['status']} — {facts['n_tasks']} tasks ({counts})"
    out.append(f'<text x="12" y="18" font-size="12" fill="#1f2328">{html.escape(title)}</text>')
    lx = 12.0
    for status in ("queued", "running", "retrying", "completed", "failed", "skipped", "cancelled"):
        out.append(
            f'<rect x="{lx:.0f}" y="28" width="10" height="10" fill="{STATUS_COLOURS[status]}"/>'
            f'<text x="{lx + 13:.0f}" y="37" font-size="10" fill="#57606a">{status}</text>'
        )
        lx += 18 + 6.2 * len(status)
    out.append(
        f'<rect x="{lx:.0f}" y="28" width="10" height="10" fill="none" stroke="{_CRITICAL}" '
        f'stroke-width="2"/><text x="{lx + 13:.0f}" y="37" font-size="10" fill="#57606a">'
        "critical path</text>"
    )
    out.append(f'<g transform="translate({dx:.1f},{_HEADER:.0f})">')
    plain, crit = [], []
    for (s, d), (x1, y1, x2, y2) in zip(layout.edges, layout.edge_points, strict=True):
        seg = f"M{x1:.1f} {y1:.1f}L{x2:.1f} {y2:.1f}"
        (crit if s in critical and d in critical else plain).append(seg)
    if plain:
        # many long anti-aliased lines make the PNG slow to render and large to store: past a
        # few hundred edges draw them crisp (the nodes keep their smooth corners)
        crisp = ' shape-rendering="crispEdges"' if len(plain) > _CRISP_EDGES_ABOVE else ""
        out.append(f'<path d="{"".join(plain)}" stroke="{_EDGE_LIGHT}" stroke-width="0.8" '
                   f'fill="none"{crisp}/>')  # fmt: skip
    if crit:
        out.append(
            f'<path d="{"".join(crit)}" stroke="{_CRITICAL}" stroke-width="2.2" fill="none"/>'
        )
    for i, tid in enumerate(layout.ids):
        fill = STATUS_COLOURS.get(statuses[i], STATUS_COLOURS["queued"])
        stroke = f' stroke="{_CRITICAL}" stroke-width="2"' if i in critical else ""
        x, y, w, h = layout.x[i], layout.y[i], layout.w[i], layout.h[i]
        out.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" rx="3" '
            f'fill="{fill}"{stroke}/>'
        )
        if layout.labelled[i]:
            room = max(1, int((w - LABEL_PAD) / 6.2))
            label = tid if len(tid) <= room else tid[: max(1, room - 1)] + "…"
            colour = "#1f2328" if statuses[i] in ("queued", "pending", "retrying") else "#ffffff"
            out.append(
                f'<text x="{x + w / 2:.1f}" y="{y + h / 2 + 3.5:.1f}" font-size="10" '
                f'text-anchor="middle" fill="{colour}">{html.escape(label)}</text>'
            )
    out.append("</g></svg>")
    return "".join(out)


def snapshot(
    run: Any, path: str | Path, *, style: LayoutStyle | None = None, scale: float = 1.0
) -> Path:
    """Write the task graph of ``run`` (live, finished, replayed, or a trace path) to a PNG.

    Status colours and the critical path as in the dashboard; the facts shown (status, task
    counts, critical path, failed tasks) are embedded as PNG metadata, which the ``sim/``
    models read in :func:`analyze`. Returns the path written.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(render_png(run, style=style, scale=scale))
    return target


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    """A vision model's answer about an image; ``simulated`` for the offline sim models."""

    answer: str
    model: str
    tokens_in: int
    tokens_out: int
    cost_usd: float
    latency_s: float
    simulated: bool

    def __repr__(self) -> str:
        note = " (simulated)" if self.simulated else ""
        text = self.answer if len(self.answer) <= 80 else self.answer[:79] + "…"
        return f"<Analysis {self.model}{note} {text!r}>"


def image_message(image: bytes, question: str, *, mime: str = "image/png") -> dict[str, Any]:
    """An OpenAI/litellm user message holding ``question`` and the image as a data URL."""
    url = f"data:{mime};base64,{base64.b64encode(image).decode()}"
    return {
        "role": "user",
        "content": [
            {"type": "text", "text": question},
            {"type": "image_url", "image_url": {"url": url}},
        ],
    }


async def analyze(
    image: str | Path | bytes,
    question: str,
    *,
    model: str = "sim/small",
    ctx: Any = None,
    **options: Any,
) -> Analysis:
    """Ask ``model`` a question about ``image`` (a path or PNG/JPEG bytes) through litellm.

    Any litellm vision model works (``"openai/gpt-4o-mini"`` with its key set, or
    ``api_base=`` for an OpenAI-compatible endpoint such as :func:`~swarmnb.models.serve_sim`).
    ``ctx`` — a task's context, so budgets, usage and ``model.call`` events see the call.
    """
    from .models import complete  # litellm loads here, not for snapshots
    from .models.sim import sim_profile_or_none

    if not isinstance(question, str) or not question.strip():
        raise ValueError("question must be a non-empty string")
    data = Path(image).read_bytes() if isinstance(image, str | Path) else bytes(image)
    mime = "image/jpeg" if data[:3] == b"\xff\xd8\xff" else "image/png"
    reply = await complete(model, [image_message(data, question, mime=mime)], ctx=ctx, **options)
    return Analysis(
        answer=reply.content or "",
        model=model,
        tokens_in=reply.tokens_in,
        tokens_out=reply.tokens_out,
        cost_usd=reply.cost_usd,
        latency_s=reply.latency_s,
        simulated=sim_profile_or_none(model) is not None,
    )


def facts(image: str | Path | bytes) -> dict[str, Any] | None:
    """The facts a swarmnb snapshot embeds (None for other images)."""
    data = Path(image).read_bytes() if isinstance(image, str | Path) else bytes(image)
    return read_facts(data)
