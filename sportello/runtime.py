"""Local runtime state: the git-ignored ``var/`` folder and the secrets kept in it."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from sportello import PROJECT_ROOT

VAR_DIR = Path(os.environ.get("SPORTELLO_VAR_DIR", PROJECT_ROOT / "var"))


def load_secret(name: str) -> str:
    """A secret from ``SPORTELLO_<NAME>`` or, on the embedded default, a file in ``var/secrets``.

    The file is created once with a random value, so that every process on this host
    (Rasa server, action server, tools) shares the secret and restarts keep it.
    Production sets the environment variable instead.
    """
    from_env = os.environ.get(f"SPORTELLO_{name.upper()}")
    if from_env:
        return from_env
    path = VAR_DIR / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()
