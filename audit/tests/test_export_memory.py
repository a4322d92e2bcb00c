"""The audit export streams in bounded memory: tens of thousands of entries leave as a body
many times larger than what the process holds at any moment (keyset reads, no server-side
cursor: it streams the same behind PgBouncer in transaction mode)."""

import tracemalloc

import pytest

from audit.actors import Actor
from audit.services import record_entries

EXPORT = "/admin/audit/auditentry/export.csv"
ENTRIES = 30_000


@pytest.fixture
def long_trail(tenant):
    actor = Actor(kind="agent", label="avery@support.test", ip="10.1.2.3", user_agent="x" * 200)
    for start in range(0, ENTRIES, 5000):
        record_entries(
            tenant=tenant,
            actor=actor,
            entries=[
                {"action": "pin_set", "data": {"n": n, "note": "a reason people wrote " * 4}}
                for n in range(start, start + 5000)
            ],
        )


def test_a_long_export_streams_in_bounded_memory(agent_client, long_trail, monkeypatch):
    monkeypatch.setattr("audit.exports.CSV_CHUNK", 1000)
    response = agent_client.get(EXPORT)
    assert response.status_code == 200 and response.streaming

    tracemalloc.start()
    try:
        sent = rows = 0
        for n, piece in enumerate(response.streaming_content, start=1):
            sent += len(piece)
            rows += piece.count(b"\n")
            if n == 3:
                _, early = tracemalloc.get_traced_memory()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert rows == ENTRIES + 1
    assert sent > 15_000_000
    # What is held at once is a chunk of rows and a block of text: it is reached with the
    # first pieces and does not grow with the rows sent after them.
    assert peak - early < 1_000_000, f"grew {peak - early:,} bytes after the first pieces"
    assert peak < sent / 2, f"peak {peak:,} bytes for a body of {sent:,}"
