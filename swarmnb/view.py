"""Former home of :class:`RunView`; it lives in :mod:`swarmnb.runtime.view` now."""

from .runtime.view import RunView

__all__ = ["RunView"]
