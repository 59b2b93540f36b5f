"""Checking what applicants type for a booking: their name and, optionally, their application number."""

from __future__ import annotations

import re
import unicodedata
from typing import Optional

from sportello.knowledge.status import NUMBER_KINDS
from sportello.nlu.application_number import find_number

# Letters of any script and the marks that combine with them, spaces, and the
# punctuation found in names on passports: apostrophe, hyphen, full stop.
_NAME_PUNCTUATION = set(" '-.’ʼ")
MAX_NAME_WORDS = 8


def clean_name(text: str, max_length: int) -> Optional[str]:
    """The name as it will be stored (spaces collapsed), or None if it cannot be a name.

    Refused: digits, markup and other symbols, a single letter, more than
    ``max_length`` characters or MAX_NAME_WORDS words, text with no letter.
    """
    name = " ".join(unicodedata.normalize("NFC", text).split())
    if not 2 <= len(name) <= max_length or len(name.split()) > MAX_NAME_WORDS:
        return None
    letters = 0
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif not (category.startswith("M") or ch in _NAME_PUNCTUATION):
            return None
    return name if letters >= 2 else None


def application_number(text: str) -> Optional[str]:
    """The assicurata (12) or pratica (10) number in the text, normalised; None if there is none of that length."""
    found = find_number(text)
    if found is None:
        return None
    value = re.sub(r"[^A-Z0-9]", "", str(found["value"]).upper())
    return value if len(value) in NUMBER_KINDS else None


def number_length(text: str) -> int:
    """The length of the number-like part of the text (for telling the applicant what is wrong)."""
    found = find_number(text)
    return len(str(found["value"])) if found else len(re.sub(r"\W", "", text))
