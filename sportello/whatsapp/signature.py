"""Signing and checking webhook bodies as Meta does (X-Hub-Signature-256)."""

from __future__ import annotations

import hashlib
import hmac

_PREFIX = "sha256="


def sign(app_secret: str, body: bytes) -> str:
    """Returns the X-Hub-Signature-256 value for a raw body: "sha256=<hex HMAC-SHA256>"."""
    digest = hmac.new(app_secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify(app_secret: str, body: bytes, header: str | None) -> bool:
    """Returns whether the header is the signature of the raw body; False when missing or malformed."""
    if not header or not header.startswith(_PREFIX):
        return False
    # compare_digest refuses non-ASCII str, so a hostile header must not reach it as text.
    try:
        given = header[len(_PREFIX) :].lower().encode("ascii")
    except UnicodeEncodeError:
        return False
    expected = sign(app_secret, body)[len(_PREFIX) :].encode("ascii")
    return hmac.compare_digest(given, expected)
