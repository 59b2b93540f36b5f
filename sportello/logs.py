"""Log lines without personal data, whatever logs them (Sportello, Rasa, libraries).

``install_redaction`` replaces the log-record factory so that every record's message,
traceback and stack are redacted (sportello.privacy.redact) when it is created, before
any handler sees it, however and whenever logging is configured afterwards. Every
Sportello entry point calls it: the channels (loaded by the Rasa server), the actions
package (the action server), the scheduler, the staff API and the inbox.

``SPORTELLO_LOG_FORMAT=json`` turns the lines into JSON objects (``JsonFormatter``) for
production; the default is one line of text per record.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import datetime, timezone
from typing import Any

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse

from sportello.privacy import redact

FORMAT_VARIABLE = "SPORTELLO_LOG_FORMAT"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_MARK = "sportello_redacts"
_TRACEBACKS = logging.Formatter()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, process, exception, stack.

    Only these fields: a record's other attributes (``extra``) may carry personal data.
    Message, exception and stack are redacted here too, since a formatter set up from a
    logging configuration file also sees records made before ``install_redaction`` ran.
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (newlines inside strings escaped)."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, timezone.utc)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
            "process": record.process,
        }
        if record.exc_info or record.exc_text:
            entry["exception"] = redact(record.exc_text or self.formatException(record.exc_info))
        if record.stack_info:
            entry["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(entry, ensure_ascii=False)


def json_selected() -> bool:
    """Whether ``SPORTELLO_LOG_FORMAT`` asks for JSON lines.

    Raises:
        ValueError: the variable is set to something other than ``json`` or ``text``.

    """
    value = os.environ.get(FORMAT_VARIABLE, "").strip().lower() or "text"
    if value not in ("text", "json"):
        raise ValueError(f"{FORMAT_VARIABLE} is {value!r}; it can be 'json' or 'text'")
    return value == "json"


def install_redaction() -> None:
    """Redacts every log record from now on; JSON lines if ``SPORTELLO_LOG_FORMAT=json``."""
    _install_factory()
    if json_selected():
        _format_as_json()


def configure(level: int = logging.INFO) -> None:
    """Logging for Sportello's own processes: one line per record (text or JSON), redacted."""
    logging.basicConfig(level=level, format=TEXT_FORMAT)
    install_redaction()


def _install_factory() -> None:
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
        if record.exc_info:
            # Formatters print a ready exc_text as it is; an exception's message can
            # carry a phone or passport number.
            record.exc_text = redact(_TRACEBACKS.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    setattr(redacted_record, _MARK, True)
    logging.setLogRecordFactory(redacted_record)


def _format_as_json() -> None:
    formatter = JsonFormatter()
    # The handlers set up so far (Rasa's coloured one: the Rasa server applies a
    # --logging-config-file before it, so only this reaches it), and the handler of
    # last resort, which takes the records of loggers that have no handler and do not
    # propagate (Sanic's, under the action server).
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is not None:
            handler.setFormatter(formatter)
    # Warnings are written to stderr as bare lines unless they go through logging.
    logging.captureWarnings(True)
    # Rasa's API server lets Sanic set up its own loggers from this dict when it is
    # created, after the channels (and so this module) are loaded.
    sanic_log = sys.modules.get("sanic.log")
    if sanic_log is not None:
        for spec in sanic_log.LOGGING_CONFIG_DEFAULTS["formatters"].values():
            spec.clear()
            spec["()"] = JsonFormatter


class PathOnlyAccessLogger(AbstractAccessLogger):
    """aiohttp access lines with method, path, status and time: no query string, no headers.

    A query can carry what redaction does not recognise (a name searched by staff), so it
    is never logged.
    """

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        """Writes one access line."""
        self.logger.info("%s %s %d %.3f s", request.method, request.path, response.status, time)
