"""What the browser tests share: Playwright driving Debian's chromium, log-in, screenshots.

Debian's chromium (/usr/bin/chromium) is installed by `make system-packages`; no
browser is downloaded. Importing this module skips the importing test module where
Playwright or chromium is missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sportello import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = PROJECT_ROOT / "results" / "screenshots"
PASSWORD = "correct horse battery staple"

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is installed by `make test`")
if not CHROMIUM.exists():
    pytest.skip("Debian's chromium is missing: `make system-packages` installs it", allow_module_level=True)


def log_in(page: Any, username: str) -> None:
    """Fills and sends the inbox's log-in form the page shows (the account's password is PASSWORD)."""
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("text=Entra")


def shot(page: Any, name: str) -> None:
    """Saves a full-page screenshot as results/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
