import pytest

from sportello.attachments.policy import (
    MEGABYTE,
    Outcome,
    accepts_declared,
    base_mime_type,
    judge,
    max_bytes,
    max_megabytes,
)
from tests.sportello.attachments.samples import EXE, JPEG, MP4, OGG, PDF, PDF_WITH_SCRIPT, PNG


@pytest.mark.parametrize(
    "kind, declared, data, mime",
    [
        ("image", "image/jpeg", JPEG, "image/jpeg"),
        ("image", "image/png", PNG, "image/png"),
        ("document", "application/pdf", PDF, "application/pdf"),
        ("document", "image/jpeg", JPEG, "image/jpeg"),
        ("audio", "audio/ogg; codecs=opus", OGG, "audio/ogg"),
        ("video", "video/mp4", MP4, "video/mp4"),
    ],
)
def test_accepted_files_keep_their_proven_type(kind, declared, data, mime):
    verdict = judge(kind, declared, data)
    assert verdict.outcome is Outcome.STORED
    assert verdict.mime_type == mime


@pytest.mark.parametrize(
    "kind, declared, data, reason",
    [
        ("document", "application/x-msdownload", EXE, "not accepted"),
        ("document", "application/pdf", EXE, "content is not application/pdf"),  # renamed executable
        ("image", "image/jpeg", PNG, "content is not image/jpeg"),
        ("document", "image/svg+xml", b"<svg onload=alert(1)>", "not accepted"),
        ("document", "text/html", b"<html>", "not accepted"),
        ("document", "application/pdf", PDF_WITH_SCRIPT, "active content"),
        ("sticker", "image/webp", b"RIFF\x00\x00\x00\x00WEBP", "not accepted"),
    ],
)
def test_dangerous_or_mislabelled_files_are_refused(kind, declared, data, reason):
    verdict = judge(kind, declared, data)
    assert verdict.outcome is Outcome.TYPE_REFUSED
    assert verdict.mime_type is None
    assert reason in verdict.reason


def test_size_limits_by_kind():
    assert max_bytes("image") == 5 * MEGABYTE
    assert max_bytes("sticker") is None
    assert max_megabytes("document") == 10
    assert max_megabytes("unknown") == 10
    oversized = JPEG + bytes(5 * MEGABYTE)
    assert judge("image", "image/jpeg", oversized).outcome is Outcome.TOO_LARGE
    assert judge("document", "image/jpeg", oversized).outcome is Outcome.STORED


def test_declared_types_worth_downloading():
    assert accepts_declared("document", "Application/PDF")
    assert not accepts_declared("document", "application/zip")
    assert not accepts_declared("location", "application/pdf")
    assert base_mime_type(" audio/ogg ; codecs=opus") == "audio/ogg"
