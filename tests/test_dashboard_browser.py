"""The dashboard in a real browser: the inbox process reads seeded stores, a supervisor logs in,
and the SVG charts show the seeded numbers.

Playwright drives Debian's chromium (/usr/bin/chromium, installed by `make system-packages`).
No Rasa server is needed: the dashboard reads the stores only. The screenshot goes to
results/screenshots/dashboard.png.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Iterator

import pytest

from sportello import PROJECT_ROOT
from sportello.devserver import free_port, stop, wait_until_up
from sportello.inbox.store import InboxStore
from tests.browser import PASSWORD, log_in, shot
from tests.sportello.analytics.seed import seed


@pytest.fixture(scope="module")
def inbox_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("dashboard")
    seed(workdir)
    store = InboxStore(f"sqlite:///{workdir / 'inbox.db'}")
    store.create_user("supervisora", PASSWORD, "supervisor")
    store.close()
    port = free_port()
    env = {
        **os.environ,
        "SPORTELLO_VAR_DIR": str(workdir),
        "SPORTELLO_TRACKER_DB": f"sqlite:///{workdir / 'tracker.db'}",
        "SPORTELLO_INBOX_DB": f"sqlite:///{workdir / 'inbox.db'}",
        "SPORTELLO_APPOINTMENTS_DB": f"sqlite:///{workdir / 'appointments.db'}",
    }
    log = open(workdir / "inbox.log", "wb")  # closed by stop()
    command = [sys.executable, "-m", "sportello.inbox.web", "--port", str(port)]
    process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=PROJECT_ROOT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/health", [process], 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop([process], [log])


def test_a_supervisor_sees_the_seeded_numbers_in_the_charts(inbox_url, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{inbox_url}/login")
    log_in(page, "supervisora")
    page.wait_for_url(f"{inbox_url}/inbox")
    page.click("header >> text=Cruscotto")
    page.wait_for_selector("svg#conversations-per-day")
    page.fill("input[name=from]", "2026-11-02")
    page.fill("input[name=to]", "2026-11-03")
    page.click("text=Mostra")
    page.wait_for_url("**/inbox/dashboard?from=2026-11-02&to=2026-11-03")
    page.wait_for_selector("svg#conversations-per-day rect")

    columns = page.locator("svg#conversations-per-day")
    assert columns.is_visible()
    box = columns.bounding_box()
    assert box["width"] > 300 and box["height"] > 150  # drawn, not collapsed
    segments = columns.locator("rect title").all_text_contents()
    assert "02/11 · it: 1" in segments and "03/11 · zh: 1" in segments and len(segments) == 7
    totals = columns.locator("text.value").all_text_contents()
    assert totals == ["3", "4"]
    reasons = page.locator("svg#handoff-reasons g.bar title").all_text_contents()
    assert sorted(reasons) == [
        "cancellazione dei dati: 1",
        "chiesto dall'utente: 1",
        "documenti inviati: 1",
        "non capito due volte: 1",
    ]
    assert page.locator("svg#intents g.bar title").first.text_content() == "documenti necessari: 2"
    assert page.locator("svg#permit-types g.bar title").first.text_content() == "Permesso per studio: 2"
    assert page.locator("svg#containment-per-day circle title").all_text_contents() == ["02/11: 33%", "03/11: 50%"]
    assert "43%" in page.inner_text("#summary") and "non registrate" in page.inner_text("main")
    assert errors == []  # nothing refused by the Content-Security-Policy
    shot(page, "dashboard")

    download = page.request.get(f"{inbox_url}/inbox/dashboard.csv?from=2026-11-02&to=2026-11-03")
    assert download.ok and "conversations,,total,7" in download.text()
