"""Mixed load on one tenant, over HTTP to gunicorn (4 workers) on PostgreSQL: opens,
approvals with right and wrong PINs, cancels, lookups and the expiry job at once."""

import sys

import pytest
from django.core.management import call_command
from django.db import connection

from notifications.tests.conftest import _test_database_url
from unlocks.tests.load.checks import mismatches
from unlocks.tests.load.conftest import Expiry, Server, free_port, server_env, summary
from unlocks.tests.load.traffic import LOAD_SECONDS, MixedLoad, add_records, tally

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def deadlocks():
    with connection.cursor() as cursor:
        # Statistics are read once per transaction and cached; read them afresh.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return cursor.fetchone()[0]


@pytest.fixture
def env():
    call_command("seed_demo", verbosity=0)
    add_records()
    return server_env(DATABASE_URL=_test_database_url())


@pytest.fixture
def gunicorn(env, tmp_path):
    port = free_port()
    server = Server(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "60",
        ],
        env=env,
        log_path=tmp_path / "gunicorn.log",
        port=port,
    )
    try:
        yield server.start()
    finally:
        server.stop()


def test_it_answers_mixed_load_without_a_5xx_or_a_deadlock_and_as_the_database_says(env, gunicorn):
    deadlocks_before = deadlocks()
    expiry = Expiry(env=env, seconds=LOAD_SECONDS)
    try:
        load = MixedLoad(gunicorn.url)
        answers = load.run()
        expired = expiry.result()["expired"]
    finally:
        expiry.stop()
    gunicorn.stop()
    deadlocks_after = deadlocks()
    counts = tally(answers)
    print(
        summary(
            load,
            counts,
            expired=expired,
            deadlocks=f"{deadlocks_before} before, {deadlocks_after} after",
        )
    )

    failed = [a for a in answers if a["status"] is None or a["status"] >= 500]
    assert failed == [], (
        f"{len(failed)} calls failed; first: {failed[:3]}\n{gunicorn.log()[-4000:]}"
    )
    assert "Traceback" not in gunicorn.log()
    assert deadlocks_after == deadlocks_before
    assert mismatches(answers, expired=expired) == []
    # The load did what it is for: approvals went through, the PIN locked out, and a
    # right PIN was refused while it was locked.
    assert counts["verify 200"] > 0
    assert counts["verify 423 pin_locked"] > 0
    assert counts["guess 403 pin_incorrect"] > 0
    assert counts["cancel 200"] > 0 and counts["lookup 200"] > 0
    assert expired > 0
