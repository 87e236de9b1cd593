"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a live server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(os.environ.get("VIP_SCREENSHOTS", Path(__file__).parents[2] / "var" / "screenshots"))

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # the live server and Playwright share the process
# A service worker's own requests go through the context's routes (the field app's offline test
# cuts them off: Chromium's offline emulation alone does not reach a service worker).
os.environ.setdefault("PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS", "1")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        # `make test` installs it (system-packages); a missing browser is a failure, never a skip.
        pytest.fail("Debian's chromium is not installed (apt-get install chromium, or run `make test`)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture(autouse=True)
def _close_pages(browser, live_server) -> Iterator[None]:
    """Close each test's browser windows before its live server stops: a window kept open holds
    a keep-alive connection whose server thread would otherwise outlive the test's database."""
    yield
    for context in list(browser.contexts):  # type: ignore[attr-defined]
        context.close()
