"""End to end in a real browser: an applicant asks for a person on the WhatsApp simulator,
an operator answers from the inbox in Chromium, hands back, and the assistant answers again.

Playwright drives Debian's chromium (/usr/bin/chromium, installed by `make system-packages`);
no browser is downloaded. Screenshots of the inbox go to results/screenshots/.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from sportello.devserver import Stack, call, running_stack
from sportello.inbox.store import InboxStore
from tests.browser import PASSWORD, log_in, shot
from tests.conftest import TOKEN


@pytest.fixture(scope="module")
def stack(model_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("inbox")
    store = InboxStore(f"sqlite:///{workdir / 'inbox.db'}")
    store.create_user("operatore", PASSWORD, "operator")
    store.close()
    with running_stack(model_path, workdir, TOKEN, inbox=True) as running:
        yield running


def messages_to(stack: Stack, user: str) -> List[Dict[str, Any]]:
    return call(f"{stack.simulator_url}/api/users/{user}/messages")


def wait_for(stack: Stack, user: str, predicate, timeout: float = 60) -> List[Dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = messages_to(stack, user)
        if predicate(json.dumps(messages, ensure_ascii=False)):
            return messages
        time.sleep(0.5)
    raise AssertionError(f"the applicant did not receive the expected message within {timeout} s")


def test_an_operator_answers_an_applicant_and_hands_back(stack, browser):
    user = "39" + str(uuid.uuid4().int)[:10]
    call(f"{stack.simulator_url}/api/users/{user}/messages", {"text": "Buongiorno, vorrei parlare con una persona"})
    wait_for(stack, user, lambda text: "in coda" in text)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{stack.inbox_url}/inbox")
    assert page.url.endswith("/login")
    log_in(page, "operatore")
    page.wait_for_selector("#queue tbody a")
    shot(page, "1-queue")
    assert "it" in page.inner_text("#queue tbody")

    page.click("#queue tbody a")
    page.wait_for_selector("#transcript li.applicant")
    assert "vorrei parlare con una persona" in page.inner_text("#transcript")
    # While a person has it, the assistant says nothing.
    call(f"{stack.simulator_url}/api/users/{user}/messages", {"text": "<script>alert(1)</script> ci siete?"})
    page.wait_for_selector("#transcript li.applicant:has-text('ci siete?')", timeout=30_000)
    assert page.evaluate("document.querySelectorAll('#transcript script').length") == 0
    before = len(messages_to(stack, user))
    page.fill("textarea[name=text]", "Buongiorno, sono Anna dell'Ufficio Immigrazione. Come posso aiutarla?")
    page.click("text=Invia")
    wait_for(stack, user, lambda text: "sono Anna dell" in text)
    assert len(messages_to(stack, user)) == before + 1  # only the operator's message, no assistant reply
    page.wait_for_selector("#transcript li.staff")
    shot(page, "2-conversation")

    page.click("text=Restituisci all'assistente")
    page.wait_for_url(f"{stack.inbox_url}/inbox")
    wait_for(stack, user, lambda text: "Sono di nuovo Sportello" in text)
    call(f"{stack.simulator_url}/api/users/{user}/messages", {"text": "Qual è il numero di telefono dell'ufficio?"})
    wait_for(stack, user, lambda text: "351 7749241" in text)
    page.goto(f"{stack.inbox_url}/inbox?view=resolved")
    shot(page, "3-closed")
    assert "handed_back" in page.inner_text("#queue tbody")
