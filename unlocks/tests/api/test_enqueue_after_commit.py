"""A call's emails and webhook calls are handed to Celery once its change has committed
(transaction.on_commit), never before and never for a change that wrote nothing."""

import pytest
from django.db import connection

from notifications import services as outbox
from notifications.models import OutboxMessage
from unlocks.tests.api.test_create_request import create


@pytest.fixture
def handed(monkeypatch):
    calls = []

    def enqueue(messages):
        calls.append(([pk for pk, _ in messages], connection.in_atomic_block))

    monkeypatch.setattr(outbox, "enqueue", enqueue)
    return calls


# Committed for real: on-commit callbacks run at the view's commit, as deployed.
@pytest.mark.django_db(transaction=True)
def test_an_api_call_hands_its_messages_over_once_committed(api, handed):
    response = create(api, ("invoice", "INV-1004"))

    assert response.status_code == 201
    ids = list(
        OutboxMessage.objects.filter(reference=response.json()["id"])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    assert ids
    assert sorted(pk for batch, _ in handed for pk in batch) == ids
    assert all(not in_transaction for _, in_transaction in handed)


def test_a_request_that_wrote_nothing_hands_nothing_over(api, handed):
    assert api.get("/api/v1/consent/").status_code == 200
    assert handed == []
