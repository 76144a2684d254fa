"""Keyed state sent to the browser as a *base* plus a cumulative *delta*.

Why two traits: a flush should send only what changed (a 5,000-task run must not resend
5,000 statuses ten times a second), yet a view displayed late — or a page reloaded — must
rebuild the full picture from trait values alone, because messages sent before a view exists
are lost. So the full state lives in ``<name>_base`` (rarely resent) and everything changed
since that base lives in ``<name>_delta`` (small, resent each flush). When the delta grows past
a fraction of the whole, the channel folds it into a new base.

The browser side: whenever either trait changes, if ``base.v`` is new, rebuild from
``base.items``; then apply ``delta.items`` when ``delta.base == base.v``.

Example::

    ch = DeltaChannel("status")
    ch.update({"0": "r"}, full=lambda: {"0": "r", "1": "q"})
    # -> {"status_base": {...}, "status_delta": {"base": 1, "v": 1, "items": {"0": "r"}}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["DeltaChannel"]


class DeltaChannel:
    """Turns per-flush changes into trait values for ``<name>_base`` / ``<name>_delta``."""

    __slots__ = ("_delta", "_encode", "base_v", "min_rebase", "name", "ratio", "rebases", "v")

    def __init__(
        self,
        name: str,
        *,
        min_rebase: int = 256,
        ratio: float = 0.25,
        encode: Callable[[Any], Any] | None = None,
    ) -> None:
        self.name = name
        self.min_rebase = min_rebase
        self.ratio = ratio
        self._encode = encode or (lambda items: items)
        self._delta: dict[str, Any] = {}
        self.base_v = 0
        self.v = 0
        self.rebases = 0

    def __repr__(self) -> str:
        return f"<DeltaChannel {self.name} base={self.base_v} v={self.v} delta={len(self._delta)}>"

    def update(
        self,
        changed: Mapping[str, Any],
        *,
        full: Callable[[], Any],
        size: int | None = None,
        rebase: bool = False,
    ) -> dict[str, Any]:
        """Trait values to set for this flush (empty when nothing changed).

        ``full()`` returns the whole state (a dict, or a list/str indexed like the keys); it is
        only called on a rebase. ``size`` is the number of keys in the whole state (for the
        rebase threshold).
        """
        if not changed and not rebase and self.base_v:
            return {}
        self.v += 1
        self._delta.update(changed)
        total = size if size is not None else len(self._delta)
        if rebase or not self.base_v or len(self._delta) > max(self.min_rebase, self.ratio * total):
            self.base_v = self.v
            self.rebases += 1
            self._delta = {}
            return {
                f"{self.name}_base": {"v": self.base_v, "items": self._encode(full())},
                f"{self.name}_delta": {"base": self.base_v, "v": self.v, "items": {}},
            }
        return {
            f"{self.name}_delta": {"base": self.base_v, "v": self.v, "items": dict(self._delta)}
        }
