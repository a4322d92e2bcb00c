"""gunicorn serving the app on 127.0.0.1, and wrk driving it, both bounded in time."""

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "wrk" / "request.lua"
LOG = ROOT / "bench" / "out" / "gunicorn.log"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn with sync workers on a free loopback port, under the bench settings."""

    def __init__(self, workers):
        self.workers = workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log = None

    def __enter__(self):
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_bench"}
        gunicorn = Path(sys.executable).with_name("gunicorn")
        # The API logs a line per call: into a file, as in production, not onto the terminal.
        LOG.parent.mkdir(exist_ok=True)
        self.log = LOG.open("a")
        self.process = subprocess.Popen(  # noqa: S603
            [
                str(gunicorn),
                "config.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--timeout",
                # A sync worker streaming a long export is only checked on between requests.
                "300",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                requests.get(f"{self.base}/bench/floor/", timeout=10)
                return self
            except requests.RequestException:
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited while starting; see {LOG}.") from None
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not answer within 90 s.")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log:
            self.log.close()

    def worker_pids(self):
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []

    def reset_peak_memory(self):
        """Forget the workers' peak memory so far (the sign-in's Argon2 hash alone takes
        100 MB): writing 5 to clear_refs resets VmHWM."""
        for pid in self.worker_pids():
            Path(f"/proc/{pid}/clear_refs").write_text("5")

    def peak_worker_memory_mb(self):
        """The highest resident memory any worker reached (VmHWM), in MB."""
        peaks = []
        for pid in self.worker_pids():
            status = Path(f"/proc/{pid}/status").read_text()
            match = re.search(r"VmHWM:\s+(\d+) kB", status)
            if match:
                peaks.append(int(match.group(1)) / 1024)
        return max(peaks) if peaks else None


@dataclass
class LoadResult:
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def wrk_available():
    return shutil.which("wrk") is not None


def run_wrk(url, *, duration, connections, env):
    """Drive `url` for `duration` seconds; the request shape comes from `env` (see request.lua)."""
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(LUA),
        url,
    ]
    completed = subprocess.run(  # noqa: S603
        command,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=duration + 60,
        check=False,
    )
    line = next((x for x in completed.stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no result: {completed.stdout}\n{completed.stderr}")
    data = json.loads(line.removeprefix("BENCH_JSON "))
    seconds = data["duration_us"] / 1e6
    errors = sum(v for k, v in data.items() if k.startswith("errors_"))
    return LoadResult(
        requests=data["requests"],
        seconds=seconds,
        rps=data["requests"] / seconds if seconds else 0.0,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        errors=errors,
    )


def admin_session(base, email, password):
    """Sign in to the admin like a browser; returns (sessionid cookie header, csrf token)."""
    session = requests.Session()
    login = f"{base}/admin/login/"
    session.get(login, timeout=30)
    token = session.cookies.get("csrftoken", "")
    session.post(
        login,
        data={
            "username": email,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": login},
        timeout=30,
    )
    if "sessionid" not in session.cookies:
        raise RuntimeError("Could not sign in to the admin as the bench agent.")
    return session
