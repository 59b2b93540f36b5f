"""Log lines without personal data, whatever logs them (Sportello, Rasa, libraries).

``install_redaction`` replaces the log-record factory so that every record's message
is redacted (sportello.privacy.redact) when it is created, before any handler sees it,
however and whenever logging is configured afterwards. Every Sportello entry point
calls it: the channels (loaded by the Rasa server), the actions package (the action
server), the scheduler, the staff API and the inbox.
"""

from __future__ import annotations

import logging
from typing import Any

from sportello.privacy import redact

_MARK = "sportello_redacts"


def install_redaction() -> None:
    """Redacts every log record from now on (once per process)."""
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, _MARK, False):
        return

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed call: logging reports it itself
        record.msg, record.args = redact(message), ()
        return record

    setattr(redacted_record, _MARK, True)
    logging.setLogRecordFactory(redacted_record)


def configure(level: int = logging.INFO) -> None:
    """Logging for Sportello's own processes: one line per record, redacted."""
    install_redaction()
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
