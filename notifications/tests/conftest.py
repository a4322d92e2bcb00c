import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.tests.factories import TenantFactory, admin_of, member_of
from notifications.models import WebhookEndpoint


@dataclass
class Call:
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    """A helpdesk's webhook receiver on 127.0.0.1 that answers with scripted statuses."""

    url: str = ""
    statuses: list = field(default_factory=list)
    calls: list = field(default_factory=list)
    # While set, the receiver holds each request open (a worker killed mid-call).
    hold: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for_calls(self, n, timeout):
        with self.arrived:
            return self.arrived.wait_for(lambda: len(self.calls) >= n, timeout=timeout)


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.arrived:
                state.calls.append(Call(headers=dict(self.headers), body=body))
                state.arrived.notify_all()
            if state.hold.is_set():
                state.release.wait(timeout=30)
                return
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}/hooks/unlock"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def endpoint(db, receiver):
    return WebhookEndpoint.objects.create(
        name="Zendesk", url=receiver.url, secret="s3cret-for-tests"
    )


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme")


@pytest.fixture
def pat(tenant):
    return admin_of(tenant, email="pat@acme.test", full_name="Pat Admin")


@pytest.fixture
def lee(tenant):
    return admin_of(tenant, email="lee@acme.test", full_name="Lee Admin")


@pytest.fixture
def dana(tenant):
    return member_of(tenant, email="dana@acme.test")
