"""Facts embedded in swarmnb's PNG snapshots, and the sim models' answers about them.

A snapshot (:func:`swarmnb.vision.snapshot`) carries what it shows as JSON in a PNG ``tEXt``
chunk under the keyword ``swarmnb``: the run's id, status, task counts by status, the critical
path, the failed tasks. Real vision models read the pixels; the offline ``sim/`` models cannot,
so they read these facts instead and say so — their answers are simulations, labelled as such.
Only the standard library is used (PNG chunks are length, type, data, CRC-32), so both the
models layer (the sim reads facts) and :mod:`swarmnb.vision` (which writes them) import it.

Example::

    png = embed_facts(png, {"status": "failed", "counts": {"failed": 2}})
    read_facts(png)["counts"]["failed"]     # 2
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["FACTS_KEY", "answer_from_facts", "embed_facts", "facts_in_messages", "read_facts"]

FACTS_KEY = b"swarmnb"
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_DATA_URL = re.compile(r"^data:image/png;base64,(.*)$", re.S)
SIM_VISION_NOTE = "(simulated: read from the snapshot's embedded swarmnb metadata, not its pixels)"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def embed_facts(png: bytes, facts: Mapping[str, Any]) -> bytes:
    """The PNG with ``facts`` as JSON in a ``tEXt`` chunk, placed before ``IEND``."""
    if not png.startswith(_PNG_SIGNATURE):
        raise ValueError("not a PNG image")
    text = json.dumps(dict(facts), ensure_ascii=True, separators=(",", ":"), default=str)
    end = png.rfind(b"IEND") - 4
    if end < len(_PNG_SIGNATURE):
        raise ValueError("PNG without an IEND chunk")
    return png[:end] + _chunk(b"tEXt", FACTS_KEY + b"\x00" + text.encode("latin-1")) + png[end:]


def read_facts(png: bytes) -> dict[str, Any] | None:
    """The facts a swarmnb snapshot carries, or None (not a PNG, or no swarmnb chunk)."""
    if not png.startswith(_PNG_SIGNATURE):
        return None
    pos = len(_PNG_SIGNATURE)
    while pos + 8 <= len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + length]
        if kind == b"tEXt" and data.startswith(FACTS_KEY + b"\x00"):
            try:
                facts = json.loads(data[len(FACTS_KEY) + 1 :].decode("latin-1"))
            except ValueError:
                return None
            return facts if isinstance(facts, dict) else None
        if kind == b"IEND":
            break
        pos += 12 + length
    return None


def facts_in_messages(messages: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], str] | None:
    """(facts, question) from the last user turn holding a PNG ``image_url`` part, else None.

    Facts are ``{}`` when the image carries none (it is not a swarmnb snapshot).
    """
    for message in reversed(messages):
        content = message.get("content")
        if message.get("role") != "user" or not isinstance(content, list):
            continue
        images = [p for p in content if isinstance(p, dict) and p.get("type") == "image_url"]
        if not images:
            continue
        question = " ".join(
            str(p.get("text", ""))
            for p in content
            if isinstance(p, dict) and p.get("type") == "text"
        )
        for part in images:
            url = part.get("image_url")
            url = url.get("url", "") if isinstance(url, dict) else str(url or "")
            match = _DATA_URL.match(url)
            if match is None:
                continue
            try:
                facts = read_facts(base64.b64decode(match.group(1), validate=False))
            except (binascii.Error, ValueError):
                facts = None
            if facts is not None:
                return facts, question
        return {}, question
    return None


def answer_from_facts(facts: Mapping[str, Any], question: str, *, tag: str = "[sim vision]") -> str:
    """A short answer to ``question`` about a snapshot, from its facts (a simulation)."""
    if not facts:
        return f"{tag} This image carries no swarmnb metadata, so the sim cannot read it."
    q = question.lower()
    counts: Mapping[str, int] = facts.get("counts") or {}
    n = facts.get("n_tasks", sum(counts.values()))
    parts: list[str] = []
    for status in ("failed", "skipped", "cancelled", "running", "retrying", "completed", "queued"):
        stem = status[:-2] if status.endswith("ed") and status != "queued" else status
        if stem[:5] in q or status in q:
            ids = facts.get(status) or []
            shown = f": {', '.join(map(str, ids[:10]))}" if ids and status != "completed" else ""
            parts.append(f"{counts.get(status, 0)} of {n} tasks {status}{shown}")
    if "critical" in q or "longest" in q or "bottleneck" in q:
        path = facts.get("critical_path") or []
        parts.append(f"the critical path has {len(path)} tasks: {' → '.join(map(str, path[:12]))}")
    if "layer" in q or "deep" in q or "depth" in q:
        parts.append(f"the graph has {facts.get('layers', '?')} layers")
    if not parts or "status" in q or "summar" in q:
        summary = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
        parts.insert(
            0,
            f"run {facts.get('name', '?')} is {facts.get('status', '?')}"
            f" with {n} tasks ({summary})",
        )
    return f"{tag} {'; '.join(parts)} {SIM_VISION_NOTE}."
