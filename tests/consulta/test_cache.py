"""The shared cache that rate limits count in, when Redis is not configured."""

import threading
import time

import pytest
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_increments_atomically_and_keeps_the_expiry():
    cache.add("hits", 1, 60)
    assert cache.incr("hits") == 2
    assert cache.incr("hits", 10) == 12
    assert cache.get("hits") == 12
    with pytest.raises(ValueError):
        cache.incr("missing")


def test_it_forgets_an_expired_counter():
    cache.set("short", 1, 1)
    time.sleep(1.2)
    with pytest.raises(ValueError):
        cache.incr("short")


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite serialises writers in one process anyway")
def test_it_loses_no_increment_under_concurrency():
    from django.db import connections

    cache.add("race", 0, 60)

    def bump():
        for _ in range(25):
            cache.incr("race")
        connections.close_all()

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert cache.get("race") == 100
