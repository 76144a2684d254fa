"""Fixtures for the headless-Chromium tests.

Without Chromium these tests skip on a developer machine but FAIL under CI (``CI`` set), so a CI
image that lost its browser cannot pass silently. ``make test`` installs Debian's ``chromium``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .harness import CHROMIUM_ARGS, Hub, WidgetPage, chromium_path, serve_harness

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    if path is None:
        message = "headless Chromium not found (apt-get install -y chromium fonts-dejavu-core)"
        if _in_ci():
            pytest.fail(message + " — required under CI")
        pytest.skip(message)
    return path


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Any]:
    """Chromium for one test module.

    Module scope on purpose: Playwright's sync API leaves its event loop marked as running in
    this thread while it is alive, which would break every later asyncio test in the session.
    """
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - playwright is a dev dependency
        if _in_ci():
            pytest.fail(f"playwright is not installed: {exc}")
        pytest.skip(f"playwright is not installed: {exc}")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture(scope="session")
def harness_url() -> Iterator[str]:
    with serve_harness() as url:
        yield url


@pytest.fixture
def hub() -> Iterator[Hub]:
    with Hub().installed() as installed:
        yield installed


@pytest.fixture
def widget_page(browser: Any, hub: Hub, harness_url: str) -> Iterator[WidgetPage]:
    context = browser.new_context(viewport={"width": 1240, "height": 900}, device_scale_factor=1)
    page = context.new_page()
    yield WidgetPage(page, hub, harness_url)
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
