"""RedisSeenIds against the real Redis at 127.0.0.1:6379 (skipped, with the reason, where there is none)."""

import os
import uuid

import pytest
import redis

from sportello.whatsapp.dedupe import KEY_PREFIX, RedisSeenIds

REDIS_URL = os.environ.get("SPORTELLO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def seen():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {error}")
    ids = RedisSeenIds(REDIS_URL, ttl_seconds=60)
    yield ids
    ids.close()


def test_an_id_is_seen_only_once_remembered(seen):
    message_id = f"wamid.{uuid.uuid4().hex}"
    assert not seen.seen(message_id)
    seen.remember(message_id)
    assert seen.seen(message_id)
    # Another process sees it too.
    other = RedisSeenIds(REDIS_URL)
    assert other.seen(message_id)
    other.close()


def test_remembered_ids_expire(seen):
    message_id = f"wamid.{uuid.uuid4().hex}"
    seen.remember(message_id)
    ttl = redis.Redis.from_url(REDIS_URL).ttl(KEY_PREFIX + message_id)
    assert 0 < ttl <= 60


def test_an_unreachable_redis_leaves_the_decision_to_the_store(caplog):
    down = RedisSeenIds("redis://127.0.0.1:1/0")
    assert down.seen("wamid.X") is False
    down.remember("wamid.X")
    assert "SQL store decides" in caplog.text
    down.close()
