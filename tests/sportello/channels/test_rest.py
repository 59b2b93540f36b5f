import json

import pytest

from sportello.channels.rest import InvalidRequest, parse_body


def test_valid_body():
    body = parse_body(json.dumps({"sender": "a", "message": "ciao", "metadata": {"x": 1}}).encode())
    assert body == {"sender": "a", "message": "ciao", "metadata": {"x": 1}}


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b"",
        json.dumps({"message": "ciao"}).encode(),
        json.dumps({"sender": "", "message": "ciao"}).encode(),
        json.dumps({"sender": "a" * 129, "message": "ciao"}).encode(),
        json.dumps({"sender": 5, "message": "ciao"}).encode(),
        json.dumps({"sender": "a", "message": None}).encode(),
        json.dumps({"sender": "a", "message": "x" * 4097}).encode(),
        json.dumps({"sender": "a", "message": "ciao", "metadata": [1]}).encode(),
    ],
)
def test_invalid_bodies_are_rejected(raw):
    with pytest.raises(InvalidRequest):
        parse_body(raw)
