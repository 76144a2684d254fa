"""The states a task moves through in the scheduler, as small integers (its hot path).

Example::

    STATE_NAMES[COMPLETED]      # 'completed'
"""

from __future__ import annotations

__all__ = [
    "BACKOFF", "CANCELLED", "COMPLETED", "FAILED", "PENDING", "READY", "RUNNING", "SKIPPED",
    "STATE_NAMES",
]  # fmt: skip

PENDING, READY, RUNNING, BACKOFF, COMPLETED, FAILED, SKIPPED, CANCELLED = range(8)
STATE_NAMES = (
    "pending", "ready", "running", "backoff", "completed", "failed", "skipped", "cancelled",
)  # fmt: skip
