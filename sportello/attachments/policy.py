"""What the office accepts from applicants, judged on the bytes, not on what the sender declares.

A file is kept for staff only if its declared type is on the list for its kind, its
first bytes prove that type, and it is within the size limit. Everything else is
refused: executables, archives, office documents with macros, HTML or SVG (which
would run in the staff inbox), and PDFs carrying scripts, launch actions or
embedded files.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Callable, Dict, Optional

MEGABYTE = 1024 * 1024


class Outcome(str, enum.Enum):
    """What happened to an attachment; the assistant's answer depends on it."""

    STORED = "stored"
    TOO_LARGE = "too_large"
    TYPE_REFUSED = "type_refused"
    FAILED = "failed"


@dataclass(frozen=True)
class KindPolicy:
    """Limits for one kind of attachment (the WhatsApp message type)."""

    max_bytes: int
    mime_types: frozenset


# Sizes: Meta's own limits for images and audio/video (5 and 16 MB); documents are
# capped lower than Meta's 100 MB because staff read them, and a scan is rarely bigger.
POLICIES: Dict[str, KindPolicy] = {
    "image": KindPolicy(5 * MEGABYTE, frozenset({"image/jpeg", "image/png"})),
    "document": KindPolicy(10 * MEGABYTE, frozenset({"application/pdf", "image/jpeg", "image/png"})),
    "audio": KindPolicy(
        16 * MEGABYTE, frozenset({"audio/ogg", "audio/mpeg", "audio/mp4", "audio/aac", "audio/amr"})
    ),
    "video": KindPolicy(16 * MEGABYTE, frozenset({"video/mp4", "video/3gpp"})),
}

EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "application/pdf": ".pdf",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "audio/aac": ".aac",
    "audio/amr": ".amr",
    "video/mp4": ".mp4",
    "video/3gpp": ".3gp",
}

# PDF names that make a document do something when opened (as whole names: font
# subsets are called "/AAAAAB+Arial"). Names hidden with #xx escapes slip through;
# staff open attachments in the browser's sandboxed PDF viewer all the same.
PDF_ACTIVE_CONTENT = re.compile(rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|AA|RichMedia|XFA)(?![A-Za-z0-9#+])")


def _is_iso_media(data: bytes) -> bool:
    return data[4:8] == b"ftyp"


def _is_mpeg_audio(data: bytes) -> bool:
    return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


SIGNATURES: Dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "image/png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "application/pdf": lambda data: data.startswith(b"%PDF-"),
    "audio/ogg": lambda data: data.startswith(b"OggS"),
    "audio/mpeg": _is_mpeg_audio,
    "audio/mp4": _is_iso_media,
    "audio/aac": lambda data: len(data) > 1 and data[0] == 0xFF and data[1] & 0xF6 == 0xF0,
    "audio/amr": lambda data: data.startswith(b"#!AMR"),
    "video/mp4": _is_iso_media,
    "video/3gpp": _is_iso_media,
}


def base_mime_type(declared: str) -> str:
    """The MIME type without parameters, lower case ("audio/ogg; codecs=opus" -> "audio/ogg")."""
    return declared.split(";", 1)[0].strip().lower()


def max_bytes(kind: str) -> Optional[int]:
    """The size limit for a kind of attachment, or None when the kind is not accepted."""
    policy = POLICIES.get(kind)
    return policy.max_bytes if policy else None


def max_megabytes(kind: str) -> int:
    """The size limit in whole megabytes, as applicants are told it (documents when the kind is unknown)."""
    return (max_bytes(kind) or POLICIES["document"].max_bytes) // MEGABYTE


def accepts_declared(kind: str, declared_mime: str) -> bool:
    """Whether a file of this kind and declared type is worth downloading at all."""
    policy = POLICIES.get(kind)
    return policy is not None and base_mime_type(declared_mime) in policy.mime_types


@dataclass(frozen=True)
class Verdict:
    """The judgement on downloaded bytes: ``mime_type`` is set when the file is accepted."""

    outcome: Outcome
    mime_type: Optional[str] = None
    reason: str = ""


def judge(kind: str, declared_mime: str, data: bytes) -> Verdict:
    """Judges downloaded bytes against the policy for their kind."""
    policy = POLICIES.get(kind)
    if policy is None:
        return Verdict(Outcome.TYPE_REFUSED, reason=f"kind {kind!r} not accepted")
    if len(data) > policy.max_bytes:
        return Verdict(Outcome.TOO_LARGE, reason=f"{len(data)} bytes")
    mime = base_mime_type(declared_mime)
    if mime not in policy.mime_types:
        return Verdict(Outcome.TYPE_REFUSED, reason=f"type {mime!r} not accepted for {kind}")
    if not SIGNATURES[mime](data):
        return Verdict(Outcome.TYPE_REFUSED, reason=f"content is not {mime}")
    if mime == "application/pdf" and PDF_ACTIVE_CONTENT.search(data):
        return Verdict(Outcome.TYPE_REFUSED, reason="PDF with active content")
    return Verdict(Outcome.STORED, mime_type=mime)
