"""Mixed load on one tenant against the server `make run` starts: `manage.py runserver`
(threaded) on a fresh SQLite file, migrated and seeded with seed_demo, without Redis."""

import json
import sys

import pytest

from unlocks.tests.load.conftest import (
    Expiry,
    Server,
    free_port,
    last_json_line,
    manage,
    server_env,
    summary,
)
from unlocks.tests.load.traffic import LOAD_SECONDS, MixedLoad, tally


@pytest.fixture
def env(tmp_path):
    env = server_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", DEBUG="1")
    manage("migrate", "--noinput", env=env)
    manage("seed_demo", env=env)
    manage(
        "shell", "-c", "from unlocks.tests.load.traffic import add_records; add_records()", env=env
    )
    return env


@pytest.fixture
def runserver(env, tmp_path):
    port = free_port()
    server = Server(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        env={**env, "SITE_URL": f"http://127.0.0.1:{port}"},
        log_path=tmp_path / "runserver.log",
        port=port,
    )
    try:
        yield server.start()
    finally:
        server.stop()


def test_the_make_run_server_answers_mixed_load_without_a_5xx(env, runserver, tmp_path):
    expiry = Expiry(env=env, seconds=LOAD_SECONDS)
    try:
        load = MixedLoad(runserver.url)
        answers = load.run()
        expired = expiry.result()["expired"]
    finally:
        expiry.stop()
    runserver.stop()
    counts = tally(answers)
    print(summary(load, counts, expired=expired))

    failed = [a for a in answers if a["status"] is None or a["status"] >= 500]
    assert failed == [], (
        f"{len(failed)} calls failed; first: {failed[:3]}\n{runserver.log()[-4000:]}"
    )
    assert "Traceback" not in runserver.log()
    # And every answer holds against the server's own database.
    saved = tmp_path / "answers.json"
    saved.write_text(json.dumps(answers))
    code = (
        "from unlocks.tests.load.checks import report_from_file; "
        f"report_from_file({str(saved)!r}, expired={expired})"
    )
    assert last_json_line(manage("shell", "-c", code, env=env)) == []
    assert counts["verify 200"] > 0
    assert counts["guess 423 pin_locked"] + counts["verify 423 pin_locked"] > 0
