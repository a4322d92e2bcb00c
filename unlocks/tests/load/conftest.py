"""Real server processes for the load tests, on loopback ports of their own."""

import json
import os
import signal
import socket
import subprocess
import sys

import pytest
import requests
from django.conf import settings

from conftest import Launched

# The load tests' ports: the first free one is taken.
PORTS = range(8201, 8210)

# What the servers under load are told beyond the environment: no throttle to mask the
# load, the PIN rule as the tests' settings have it, and no Redis (tasks run in-process
# after commit, as `make run` does it).
LOAD_ENV = {
    "API_THROTTLE_RATE": "1000000/minute",
    "PIN_MAX_FAILURES": "5",
    "LOG_LEVEL": "WARNING",
    "PYTHONUNBUFFERED": "1",
}


def free_port():
    for port in PORTS:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    pytest.fail(f"No free port in {PORTS.start}-{PORTS.stop - 1} for the server under load")


def server_env(**changes):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    return {**env, **LOAD_ENV, **changes}


def manage(*args, env, timeout=60):
    """Run a manage.py command in `env`; returns its output, or fails the test."""
    done = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        pytest.fail(f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def last_json_line(output):
    return json.loads(output.strip().splitlines()[-1])


class Server(Launched):
    """A server process (gunicorn, runserver) on 127.0.0.1, up once /healthz answers."""

    def __init__(self, argv, *, env, log_path, port):
        super().__init__(argv, env=env, log_path=log_path, ready=self._answers, what="The server")
        self.url = f"http://127.0.0.1:{port}"

    def _answers(self, _):
        try:
            return requests.get(f"{self.url}/healthz", timeout=5).status_code == 200
        except requests.RequestException:
            return False


class Expiry:
    """The expiry job looping in its own process (traffic.run_expiry) beside the load."""

    def __init__(self, *, env, seconds):
        code = f"from unlocks.tests.load.traffic import run_expiry; run_expiry(seconds={seconds})"
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def result(self, timeout=60):
        """How many requests it expired, once it has finished."""
        out, err = self.process.communicate(timeout=timeout)
        if self.process.returncode != 0:
            pytest.fail(f"The expiry job failed:\n{err[-3000:]}")
        return last_json_line(out)

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def summary(load, counts, **more):
    """The answers by code, the latency of each kind of call, and when the PIN locked,
    for the test's output."""
    lines = [f"{load.duration:.1f} s, {len(load.answers)} calls"]
    lines += [f"  {n:5}  {key}" for key, n in sorted(counts.items())]
    for kind in sorted({a["kind"] for a in load.answers}):
        times = sorted(a["ms"] for a in load.answers if a["kind"] == kind and "ms" in a)
        if times:
            lines.append(
                f"  {kind}: p50 {times[len(times) // 2]} ms, p99 "
                f"{times[int(len(times) * 0.99)]} ms, max {times[-1]} ms"
            )
    locked = [a["t"] for a in load.answers if a["code"] == "pin_locked"]
    lines.append(f"  PIN first refused as locked at {min(locked) if locked else '-'} s")
    lines += [f"  {key}: {value}" for key, value in more.items()]
    return "\n".join(lines)
