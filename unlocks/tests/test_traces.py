"""Traces, where a collector is named: one trace from the API call, through the task it
hands to a real Celery worker, to that worker's webhook POST, sent over OTLP/HTTP to a
loopback collector (written from the OTLP specification: POST /v1/traces, a protobuf
ExportTraceServiceRequest). Without a collector named, nothing of OpenTelemetry loads."""

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from django.conf import settings
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from notifications.models import MessageStatus, OutboxMessage, WebhookEndpoint

# The outbox's loopback webhook receiver.
from notifications.tests.conftest import (
    Worker,
    _test_database_url,
    clear_broker,
    receiver,  # noqa: F401
    wait_until,
)
from unlocks.tests.api.conftest import OPEN_BODY
from unlocks.tests.load.conftest import Server, free_port, server_env


class Collector:
    """An OTLP/HTTP trace collector on 127.0.0.1 that keeps every span it is sent."""

    def __init__(self):
        self.spans = []
        self.lock = threading.Lock()
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = ExportTraceServiceRequest.FromString(body)
                with collector.lock:
                    for resource in request.resource_spans:
                        service = {
                            a.key: a.value.string_value for a in resource.resource.attributes
                        }["service.name"]
                        for scope in resource.scope_spans:
                            collector.spans += [(service, span) for span in scope.spans]
                answer = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def of_trace(self, trace_id):
        with self.lock:
            return [(service, span) for service, span in self.spans if span.trace_id == trace_id]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def collector():
    found = Collector()
    yield found
    found.close()


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_one_trace_runs_from_the_api_call_to_the_workers_webhook_post(
    tmp_path,
    api_key,
    collector,
    receiver,  # noqa: F811
):
    from config.celery import app

    env = server_env(
        DATABASE_URL=_test_database_url(),
        REDIS_URL=os.environ["REDIS_URL"],
        OTEL_EXPORTER_OTLP_ENDPOINT=collector.url,
        OTEL_BSP_SCHEDULE_DELAY="100",
        LOG_LEVEL="INFO",  # the worker says "ready." at INFO
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    )
    clear_broker(env["REDIS_URL"])
    app.conf.task_always_eager = False
    WebhookEndpoint.objects.create(name="Zendesk", url=receiver.url, secret="s3cret-for-tests")
    port = free_port()
    web = Server(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
        ],
        env=env,
        log_path=tmp_path / "gunicorn.log",
        port=port,
    )
    worker = Worker(tmp_path, env, queues="webhooks", beat=False)
    try:
        web.start()
        worker.start()
        opened = requests.post(
            f"{web.url}/api/v1/unlock-requests/",
            json=OPEN_BODY,
            headers={"Authorization": f"Token {api_key}"},
            timeout=30,
        )
        assert opened.status_code == 201, opened.text
        wait_until(
            lambda: OutboxMessage.objects.filter(
                kind="webhook", status=MessageStatus.DELIVERED
            ).exists(),
            timeout=30,
            what="the worker called the webhook",
        )
        (call,) = receiver.calls
        # W3C trace context: version-trace id-parent span id-flags.
        trace_id = bytes.fromhex(call.headers["traceparent"].split("-")[1])

        def whole_trace():
            services = {service for service, _ in collector.of_trace(trace_id)}
            return services == {"unlockdesk-web", "unlockdesk-worker"} and any(
                span.kind == span.SPAN_KIND_CLIENT and service == "unlockdesk-worker"
                for service, span in collector.of_trace(trace_id)
            )

        wait_until(whole_trace, timeout=30, what="both processes exported the trace's spans")
    finally:
        web.stop()
        worker.stop()
        clear_broker(env["REDIS_URL"])

    spans = collector.of_trace(trace_id)
    names = {(service, span.name) for service, span in spans}
    assert ("unlockdesk-web", "POST api/v1/unlock-requests/") in names
    assert any(s == "unlockdesk-web" and n.startswith("apply_async/") for s, n in names)
    assert ("unlockdesk-worker", "run/notifications.tasks.deliver_outbox_message") in names
    assert ("unlockdesk-worker", "POST") in names  # the webhook call, by requests
    # The database's statements of both processes are in it too (psycopg2).
    assert {s for s, span in spans if span.kind == span.SPAN_KIND_CLIENT and n_is_sql(span)} == {
        "unlockdesk-web",
        "unlockdesk-worker",
    }
    # One tree: every span but the API call's has its parent in the trace.
    ids = {span.span_id for _, span in spans}
    roots = [span.name for _, span in spans if span.parent_span_id not in ids]
    assert roots == ["POST api/v1/unlock-requests/"]


def n_is_sql(span):
    return any(a.key == "db.system" for a in span.attributes)


def test_without_a_collector_nothing_of_opentelemetry_loads():
    code = (
        "import sys, django, os;"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "import config.wsgi, config.celery;"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
