"""The system Chromium, headless, as every browser test starts it (no network chatter of
its own, so a test can check that a page asks nothing of the internet)."""

from __future__ import annotations

from typing import Any

from tests.helpers.paths import ROOT

ARTIFACTS = ROOT / "tests" / "artifacts"  # screenshots
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def launch(playwright: Any) -> Any:
    """A headless Chromium browser from a Playwright instance."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
