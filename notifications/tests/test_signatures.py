import hashlib
import hmac
import json

import pytest

from notifications import services
from notifications.models import OutboxMessage
from notifications.signing import signature, signature_matches
from notifications.tests.conftest import queue_calls


def test_the_signature_is_the_hex_hmac_sha256_of_the_raw_body():
    body = b'{"event":"unlock_request.created"}'

    expected = hmac.new(b"k", body, hashlib.sha256).hexdigest()
    assert signature(body, "k") == f"sha256={expected}"


def test_a_receiver_rejects_a_changed_body_or_another_secret():
    body = b'{"a":1}'
    header = signature(body, "k")

    assert signature_matches(body, "k", header)
    assert not signature_matches(b'{"a":2}', "k", header)
    assert not signature_matches(body, "other", header)
    assert not signature_matches(body, "k", "")


@pytest.mark.django_db
def test_a_delivered_call_is_signed_with_the_endpoints_secret(endpoint, receiver):
    [row] = queue_calls(endpoint, body='{"event":"unlock_request.created","request":{"id":7}}')

    services.deliver_message(row.pk)

    (call,) = receiver.calls
    assert call.body == row.body.encode()
    assert signature_matches(call.body, "s3cret-for-tests", call.headers["X-Unlock-Signature"])
    assert call.headers["X-Unlock-Event-Id"] == str(row.event_id)
    assert call.headers["X-Unlock-Event"] == "unlock_request.created"
    assert call.headers["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_every_retry_sends_the_same_bytes_and_event_id(endpoint, receiver):
    receiver.statuses = [500]
    [row] = queue_calls(endpoint)

    services.deliver_message(row.pk)
    OutboxMessage.objects.filter(pk=row.pk).update(next_attempt_at=row.created_at)
    services.deliver_message(row.pk)

    first, second = receiver.calls
    assert first.body == second.body
    assert first.headers["X-Unlock-Event-Id"] == second.headers["X-Unlock-Event-Id"]
    assert first.headers["X-Unlock-Signature"] == second.headers["X-Unlock-Signature"]
    assert json.loads(first.body)["event"] == "unlock_request.created"
