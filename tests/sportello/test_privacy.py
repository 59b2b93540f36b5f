import logging
import re

import pytest

from sportello.logs import install_redaction
from sportello.privacy import REDACTED, pseudonym, redact


@pytest.mark.parametrize(
    "text",
    [
        "codice fiscale RSSMRA85T10A562S",
        "cf: rssmra85t10a562s",
        "IBAN IT60X0542811101000000123456",
        "iban IT60 X054 2811 1010 0000 0123 456",
        "passport YA1234567",
        "permesso I00012345",
        "assicurata 050123456789",
        "pratica AB12345678",
        "chiamami al +39 333 123 4567",
        "tel. 0039 333-1234567",
        "numero 3331234567",
        "wa 393331234567",
    ],
)
def test_numbers_and_codes_are_redacted(text):
    redacted = redact(text)
    assert REDACTED in redacted
    assert not re.search(r"\d{3}", redacted), redacted


@pytest.mark.parametrize(
    "text",
    [
        "booked K7P4QX at 2026-12-03T08:00:00+00:00",
        f"handoff opened for {pseudonym('393331234567')} (asked)",
        "ack p99 44 ms at 50 msg/s",
        "Running upgrade  -> 0001",
        "GET /inbox/c/12 HTTP/1.1 200 4678",
    ],
)
def test_ordinary_log_text_stays(text):
    assert redact(text) == text


def test_every_log_record_is_redacted_whoever_logs_it(caplog):
    install_redaction()
    install_redaction()  # idempotent
    with caplog.at_level(logging.INFO):
        logging.getLogger("rasa.core.processor").info("Received user message '%s'", "my number is +39 333 1234567")
    assert "333" not in caplog.text and REDACTED in caplog.text
