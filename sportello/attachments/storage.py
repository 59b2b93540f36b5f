"""Where accepted attachments are kept: files on disk by default, any `AttachmentStorage` in production.

The storage only holds bytes under opaque keys it makes itself; what a file is, who
sent it and when it must go are recorded beside it in the database
(sportello.whatsapp.store). Another backend (an object store, the office's document
system) implements the same three methods.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

# Keys are made here ("2026/11/<32 hex><.ext>"); anything else is refused, so a key
# read back from the database can never point outside the root.
KEY_PATTERN = re.compile(r"^\d{4}/\d{2}/[0-9a-f]{32}(\.[a-z0-9]{1,5})?$")


class AttachmentStorage(Protocol):
    """Keeps attachment bytes under keys the storage chooses."""

    def save(self, data: bytes, extension: str) -> str:
        """Stores ``data``; returns its key."""

    def read(self, key: str) -> bytes:
        """Returns the bytes stored under ``key``; raises KeyError if there are none."""

    def delete(self, key: str) -> None:
        """Removes the bytes under ``key``; a missing key is not an error."""


class FileStorage:
    """Attachments as files under one directory, readable by the service's user only."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, data: bytes, extension: str) -> str:
        """Writes the file atomically (temporary name, then rename) with mode 0600."""
        if extension and not re.fullmatch(r"\.[a-z0-9]{1,5}", extension):
            raise ValueError(f"invalid extension {extension!r}")
        now = datetime.now(timezone.utc)
        key = f"{now:%Y}/{now:%m}/{secrets.token_hex(16)}{extension}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = path.with_name(f".{path.name}.part")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return key

    def read(self, key: str) -> bytes:
        """Returns the file's bytes."""
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None

    def delete(self, key: str) -> None:
        """Deletes the file if it is there."""
        self._path(key).unlink(missing_ok=True)

    def _path(self, key: str) -> Path:
        if not KEY_PATTERN.match(key):
            raise KeyError(f"invalid attachment key {key!r}")
        return self.root / key
