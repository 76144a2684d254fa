"""Shared test set-up: offline litellm, and small helpers for building graphs and work."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
