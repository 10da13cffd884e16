"""tests/lanes.py: each test process of `make test` gets a Redis database of its own."""

import pytest

from tests.lanes import lane_redis_url


def test_the_first_process_keeps_the_database_and_the_next_ones_take_the_following():
    assert lane_redis_url("redis://127.0.0.1:6379/1", "gw0") == "redis://127.0.0.1:6379/1"
    assert lane_redis_url("redis://127.0.0.1:6379/1", "gw1") == "redis://127.0.0.1:6379/2"
    assert lane_redis_url("redis://:secret@redis:6379/3", "gw2") == "redis://:secret@redis:6379/5"
    assert lane_redis_url("rediss://redis.example.org:6380/0", "gw1") == "rediss://redis.example.org:6380/1"


def test_a_url_without_a_database_number_or_past_the_last_database_is_refused():
    with pytest.raises(ValueError, match="must end in a database number"):
        lane_redis_url("redis://127.0.0.1:6379", "gw1")
    with pytest.raises(ValueError, match="no database 16 for test process gw1"):
        lane_redis_url("redis://127.0.0.1:6379/15", "gw1")
