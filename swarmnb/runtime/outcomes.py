"""How an attempt's outcome is classified and described in events.

Example::

    is_retryable(TimeoutError())          # True: timeouts retry
    describe_error(ValueError("bad"))     # 'ValueError: bad'
"""

from __future__ import annotations

from typing import Any

from .retry import is_retryable

__all__ = ["describe_error", "is_retryable", "preview"]


def preview(value: Any, limit: int = 200) -> Any:
    """A JSON-friendly, bounded glimpse of a task's result for its ``task.completed`` event."""
    if value is None or isinstance(value, bool | int | float):
        return value
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_error(exc: BaseException) -> str:
    """``"TypeName: message"``, even for an exception whose ``__str__`` raises."""
    try:
        text = str(exc)
    except Exception:  # an exception whose __str__ itself fails must not break the run
        text = f"<unprintable {type(exc).__name__}>"
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
