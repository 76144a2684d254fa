"""Former home of swarmnb's exceptions; they all live in :mod:`swarmnb._exceptions` now.

Kept so ``from swarmnb.runtime.errors import …`` goes on working (every name is re-exported).
Add new exceptions to ``swarmnb/_exceptions.py``, and to the tree in its docstring.
"""

from .. import _exceptions
from .._exceptions import *  # noqa: F403

__all__ = list(_exceptions.__all__)
