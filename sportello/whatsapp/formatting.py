"""Turning the assistant's messages of one turn into WhatsApp Cloud API request bodies.

WhatsApp limits every part of a message (4096 characters of text, 3 reply buttons of
20 characters, 10 list rows of 24...) and rate-limits messages to the same user, so a
turn is sent as few messages as possible, cut at clean boundaries, and buttons that
fit no interactive message become numbered options the user answers by typing a number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

MAX_TEXT = 4096
MAX_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_SECTION_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_ROW_ID = 200
MAX_LIST_LABEL = 20
ELLIPSIS = "…"

# Boundaries to cut text at, coarsest first: paragraph, line, sentence, word. Each
# pattern matches the separator, which stays with the text before it.
_BOUNDARIES = (
    re.compile(r"\n[^\S\n]*\n\s*"),
    re.compile(r"\n\s*"),
    re.compile(r"[.!?…؟۔]+[\"'”’»)\]]*\s+|[。！？]+[”’」』）]*\s*"),
    re.compile(r"\s+"),
)


@dataclass(frozen=True)
class FormattedTurn:
    """The request bodies of one turn, in order, and the numbered options they offer ("1" -> payload)."""

    bodies: tuple[dict, ...]
    options: dict[str, str]


def format_turn(recipient: str, bot_messages: list[dict], *, list_label: str = "Menu") -> FormattedTurn:
    """Returns the Graph API request bodies for the messages Rasa collected in one turn.

    Args:
        recipient: The user's WhatsApp id, the ``to`` of every body.
        bot_messages: `CollectingOutputChannel` messages (``text``, ``buttons``, ``image``,
            ``attachment``, ``custom``).
        list_label: The label of the button that opens a list (shortened to 20 characters).

    """
    turn = _Turn(recipient, shorten(list_label, MAX_LIST_LABEL))
    for message in bot_messages:
        turn.add(message)
    return turn.finish()


def shorten(text: str, limit: int) -> str:
    """Returns the text on one line within ``limit`` characters, cut after a whole word and ended with "…".

    A first word longer than the limit is cut inside the word, since nothing else would fit.
    """
    words = text.split()
    whole = " ".join(words)
    if _length(whole) <= limit:
        return whole
    room = limit - _length(ELLIPSIS)
    kept = ""
    for word in words:
        longer = f"{kept} {word}" if kept else word
        if _length(longer) > room:
            break
        kept = longer
    return (kept or _head(words[0], room)) + ELLIPSIS


class _Turn:
    """Collects the bodies of one turn; texts wait in ``_pending`` so that consecutive ones merge."""

    def __init__(self, recipient: str, list_label: str) -> None:
        self._envelope = _envelope(recipient)
        self._list_label = list_label
        self._bodies: list[dict] = []
        self._pending: list[str] = []
        self._options: dict[str, str] = {}

    def add(self, message: dict) -> None:
        """Adds one bot message, its parts in the order Rasa's output channels send them."""
        text = str(message.get("text") or "").strip()
        buttons = message.get("buttons") or []
        if buttons:
            self._add_buttons(text, buttons)
        elif text:
            self._pending.append(text)
        custom = message.get("custom")
        if isinstance(custom, dict):
            # The envelope wins so that a payload cannot send to someone else.
            self._add({key: value for key, value in custom.items() if key not in self._envelope})
        if message.get("image"):
            self._add({"type": "image", "image": {"link": str(message["image"])}})
        attachment = message.get("attachment")
        if isinstance(attachment, dict):
            self._add({"type": "document", "document": attachment})
        elif attachment:
            self._add({"type": "document", "document": {"link": str(attachment)}})

    def finish(self) -> FormattedTurn:
        """Returns the turn, sending the texts still waiting."""
        self._flush()
        return FormattedTurn(bodies=tuple(self._bodies), options=dict(self._options))

    def _add(self, content: dict) -> None:
        self._flush()
        self._bodies.append({**self._envelope, **content})

    def _flush(self) -> None:
        text = "\n\n".join(self._pending)
        self._pending = []
        for chunk in _split(text, MAX_TEXT):
            self._bodies.append({**self._envelope, "type": "text", "text": {"body": chunk, "preview_url": False}})

    def _add_buttons(self, text: str, buttons: list[dict]) -> None:
        # Waiting texts go into the interactive body too: one message instead of two.
        text = "\n\n".join([*self._pending, text]).strip()
        choices = [_choice(button) for button in buttons]
        sections = [str(button.get("section") or "") for button in buttons]
        interactive = _interactive(choices, self._list_label, sections) if text else None
        if interactive is None:
            self._pending = [self._numbered(text, choices)]
            return
        self._pending = []
        if _length(text) > MAX_BODY:
            body = _tail(text, MAX_BODY)
            self._pending = [text[: len(text) - len(body)].strip()]
            text = body
        kind, action = interactive
        self._add({"type": "interactive", "interactive": {"type": kind, "body": {"text": text}, "action": action}})

    def _numbered(self, text: str, choices: list[tuple[str, str]]) -> str:
        # Numbering goes on across the turn, so two option lists never share a number.
        lines = []
        for number, (payload, title) in enumerate(choices, start=len(self._options) + 1):
            self._options[str(number)] = payload
            lines.append(f"{number}. {title}")
        return "\n\n".join(part for part in (text, "\n".join(lines)) if part)


