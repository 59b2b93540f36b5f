"""InboxStore on SQLite and on a real PostgreSQL."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from sportello.inbox import store as store_module
from sportello.inbox.store import InboxStore

PASSWORD = "correct horse battery staple"


@pytest.fixture
def store(database_url):
    store = InboxStore(database_url)
    yield store
    store.close()


def test_one_open_handoff_per_sender_even_when_processes_race(store):
    results = []

    def open_one():
        results.append(store.open_handoff("39333", "whatsapp", "asked", "ar", None))

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({h.id for h in results}) == 1
    assert store.queue("waiting", "anna")[0].language == "ar"


def test_queue_views_positions_and_closing(store):
    first = store.open_handoff("39001", "whatsapp", "asked", "it", None)
    second = store.open_handoff("39002", "whatsapp", "documents", "en", "studio")
    assert (store.position(first), store.position(second)) == (1, 2)
    assert store.assign(first.id, "anna")
    assert store.position(second) == 1
    assert [h.id for h in store.queue("mine", "anna")] == [first.id]
    assert [h.id for h in store.queue("others", "marco")] == [first.id]
    assert store.counts("anna") == {"waiting": 1, "mine": 1, "others": 0}
    assert store.end_handoff(first.id, "handed_back")
    assert not store.end_handoff(first.id, "resolved")  # already closed
    assert [h.id for h in store.queue("resolved", "anna")] == [first.id]
    again = store.open_handoff("39001", "whatsapp", "asked", "it", None)  # a new one after closing
    assert again.id != first.id


def test_notes(store):
    handoff = store.open_handoff("39001", "whatsapp", "asked", "it", None)
    store.add_note(handoff.id, "anna", "Richiamare martedì")
    assert [n["text"] for n in store.notes(handoff.id)] == ["Richiamare martedì"]


def test_accounts_passwords_and_roles(store):
    user = store.create_user("anna.rossi", PASSWORD, "operator")
    assert user.can("operator") and not user.can("supervisor")
    assert store.authenticate("anna.rossi", PASSWORD) == user
    assert store.authenticate("anna.rossi", "wrong password!!") is None
    assert store.authenticate("nobody", PASSWORD) is None
    for name, password, role, problem in [
        ("anna.rossi", PASSWORD, "operator", "taken"),
        ("x", PASSWORD, "operator", "3 to 64"),
        ("anna rossi", PASSWORD, "operator", "letters, digits"),
        ("marco", "short", "operator", "at least 12"),
        ("marco", PASSWORD, "boss", "role must be"),
    ]:
        with pytest.raises(ValueError, match=problem):
            store.create_user(name, password, role)
    with store.engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT password_hash FROM inbox_users")).scalar()
    assert stored.startswith("scrypt$") and PASSWORD not in stored


def test_sessions_expire_and_tokens_are_stored_hashed(store, monkeypatch):
    user = store.create_user("anna", PASSWORD, "supervisor")
    token = store.start_session(user)
    assert store.session(token).user == user
    assert store.session("forged") is None
    later = store_module._now() + timedelta(hours=store_module.SESSION_HOURS, minutes=1)
    monkeypatch.setattr(store_module, "_now", lambda: later)
    assert store.session(token) is None
    api = store.create_api_token(user, "gestionale")
    assert store.api_user(api) == user and store.api_user(api + "x") is None
    with store.engine.connect() as connection:
        assert api not in str(connection.execute(sa.text("SELECT * FROM inbox_api_tokens")).all())


def test_the_audit_log_only_grows(store):
    store.audit("anna", "read", "39001", "handoff 1")
    store.audit("anna", "reply", "39001")
    assert [a["action"] for a in store.audit_log()] == ["reply", "read"]
    assert not any(name.startswith(("delete", "update")) and "audit" in name for name in dir(store))
