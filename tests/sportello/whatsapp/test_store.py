"""WhatsAppStore on SQLite and on a real PostgreSQL (a throw-away schema per test)."""

import dataclasses
import threading
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from sportello.whatsapp.store import INBOUND, OUTBOX, STATUSES, WhatsAppStore
from sportello.whatsapp.webhook import InboundMessage, Media, StatusUpdate

ROME = timezone(timedelta(hours=2))


def inbound(message_id, sender="393331234567", text="Buongiorno", kind="text", media=None):
    return InboundMessage(
        id=message_id,
        sender=sender,
        profile_name="Amina",
        timestamp=1717000000,
        type=kind,
        text=text,
        reply_id=None,
        media=media,
        location=None,
        context_id=None,
    )


def record(store, message):
    return store.record_inbound(message, dataclasses.asdict(message))


@pytest.fixture
def store_url(database_url):
    return database_url


@pytest.fixture
def store(store_url):
    store = WhatsAppStore(store_url)
    yield store
    store.close()


def outbox_row(store, outbox_id):
    with store.engine.connect() as connection:
        return connection.execute(sa.select(OUTBOX).where(OUTBOX.c.id == outbox_id)).one()


def test_record_inbound_deduplicates_and_keeps_the_raw_message(store):
    arabic = inbound("wamid.A1", text="مرحبا، أحتاج إلى تجديد تصريح الإقامة")
    chinese = inbound(
        "wamid.C1",
        sender="US.13491208655302741918",
        text="你好",
        kind="image",
        media=Media("m1", "image/jpeg", "abc", None, "你好", False),
    )
    assert record(store, arabic) is True
    assert record(store, chinese) is True
    assert record(store, arabic) is False

    claimed = store.claim_pending("w1")
    assert [(p.message_id, p.sender) for p in claimed] == [
        ("wamid.A1", "393331234567"),
        ("wamid.C1", "US.13491208655302741918"),
    ]
    assert claimed[0].raw == dataclasses.asdict(arabic)
    assert claimed[1].raw["media"]["caption"] == "你好"


def test_records_survive_a_new_store_on_the_same_database(store, store_url):
    record(store, inbound("wamid.1"))
    again = WhatsAppStore(store_url)
    try:
        assert record(again, inbound("wamid.1")) is False
        assert [p.message_id for p in again.claim_pending("w")] == ["wamid.1"]
    finally:
        again.close()


def test_claim_pending_leases_oldest_first_until_processed(store):
    for i in range(5):
        record(store, inbound(f"wamid.{i}", sender=f"3933300000{i}"))

    first = store.claim_pending("w1", limit=2)
    assert [p.message_id for p in first] == ["wamid.0", "wamid.1"]
    second = store.claim_pending("w2")
    assert [p.message_id for p in second] == ["wamid.2", "wamid.3", "wamid.4"]
    assert store.claim_pending("w3") == []

    store.answer("wamid.0", "393333000000", [], {})
    store.answer("wamid.2", "393333000002", [], {})
    # w1 "died": its lease ran out, so wamid.1 is handed out again, processed ones never.
    with store.engine.begin() as connection:
        connection.execute(
            INBOUND.update()
            .where(INBOUND.c.message_id == "wamid.1")
            .values(claimed_until=datetime(2000, 1, 1, tzinfo=timezone.utc))
        )
    assert [p.message_id for p in store.claim_pending("w3")] == ["wamid.1"]


def test_released_messages_are_handed_out_again_at_once(store):
    record(store, inbound("wamid.1", sender="a"))
    record(store, inbound("wamid.2", sender="b"))
    assert len(store.claim_pending("w1")) == 2
    store.answer("wamid.1", "a", [], {})
    assert store.release("w1") == 1  # the answered one stays answered
    assert [p.message_id for p in store.claim_pending("w2")] == ["wamid.2"]


def test_an_expired_lease_is_handed_out_again(store):
    record(store, inbound("wamid.1"))
    assert len(store.claim_pending("w1", lease_seconds=-1)) == 1
    assert [p.message_id for p in store.claim_pending("w2")] == ["wamid.1"]
    assert store.claim_pending("w3") == []