def _choice(button: dict) -> tuple[str, str]:
    """Returns a Rasa button as (payload, title), each standing in for the other when missing."""
    title = " ".join(str(button.get("title") or "").split())
    payload = str(button.get("payload") or "")
    return payload or title, title or " ".join(payload.split())


def _interactive(
    choices: list[tuple[str, str]], list_label: str, sections: list[str]
) -> tuple[str, dict[str, Any]] | None:
    """Returns the interactive type ("button" or "list") and action for the choices, or None if neither fits.

    Buttons that name a ``section`` (appointment slots name their day) always become a
    list, with consecutive buttons of the same section under one section title.
    """
    payloads = [payload for payload, _ in choices]
    titles = [title for _, title in choices]
    if not all(payload.strip() for payload in payloads) or not all(titles) or len(set(payloads)) < len(payloads):
        return None
    if (
        not any(sections)
        and len(choices) <= MAX_BUTTONS
        and len(set(titles)) == len(titles)
        and all(_length(title) <= MAX_BUTTON_TITLE for title in titles)
        and all(_length(payload) <= MAX_BUTTON_ID for payload in payloads)
    ):
        buttons = [{"type": "reply", "reply": {"id": payload, "title": title}} for payload, title in choices]
        return "button", {"buttons": buttons}
    if len(choices) > MAX_ROWS or any(_length(payload) > MAX_ROW_ID for payload in payloads):
        return None
    grouped: list[dict[str, Any]] = []
    for (payload, title), section in zip(choices, sections, strict=True):
        row = {"id": payload, "title": shorten(title, MAX_ROW_TITLE)}
        if row["title"] != title:
            row["description"] = shorten(title, MAX_ROW_DESCRIPTION)
        if not grouped or (section and grouped[-1].get("title") != shorten(section, MAX_SECTION_TITLE)):
            grouped.append({"title": shorten(section, MAX_SECTION_TITLE)} if section else {})
            grouped[-1]["rows"] = []
        grouped[-1]["rows"].append(row)
    return "list", {"button": list_label, "sections": grouped}


def _length(text: str) -> int:
    """Returns the length in UTF-16 code units.

    An emoji counts twice, as in JavaScript: whether Meta counts code points or code
    units, text measured this way stays within its limits.
    """
    return len(text.encode("utf-16-le")) // 2


def _head(text: str, limit: int) -> str:
    """Returns the longest start of the text within the limit."""
    size = 0
    for index, char in enumerate(text):
        size += _length(char)
        if size > limit:
            return text[:index]
    return text


def _pieces(text: str, boundary: re.Pattern[str]) -> list[str]:
    """Returns the text cut after each separator; the pieces join back into the text."""
    pieces = []
    start = 0
    for match in boundary.finditer(text):
        pieces.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        pieces.append(text[start:])
    return pieces


def _split(text: str, limit: int, boundaries: tuple[re.Pattern[str], ...] = _BOUNDARIES) -> list[str]:
    """Returns the text in as few chunks within the limit as the coarsest boundaries allow."""
    text = text.strip()
    if _length(text) <= limit:
        return [text] if text else []
    if not boundaries:
        chunks = []
        while text:
            chunks.append(_head(text, limit))
            text = text[len(chunks[-1]) :]
        return chunks
    chunks = []
    current = ""
    for piece in _pieces(text, boundaries[0]):
        if _length((current + piece).rstrip()) <= limit:
            current += piece
            continue
        if current:
            chunks.append(current.rstrip())
        if _length(piece.rstrip()) <= limit:
            current = piece
        else:
            *full, last = _split(piece, limit, boundaries[1:])
            chunks.extend(full)
            # The rest of the piece may share its chunk with the pieces after it.
            current = last + piece[len(piece.rstrip()) :]
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _tail(text: str, limit: int, boundaries: tuple[re.Pattern[str], ...] = _BOUNDARIES) -> str:
    """Returns a short end of the text within the limit: its last paragraph, else its last line or sentence.

    A last sentence over the limit gives as many of its last words (or characters) as fit.
    """
    pieces = _pieces(text, boundaries[0]) if boundaries else list(text)
    last = pieces[-1].strip()
    if _length(last) > limit:
        return _tail(last, limit, boundaries[1:])
    if len(boundaries) > 1:
        return last
    # Single words or characters mean little: keep as many as fit.
    tail = ""
    for piece in reversed(pieces):
        if _length((piece + tail).strip()) > limit:
            break
        tail = piece + tail
    return tail.strip()


def text_body(recipient: str, text: str) -> dict:
    """One plain text message (cut to the 4096-character limit at a clean boundary)."""
    return {**_envelope(recipient), "type": "text", "text": {"body": _head(text, MAX_TEXT), "preview_url": False}}


def template_body(recipient: str, name: str, language_code: str, parameters: list[str]) -> dict:
    """An approved template message, the only kind WhatsApp delivers outside the 24-hour window."""
    components = [{"type": "body", "parameters": [{"type": "text", "text": str(p)} for p in parameters]}]
    template = {"name": name, "language": {"code": language_code}, "components": components}
    return {**_envelope(recipient), "type": "template", "template": template}


def _envelope(recipient: str) -> dict:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": recipient}
