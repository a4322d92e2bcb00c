"""A rediss:// broker: reached over TLS through the mended transport, with Redis's
certificate checked against REDIS_CA_CERTS, by the worker's connection and by /healthz."""

import json
import os
import ssl
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from kombu import Connection, Consumer

from config.tests.test_broker import QUEUE, drain_until, publish
from notifications.tests.conftest import wait_until
from notifications.tests.test_broker_outages import free_port
from unlocks.api import health

pytestmark = pytest.mark.redis


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_authority(folder, name):
    """A certificate authority of its own: (key, certificate) in `folder`."""
    openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
        "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.crt", "-days", "2",
        "-subj", f"/CN={name}", cwd=folder,
    )  # fmt: skip
    return folder / f"{name}.key", folder / f"{name}.crt"


class TlsRedis:
    """A redis-server answering TLS alone, on a port of its own, with a certificate for
    127.0.0.1 signed by an authority made for the test."""

    def __init__(self, folder):
        self.folder = folder
        self.port = free_port()
        self.url = f"rediss://127.0.0.1:{self.port}/0"
        ca_key, self.ca = make_authority(folder, "test-ca")
        (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
        openssl(
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "redis.key", "-out", "redis.csr", "-subj", "/CN=127.0.0.1", cwd=folder,
        )  # fmt: skip
        openssl(
            "x509", "-req", "-in", "redis.csr", "-CA", str(self.ca), "-CAkey", str(ca_key),
            "-CAcreateserial", "-out", "redis.crt", "-days", "2", "-extfile", "san.ext",
            cwd=folder,
        )  # fmt: skip
        self.process = subprocess.Popen(
            ["redis-server", "--port", "0", "--tls-port", str(self.port), "--bind", "127.0.0.1",
             "--tls-cert-file", "redis.crt", "--tls-key-file", "redis.key",
             "--tls-ca-cert-file", str(self.ca), "--tls-auth-clients", "no",
             "--save", "", "--appendonly", "no", "--dir", str(folder)],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def stop(self):
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def tls_redis(tmp_path):
    server = TlsRedis(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def checked_against(ca):
    return {"ssl_cert_reqs": ssl.CERT_REQUIRED, "ssl_ca_certs": str(ca)}


@pytest.fixture
def rediss_settings(settings, tls_redis):
    settings.CELERY_BROKER_URL = tls_redis.url
    settings.CELERY_BROKER_TRANSPORT = "config.broker:Transport"
    settings.CELERY_BROKER_USE_SSL = checked_against(tls_redis.ca)
    wait_until(lambda: health.broker() == health.OK, timeout=10, what="TLS Redis answered")
    return settings


def test_the_settings_for_a_rediss_url_check_the_certificate(tmp_path):
    env = {
        **os.environ,
        "REDIS_URL": "rediss://redis.example:6380/0",
        "REDIS_CA_CERTS": "/etc/unlock-desk/redis-ca.pem",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.CELERY_BROKER_TRANSPORT, s.CELERY_BROKER_USE_SSL, "
        "s.CACHES['default']['OPTIONS'].get('ssl_ca_certs')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    transport, use_ssl, cache_ca = json.loads(out)
    assert transport == "config.broker:Transport"
    assert use_ssl == {
        "ssl_cert_reqs": int(ssl.CERT_REQUIRED),
        "ssl_ca_certs": "/etc/unlock-desk/redis-ca.pem",
    }
    assert cache_ca == "/etc/unlock-desk/redis-ca.pem"


def test_messages_go_over_tls_through_the_mended_transport(rediss_settings, tls_redis):
    received = []
    options = {
        "transport": rediss_settings.CELERY_BROKER_TRANSPORT,
        "ssl": rediss_settings.CELERY_BROKER_USE_SSL,
        "transport_options": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
    with Connection(tls_redis.url, **options) as conn:
        Consumer(
            conn.channel(),
            queues=[QUEUE],
            callbacks=[lambda body, message: (received.append(body), message.ack())],
            accept=["json"],
        ).consume()
        publish(tls_redis.url, {"n": 1}, **options)
        assert drain_until(conn, lambda: received == [{"n": 1}], timeout=10)


def test_healthz_refuses_a_redis_whose_certificate_another_authority_signed(
    rediss_settings, tmp_path
):
    other = tmp_path / "other"
    other.mkdir()
    _, stranger = make_authority(other, "stranger-ca")
    rediss_settings.CELERY_BROKER_USE_SSL = checked_against(stranger)
    assert health.broker() == health.UNAVAILABLE
