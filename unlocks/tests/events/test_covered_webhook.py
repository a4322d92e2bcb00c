"""A helpdesk hears when a signed checkpoint covers an approval: the webhook carries the
checkpoint, once, for the approvals it is the first to cover."""

import json

import pytest

from audit.checkpoints import sign_checkpoints
from notifications.models import OutboxMessage, WebhookEndpoint
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def covered_bodies():
    rows = OutboxMessage.objects.filter(kind="webhook", event="covered").order_by("pk")
    return [json.loads(row.body) for row in rows]


def test_the_first_checkpoint_covering_an_approval_is_announced_with_its_id(tenant, pat):
    WebhookEndpoint.objects.create(name="all", url="https://a.example/h")
    approved = verify(open_for(tenant, f.imported_invoice(tenant)), pat)
    pending = open_for(tenant, f.imported_invoice(tenant))

    sign_checkpoints()

    [body] = covered_bodies()
    assert body["event"] == "unlock_request.covered"
    assert body["request"]["id"] == str(approved.pk)
    checkpoint = approved.tenant.audit_checkpoints.get()
    assert body["checkpoint"]["id"] == checkpoint.pk
    assert (body["checkpoint"]["number"], body["checkpoint"]["key_id"]) == (1, checkpoint.key_id)
    assert str(pending.pk) not in json.dumps(covered_bodies())

    # A later checkpoint announces only what it is the first to cover.
    later = verify(open_for(tenant, f.imported_invoice(tenant)), pat)
    sign_checkpoints()
    assert [b["request"]["id"] for b in covered_bodies()] == [str(approved.pk), str(later.pk)]


def test_an_endpoint_that_did_not_ask_for_it_hears_nothing(tenant, pat):
    WebhookEndpoint.objects.create(name="done", url="https://c.example/h", events=["completed"])
    verify(open_for(tenant, f.imported_invoice(tenant)), pat)

    sign_checkpoints()

    assert covered_bodies() == []
