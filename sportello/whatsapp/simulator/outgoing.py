"""Checking Graph API send requests against the Cloud API's rules, and Meta-shaped errors."""

from __future__ import annotations

import secrets
from typing import Any

MEDIA_KINDS = ("image", "document", "audio", "video", "sticker")
_OTHER_KINDS = ("text", "interactive", "template", "location", "reaction", "contacts")
_TITLES = {
    100: "Invalid parameter",
    190: "Invalid OAuth access token - Cannot parse access token",
    131009: "Parameter value is not valid",
    131047: "Re-engagement message",
    131051: "Unsupported message type",
}


class GraphError(Exception):
    """A request the Graph API would refuse; ``as_json`` is the answer body Meta gives."""

    def __init__(self, code: int, details: str, http_status: int = 400) -> None:
        super().__init__(f"({code}) {details}")
        self.code = code
        self.details = details
        self.http_status = http_status

    def as_json(self) -> dict[str, Any]:
        """Returns ``{"error": {...}}`` as the Graph API writes it."""
        return {
            "error": {
                "message": f"(#{self.code}) {_TITLES.get(self.code, 'Error')}",
                "type": "OAuthException",
                "code": self.code,
                "error_data": {"messaging_product": "whatsapp", "details": self.details},
                "fbtrace_id": "SIM" + secrets.token_hex(8),
            }
        }


def status_error(code: int, details: str) -> dict[str, Any]:
    """Returns an entry of a failed status's ``errors`` list."""
    title = _TITLES.get(code, "Error")
    return {"code": code, "title": title, "message": title, "error_data": {"details": details}}


def check_send(body: Any) -> tuple[str, str]:
    """Checks a ``/messages`` send body; returns its recipient and message type.

    Raises:
        GraphError: with the code Meta answers for the first rule broken.

    """
    if not isinstance(body, dict) or body.get("messaging_product") != "whatsapp":
        raise GraphError(100, "messaging_product must be 'whatsapp'")
    recipient = body.get("to", body.get("recipient"))
    if not isinstance(recipient, str) or not recipient:
        raise GraphError(100, "the parameter 'to' is required")
    kind = body.get("type", "text")
    if kind not in MEDIA_KINDS and kind not in _OTHER_KINDS:
        raise GraphError(131051, f"message type '{kind}' is not supported")
    content = body.get(kind)
    if not isinstance(content, dict):
        raise GraphError(100, f"the parameter '{kind}' must be an object")
    if kind == "text":
        _text(content.get("body"), "text.body", 4096)
    elif kind == "interactive":
        _check_interactive(content)
    elif kind in MEDIA_KINDS:
        _check_media(kind, content)
    elif kind == "template":
        _text(content.get("name"), "template.name", 512)
        _text(_object(content.get("language")).get("code"), "template.language.code", 15)
    return recipient, kind


def media_id(body: dict) -> str | None:
    """Returns the uploaded media id a checked send body refers to, if any."""
    content = body.get(body.get("type", "text"))
    return content.get("id") if body.get("type") in MEDIA_KINDS and isinstance(content, dict) else None


def _check_interactive(interactive: dict) -> None:
    kind = interactive.get("type")
    if kind not in ("button", "list"):
        # cta_url, flow, product messages: accepted without further checks.
        return
    _text(_object(interactive.get("body")).get("text"), "interactive.body.text", 1024 if kind == "button" else 4096)
    header, footer = interactive.get("header"), interactive.get("footer")
    if isinstance(header, dict) and header.get("type") == "text":
        _text(header.get("text"), "interactive.header.text", 60)
    if footer is not None:
        _text(_object(footer).get("text"), "interactive.footer.text", 60)
    action = _object(interactive.get("action"))
    if kind == "button":
        _check_buttons(action.get("buttons"))
    else:
        _check_list(action)


def _check_buttons(buttons: Any) -> None:
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= 3:
        raise GraphError(131009, "interactive.action.buttons must hold 1 to 3 buttons")
    replies = [_object(_object(button).get("reply")) for button in buttons]
    for reply in replies:
        _text(reply.get("id"), "button id", 256)
        _text(reply.get("title"), "button title", 20)
    _unique([reply["id"] for reply in replies], "button ids")
    _unique([reply["title"] for reply in replies], "button titles")


def _check_list(action: dict) -> None:
    _text(action.get("button"), "interactive.action.button", 20)
    sections = action.get("sections")
    if not isinstance(sections, list) or not 1 <= len(sections) <= 10:
        raise GraphError(131009, "interactive.action.sections must hold 1 to 10 sections")
    rows = []
    for section in map(_object, sections):
        if len(sections) > 1 or "title" in section:
            _text(section.get("title"), "section title", 24)
        section_rows = section.get("rows")
        if not isinstance(section_rows, list) or not section_rows:
            raise GraphError(131009, "every section needs at least one row")
        rows.extend(map(_object, section_rows))
    if len(rows) > 10:
        raise GraphError(131009, "a list holds at most 10 rows in total")
    for row in rows:
        _text(row.get("id"), "row id", 200)
        _text(row.get("title"), "row title", 24)
        if "description" in row:
            _text(row["description"], "row description", 72)
    _unique([row["id"] for row in rows], "row ids")


def _check_media(kind: str, media: dict) -> None:
    if ("id" in media) == ("link" in media):
        raise GraphError(100, f"{kind} needs exactly one of 'id' and 'link'")
    reference = media.get("id", media.get("link"))
    if not isinstance(reference, str) or not reference:
        raise GraphError(100, f"{kind}.id or {kind}.link must be a non-empty string")
    if "link" in media and not reference.startswith(("http://", "https://")):
        raise GraphError(131009, f"{kind}.link must be an http(s) URL")
    if "caption" in media:
        _text(media["caption"], f"{kind}.caption", 1024)


def _text(value: Any, name: str, maximum: int) -> None:
    if not isinstance(value, str) or not value.strip():
        raise GraphError(100, f"the parameter {name} is required")
    if len(value) > maximum:
        raise GraphError(131009, f"{name} must be at most {maximum} characters long")


def _unique(values: list[str], name: str) -> None:
    if len(set(values)) != len(values):
        raise GraphError(131009, f"{name} must be unique")


def _object(value: Any) -> dict:
    return value if isinstance(value, dict) else {}
