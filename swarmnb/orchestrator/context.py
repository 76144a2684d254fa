"""Former name of :mod:`swarmnb.orchestrator.context_window` (kept for one release)."""

import warnings

from .context_window import *  # noqa: F403
from .context_window import __all__ as __all__

warnings.warn(
    "swarmnb.orchestrator.context is now swarmnb.orchestrator.context_window; the old name "
    "goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
