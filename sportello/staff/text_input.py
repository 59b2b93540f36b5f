"""Text staff type (messages, notes, reasons, search terms), checked the same way everywhere."""

from __future__ import annotations

import re
from typing import Any

# Control characters except tab, newline and carriage return.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def plain_text(value: Any, name: str, limit: int) -> str:
    """The value as plain text: control characters removed, trimmed; may be empty.

    Raises:
        ValueError: not a text, or longer than ``limit`` characters (the message names ``name``).

    """
    if not isinstance(value, str):
        raise ValueError(f"{name}: must be a text")
    text = CONTROL.sub("", value).strip()
    if len(text) > limit:
        raise ValueError(f"{name}: at most {limit} characters")
    return text
