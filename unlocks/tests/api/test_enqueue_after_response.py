"""A request's emails and webhook calls are handed to Celery once its response is sent,
so the caller never waits on the broker; outside a web request they go at once."""

import pytest

from notifications import services as outbox
from notifications.models import OutboxMessage
from unlocks.api import views
from unlocks.tests.api.test_create_request import create


@pytest.fixture
def handed(monkeypatch):
    calls = []
    monkeypatch.setattr(outbox, "enqueue", lambda ids: calls.append(list(ids)))
    return calls


# Committed for real: on-commit callbacks run at the view's commit, as deployed.
@pytest.mark.django_db(transaction=True)
def test_an_api_call_hands_its_messages_over_after_its_answer(api, handed, monkeypatch):
    seen_while_answering = []
    answer = views.s.request_out

    def request_out(request):
        seen_while_answering.append(len(handed))
        return answer(request)

    monkeypatch.setattr(views.s, "request_out", request_out)

    response = create(api, ("invoice", "INV-1004"))

    assert response.status_code == 201
    # Committed while answering, handed over only once the answer was sent.
    assert seen_while_answering == [0]
    ids = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True))
    assert ids and handed == [ids]


def test_outside_a_web_request_messages_are_handed_over_at_once(handed):
    outbox.enqueue_soon([7, 8])
    assert handed == [[7, 8]]


def test_held_messages_wait_for_the_response_and_none_is_dropped(handed):
    outbox.hold_enqueues()
    outbox.enqueue_soon([1])
    # A request that began before the last one finished keeps what is held.
    outbox.hold_enqueues()
    outbox.enqueue_soon([2, 3])
    assert handed == []
    outbox.release_enqueues()
    assert handed == [[1, 2, 3]]
    # Released: the next message outside a request goes at once.
    outbox.enqueue_soon([4])
    assert handed == [[1, 2, 3], [4]]


def test_a_request_that_wrote_nothing_hands_nothing_over(api, handed):
    assert api.get("/api/v1/consent/").status_code == 200
    assert handed == []
