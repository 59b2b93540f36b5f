"""Keeping personal data out of logs: pseudonyms for senders, redaction of numbers and codes."""

from __future__ import annotations

import hashlib
import re

REDACTED = "[redacted]"
# Italian codice fiscale (with the letters that replace digits in homonym cases).
_CODICE_FISCALE = r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPR-T][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]"
# IBAN: country, check digits, then 11 to 30 letters or digits, in groups of four or not.
_IBAN = r"[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]){11,30}"
# Passports and permit cards: one or two letters, then 6 to 9 digits (YA1234567, I00012345).
_DOCUMENT = r"[A-Z]{1,2}\d{6,9}"
# Pratica and assicurata numbers: 10 to 12 letters and digits, at least six of them digits.
_APPLICATION = r"(?=(?:[A-Z]*\d){6})[A-Z0-9]{10,12}"
# Phone numbers: an optional + or 00, then groups of 2 to 4 digits (9 to 15 digits in all,
# checked in _replacement) separated by at most one space, dot or dash.
_PHONE = r"(?:\+|00)?\d{2,4}(?:[ .\-]?\d{2,4}){2,5}"
_PHONE_DIGITS = range(9, 16)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_PATTERNS = [
    re.compile(rf"(?<![\w-]){pattern}(?!\w)", re.IGNORECASE)
    for pattern in (_CODICE_FISCALE, _IBAN, _DOCUMENT, _APPLICATION)
] + [re.compile(rf"(?<![\w+-]){_PHONE}(?![\w-])")]


def pseudonym(sender_id: str) -> str:
    """A short, stable, non-reversible tag for a sender id, fit for log lines."""
    return "s-" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:12]


def redact(text: str) -> str:
    """The text with passport, permit, codice fiscale, pratica and assicurata numbers, IBANs and phones replaced.

    Pseudonyms (``s-`` and 12 hex characters) and ISO dates and times stay.
    """
    for pattern in _PATTERNS:
        text = pattern.sub(_replacement, text)
    return text


def _replacement(match: re.Match[str]) -> str:
    value = match.group()
    if _ISO_DATE.match(value):
        return value
    if match.re is _PATTERNS[-1] and sum(ch.isdigit() for ch in value) not in _PHONE_DIGITS:
        return value
    return REDACTED
