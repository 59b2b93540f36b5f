import hashlib
import hmac
import json

from hypothesis import given
from hypothesis import strategies as st

from sportello.whatsapp.signature import sign, verify

SECRET = "app-secret"


def test_sign_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"object": "whatsapp_business_account"}'
    expected = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert sign(SECRET, body) == "sha256=" + expected


def test_a_correct_signature_is_accepted():
    body = b'{"entry": []}'
    assert verify(SECRET, body, sign(SECRET, body))


def test_uppercase_hex_is_accepted():
    body = b"{}"
    assert verify(SECRET, body, sign(SECRET, body).upper().replace("SHA256=", "sha256="))


def test_signature_covers_the_raw_escaped_bytes_not_re_serialised_json():
    # Meta signs the ensure_ascii form; re-serialising to UTF-8 changes the bytes and so the signature.
    payload = {"text": {"body": "مرحبا 你好"}}
    raw = json.dumps(payload).encode()
    header = sign(SECRET, raw)
    assert verify(SECRET, raw, header)
    assert not verify(SECRET, json.dumps(payload, ensure_ascii=False).encode(), header)


def test_wrong_secret_or_tampered_body_is_refused():
    body = b'{"a": 1}'
    assert not verify("other", body, sign(SECRET, body))
    assert not verify(SECRET, b'{"a": 2}', sign(SECRET, body))


def test_missing_or_malformed_headers_are_refused():
    body = b"{}"
    digest = sign(SECRET, body).removeprefix("sha256=")
    for header in [None, "", "sha256=", digest, "sha1=" + digest, "sha256=" + digest[:-1], "sha256=zz", "sha256=é" * 3]:
        assert not verify(SECRET, body, header)


@given(st.binary(), st.text())
def test_verify_never_raises_and_accepts_only_the_right_signature(body, header):
    assert verify(SECRET, body, sign(SECRET, body))
    right = sign(SECRET, body)
    assert verify(SECRET, body, header) == (header.startswith("sha256=") and header.lower() == right)
