"""Keeping personal data out of logs."""

from __future__ import annotations

import hashlib


def pseudonym(sender_id: str) -> str:
    """A short, stable, non-reversible tag for a sender id, fit for log lines."""
    return "s-" + hashlib.sha256(sender_id.encode("utf-8")).hexdigest()[:12]
