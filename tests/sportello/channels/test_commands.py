from hypothesis import given
from hypothesis import strategies as st

from sportello.channels.commands import NEUTRALISER, PayloadSigner, guard_user_text

SIGNER = PayloadSigner("test-secret")


def test_typed_commands_are_neutralised():
    for text in ["/restart", "/inform{\"permit_type\": \"studio\"}", "  /greet", "/"]:
        guarded = guard_user_text(text, "alice", SIGNER)
        assert not guarded.startswith("/")
        assert guarded == NEUTRALISER + text.lstrip()


def test_ordinary_text_is_unchanged():
    assert guard_user_text("ciao /restart", "alice", SIGNER) == "ciao /restart"


def test_a_payload_signed_for_the_sender_goes_through():
    signed = SIGNER.sign("alice", '/change_language{"language": "fr"}')
    assert signed != '/change_language{"language": "fr"}'
    assert guard_user_text(signed, "alice", SIGNER) == '/change_language{"language": "fr"}'


def test_a_payload_signed_for_someone_else_or_with_another_key_is_refused():
    signed = SIGNER.sign("alice", "/restart")
    assert guard_user_text(signed, "mallory", SIGNER).startswith(NEUTRALISER)
    other = PayloadSigner("other-secret").sign("alice", "/restart")
    assert guard_user_text(other, "alice", SIGNER).startswith(NEUTRALISER)


def test_tampered_payload_is_refused():
    signed = SIGNER.sign("alice", "/ask_cost")
    forged = signed.replace("/ask_cost", "/restart")
    assert guard_user_text(forged, "alice", SIGNER).startswith(NEUTRALISER)


def test_sign_buttons_signs_intent_payloads_only():
    message = {
        "recipient_id": "alice",
        "text": "?",
        "buttons": [{"title": "Costs", "payload": "/ask_cost"}, {"title": "Web", "payload": "https://x"}],
    }
    signed = SIGNER.sign_buttons(message)
    assert SIGNER.verify("alice", signed["buttons"][0]["payload"]) == "/ask_cost"
    assert signed["buttons"][1]["payload"] == "https://x"
    assert message["buttons"][0]["payload"] == "/ask_cost"  # the original is not modified


@given(st.text(max_size=200), st.text(min_size=1, max_size=40))
def test_no_unsigned_text_ever_reaches_rasa_as_an_intent(text, sender):
    guarded = guard_user_text(text, sender, SIGNER)
    assert not guarded.lstrip().startswith("/") or SIGNER.verify(sender, text.strip()) is not None