def test_record_inbound_from_many_threads_stores_an_id_once(store):
    threads, barrier = 8, threading.Barrier(8)
    results = []

    def deliver():
        barrier.wait()
        results.append(record(store, inbound("wamid.same")))

    workers = [threading.Thread(target=deliver) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == [False] * (threads - 1) + [True]


def test_claim_pending_never_hands_a_message_to_two_workers(store):
    total = 120
    for i in range(total):
        record(store, inbound(f"wamid.{i:03}", sender=f"39333{i % 7}"))
    threads, barrier = 6, threading.Barrier(6)
    claims = {}

    def work(name):
        barrier.wait()
        mine = claims.setdefault(name, [])
        while batch := store.claim_pending(name, limit=7):
            mine.extend(p.message_id for p in batch)

    workers = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    everything = [message_id for mine in claims.values() for message_id in mine]
    assert len(everything) == len(set(everything)) == total


def test_touch_contact_keeps_the_latest_time_and_known_name(store):
    assert store.last_inbound_at("393331234567") is None
    noon = datetime(2024, 6, 1, 12, 0, tzinfo=timezone.utc)
    store.touch_contact("393331234567", "Amina", noon)
    assert store.last_inbound_at("393331234567") == noon
    assert store.last_inbound_at("393331234567").tzinfo == timezone.utc

    # An older, re-delivered webhook must not move the 24-hour window back.
    store.touch_contact("393331234567", None, noon - timedelta(hours=3))
    assert store.last_inbound_at("393331234567") == noon

    # Another zone: stored and returned as the same instant in UTC.
    later = datetime(2024, 6, 1, 15, 30, tzinfo=ROME)
    store.touch_contact("393331234567", None, later)
    assert store.last_inbound_at("393331234567") == later
    assert store.last_inbound_at("393331234567").utcoffset() == timedelta(0)

    with store.engine.connect() as connection:
        name = connection.execute(sa.text("SELECT profile_name FROM wa_contacts")).scalar_one()
    assert name == "Amina"


def test_touch_contact_from_many_threads_keeps_one_row(store):
    barrier = threading.Barrier(6)
    base = datetime(2024, 6, 1, tzinfo=timezone.utc)

    def touch(minute):
        barrier.wait()
        store.touch_contact("US.1", f"name {minute}", base + timedelta(minutes=minute))

    workers = [threading.Thread(target=touch, args=(i,)) for i in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert store.last_inbound_at("US.1") == base + timedelta(minutes=5)


def test_naive_datetimes_are_refused(store):
    with pytest.raises(sa.exc.StatementError):
        store.touch_contact("393331234567", None, datetime(2024, 6, 1, 12, 0))


def offer(store, sender, options, message_id):
    record(store, inbound(message_id, sender=sender))
    store.answer(message_id, sender, [{"text": {"body": "scegli"}}], options)


def test_numbered_options(store):
    offer(store, "a", {"1": '/inform{"permit": "lavoro"}', "2": '/inform{"permit": "studio"}'}, "wamid.o1")
    offer(store, "b", {"1": "/b"}, "wamid.o2")
    assert store.option_payload("a", "2") == '/inform{"permit": "studio"}'
    assert store.option_payload("a", " 1. ") == '/inform{"permit": "lavoro"}'
    assert store.option_payload("a", "٢") == '/inform{"permit": "studio"}'  # Arabic-Indic digit
    assert store.option_payload("a", "２") == '/inform{"permit": "studio"}'  # full-width digit
    assert store.option_payload("a", "02") == '/inform{"permit": "studio"}'
    for text in ("3", "uno", "", "1 2", "9" * 5000, "-1"):
        assert store.option_payload("a", text) is None
    assert store.option_payload("b", "1") == "/b"
    assert store.option_payload("c", "1") is None

    offer(store, "a", {"1": "/new"}, "wamid.o3")  # a new offer replaces the old one
    assert store.option_payload("a", "1") == "/new"
    assert store.option_payload("a", "2") is None


def test_an_answer_is_recorded_whole_or_not_at_all(store):
    record(store, inbound("wamid.1", sender="a"))
    record(store, inbound("wamid.2", sender="a"))
    store.claim_pending("w1")
    store.answer("wamid.1", "a", [{"text": {"body": "uno"}}, {"text": {"body": "due"}}], {"1": "/one"})
    assert store.outbox_backlog() == 2 and store.option_payload("a", "1") == "/one"
    with pytest.raises(sa.exc.StatementError):  # the process fails half-way through the second answer
        store.answer("wamid.2", "a", [{"text": {"body": "tre"}}, {"unserialisable": object()}], {"1": "/two"})
    assert store.outbox_backlog() == 2 and store.option_payload("a", "1") == "/one"
    with store.engine.begin() as connection:  # w1 died with it: its lease runs out
        connection.execute(INBOUND.update().values(claimed_until=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    assert [p.message_id for p in store.claim_pending("w2")] == ["wamid.2"]  # not answered: handed out again


def test_due_outbound_gives_each_recipient_its_oldest_row_only(store):
    first_a = store.enqueue("a", {"text": {"body": "a1"}})
    second_a = store.enqueue("a", {"text": {"body": "a2"}})
    first_b = store.enqueue("b", {"text": {"body": "b1 你好"}})
    now = datetime.now(timezone.utc)

    due = store.due_outbound(now)
    assert [(m.id, m.recipient, m.body, m.attempts) for m in due] == [
        (first_a, "a", {"text": {"body": "a1"}}, 0),
        (first_b, "b", {"text": {"body": "b1 你好"}}, 0),
    ]
    # Leased: a second poller (another process) does not get them too.
    assert store.due_outbound(now) == []

    store.mark_sent(first_a, "wamid.out1")
    assert [m.id for m in store.due_outbound(now)] == [second_a]

    # Neither row was settled (their sender died): they come back once the lease is over.
    assert [m.id for m in store.due_outbound(now + timedelta(seconds=61))] == [second_a, first_b]


def test_a_rescheduled_row_holds_back_that_recipient_only(store):
    first_a = store.enqueue("a", {"n": 1})
    second_a = store.enqueue("a", {"n": 2})
    first_b = store.enqueue("b", {"n": 1})
    now = datetime.now(timezone.utc)
    assert len(store.due_outbound(now)) == 2

    store.reschedule(first_a, now + timedelta(seconds=30), "Graph API error 130429")
    store.mark_sent(first_b, "wamid.b1")
    assert store.due_outbound(now + timedelta(seconds=10)) == []

    later = store.due_outbound(now + timedelta(seconds=30))
    assert [(m.id, m.attempts) for m in later] == [(first_a, 1)]
    assert outbox_row(store, first_a).last_error == "Graph API error 130429"

    store.mark_failed(first_a, "Graph API error 131047", needs_staff=True)
    row = outbox_row(store, first_a)
    assert (row.status, row.needs_staff) == ("failed", True)
    assert [m.id for m in store.due_outbound(now + timedelta(seconds=30))] == [second_a]


def test_due_outbound_limit(store):
    for i in range(5):
        store.enqueue(f"user{i}", {"n": i})
    now = datetime.now(timezone.utc)
    assert len(store.due_outbound(now, limit=3)) == 3
    assert len(store.due_outbound(now, limit=3)) == 2


def test_due_outbound_from_many_threads_hands_each_row_out_once(store):
    for i in range(60):
        store.enqueue(f"user{i}", {"n": i})
    now = datetime.now(timezone.utc)
    barrier = threading.Barrier(5)
    taken = []

    def poll():
        barrier.wait()
        while batch := store.due_outbound(now, limit=4):
            taken.extend(m.id for m in batch)

    workers = [threading.Thread(target=poll) for _ in range(5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(taken) == len(set(taken)) == 60


def test_sent_row_is_settled(store):
    outbox_id = store.enqueue("a", {"n": 1})
    store.mark_sent(outbox_id, "wamid.x")
    row = outbox_row(store, outbox_id)
    assert (row.status, row.wamid, row.needs_staff) == ("sent", "wamid.x", False)
    assert row.sent_at.tzinfo == timezone.utc
    assert store.due_outbound(datetime.now(timezone.utc) + timedelta(days=1)) == []


def test_record_status_deduplicates_and_links_to_the_outbox(store):
    outbox_id = store.enqueue("393331234567", {"n": 1})
    store.mark_sent(outbox_id, "wamid.out")
    sent = StatusUpdate("wamid.out", "sent", 1717000001, "393331234567", ())
    assert store.record_status(sent) is True
    assert store.record_status(sent) is False
    failed = StatusUpdate(
        "wamid.out", "failed", 1717000002, "393331234567", ({"code": 131047, "title": "Re-engagement message"},)
    )
    assert store.record_status(failed) is True

    with store.engine.connect() as connection:
        rows = connection.execute(sa.select(STATUSES).order_by(STATUSES.c.timestamp)).all()
    assert [(r.status, r.outbox_id) for r in rows] == [("sent", outbox_id), ("failed", outbox_id)]
    assert rows[1].errors == [{"code": 131047, "title": "Re-engagement message"}]
    # The reply never arrived: the outbox row is failed and flagged for staff.
    row = outbox_row(store, outbox_id)
    assert (row.status, row.needs_staff, row.last_error) == ("failed", True, "failed status (131047)")


def test_a_status_that_overtakes_the_send_answer_is_linked_later(store):
    outbox_id = store.enqueue("393331234567", {"n": 1})
    assert store.record_status(StatusUpdate("wamid.early", "delivered", 10**19 - 1, "393331234567", ()))
    store.mark_sent(outbox_id, "wamid.early")
    with store.engine.connect() as connection:
        assert connection.execute(sa.select(STATUSES.c.outbox_id)).scalar_one() == outbox_id


def test_media_records_one_per_message_and_expire(store):
    from sportello.whatsapp.store import MediaRecord

    old = datetime.now(timezone.utc) - timedelta(days=40)
    first = MediaRecord("wamid.M1", "39333", "image", "image/jpeg", "stored", mime_type="image/jpeg",
                        storage_key="2026/11/" + "a" * 32 + ".jpg", received_at=old)
    assert store.record_media(first)
    assert not store.record_media(dataclasses.replace(first, outcome="failed"))
    assert store.record_media(MediaRecord("wamid.M2", "39333", "document", "application/zip", "type_refused"))
    assert [r.message_id for r in store.media_of_sender("39333")] == ["wamid.M1", "wamid.M2"]
    expired = store.expired_media(datetime.now(timezone.utc) - timedelta(days=30))
    assert [r.message_id for r in expired] == ["wamid.M1"]
    assert expired[0].received_at == old
    store.mark_media_deleted("wamid.M1")
    assert store.expired_media(datetime.now(timezone.utc)) == [store.media_of_message("wamid.M2")]
    assert store.media_of_message("wamid.M1").storage_key is None


def test_a_sender_is_served_by_one_worker_at_a_time(store):
    for number, sender in enumerate(["39A", "39A", "39B", "39A"]):
        record(store, inbound(f"wamid.S{number}", sender=sender))
    first = store.claim_pending("worker-1", limit=1)
    assert [m.message_id for m in first] == ["wamid.S0"]
    # 39A is busy with worker-1: worker-2 gets only 39B's message.
    assert [m.message_id for m in store.claim_pending("worker-2")] == ["wamid.S2"]
    # worker-1 itself goes on with 39A in order.
    assert [m.message_id for m in store.claim_pending("worker-1", limit=1)] == ["wamid.S1"]
    store.answer("wamid.S0", "39A", [], {})
    store.answer("wamid.S1", "39A", [], {})
    assert [m.message_id for m in store.claim_pending("worker-2")] == ["wamid.S3"]


def test_concurrent_workers_never_split_a_sender(store):
    senders = [f"39{n % 5}" for n in range(40)]
    for number, sender in enumerate(senders):
        record(store, inbound(f"wamid.C{number}", sender=sender))
    results = {}

    def work(name):
        results[name] = store.claim_pending(name, limit=40)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    owners = {}
    for name, messages in results.items():
        for message in messages:
            assert owners.setdefault(message.sender, name) == name, message.sender
    claimed = sorted(m.message_id for messages in results.values() for m in messages)
    assert len(claimed) == len(set(claimed))
