"""Opening and approving answer with `request_out`: UnlockRequestOut's answer, built plainly."""

from unlocks import selectors
from unlocks.api.serializers import UnlockRequestOut, request_out
from unlocks.models import Batch, LockState
from unlocks.tests.api.conftest import open_request
from unlocks.tests.api.test_verify import verify


def assert_same_answer(request_id):
    request = selectors.get_request(request_id)
    assert request_out(request) == UnlockRequestOut(request).data


def test_it_answers_as_the_serializer_for_a_pending_request_with_warnings(api):
    opened = open_request(api, ("batch", "B-1001"), ("invoice", "INV-1004"))

    assert_same_answer(opened["id"])
    assert opened == request_out(selectors.get_request(opened["id"]))


def test_it_answers_as_the_serializer_for_a_completed_request(api):
    opened = open_request(api, ("batch", "B-1001"))
    approved = verify(api, opened["id"]).json()

    assert approved["status"] == "completed"
    assert_same_answer(opened["id"])
    assert approved == request_out(selectors.get_request(opened["id"]))


def test_it_answers_as_the_serializer_for_a_refused_request(api):
    opened = open_request(api, ("batch", "B-1001"))
    Batch.objects.filter(number="B-1001").update(state=LockState.EXPORTED)
    verify(api, opened["id"])

    assert selectors.get_request(opened["id"]).refusal_code
    assert_same_answer(opened["id"])
