"""prefetched_rows reads a query a chunk ahead in a thread, for the chain's check and
the CSV export; a reader that stops early must stop the thread and the reading."""

import threading
import time

import pytest
from django.db import connection

from audit.selectors import prefetched_rows

pytestmark = pytest.mark.postgres

# nextval counts the rows the database produced, whatever the transaction does after.
COUNTED = "SELECT nextval('produced') FROM generate_series(1, %s)"


@pytest.fixture
def produced(db):
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY SEQUENCE produced")

    def count():
        with connection.cursor() as cursor:
            cursor.execute("SELECT last_value FROM produced")
            return cursor.fetchone()[0]

    return count


def fetching():
    return [t for t in threading.enumerate() if t.name == "prefetched_rows"]


def test_it_gives_every_row_in_order(produced):
    rows = prefetched_rows(COUNTED, [95], chunk_size=10)
    assert [n for (n,) in rows] == list(range(1, 96))
    assert fetching() == []


def test_a_reader_that_stops_early_stops_the_thread_and_the_reading(produced):
    rows = prefetched_rows(COUNTED, [10_000], chunk_size=10)
    assert next(rows) == (1,)
    # Time for the thread to fill its queue and wait to hand over a chunk.
    time.sleep(0.3)
    assert len(fetching()) == 1
    rows.close()
    assert fetching() == []
    # The chunk read, two queued, one waiting to be, and one the thread may have begun.
    assert produced() <= 50


def test_a_failure_in_the_thread_reaches_the_reader(db):
    rows = prefetched_rows("SELECT 1 / (3 - n) FROM generate_series(1, 5) n", [], chunk_size=1)
    with pytest.raises(Exception, match="division by zero"):
        list(rows)
    assert fetching() == []
