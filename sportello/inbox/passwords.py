"""Password hashing with scrypt (memory-hard; in the standard library), salted, with its parameters stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache
from typing import Optional

# OWASP's minimum for scrypt: N=2^17, r=8, p=1 (128 MiB of memory per hash).
N, R, P = 2**17, 8, 1
MAX_MEMORY = 256 * 1024 * 1024


def hash_password(password: str) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=N, r=R, p=P, maxmem=MAX_MEMORY, dklen=32)
    return "$".join(["scrypt", str(N), str(R), str(P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: Optional[str]) -> bool:
    """Whether ``password`` matches ``stored``; spends the same time when ``stored`` is None."""
    if stored is None:
        stored, known = _dummy(), False
    else:
        known = True
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        computed = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=MAX_MEMORY,
            dklen=len(expected),
        )
    except ValueError:
        return False
    return hmac.compare_digest(computed, expected) and known


@cache
def _dummy() -> str:
    # Checked against when the user name is unknown, so that the answer takes as long.
    return hash_password(secrets.token_urlsafe(16))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
