"""Opening, approving and refusing answer with the request as a later GET reads it."""

from unlocks.models import Batch, LockState
from unlocks.tests.api.conftest import open_request
from unlocks.tests.api.test_verify import verify


def read_back(api, request_id):
    answer = api.get(f"/api/v1/unlock-requests/{request_id}/")
    assert answer.status_code == 200
    return answer.json()


def test_opening_answers_as_a_get_reads_it_with_warnings(api):
    opened = open_request(api, ("batch", "B-1001"), ("invoice", "INV-1004"))

    assert opened == read_back(api, opened["id"])
    assert [t["warnings"] for t in opened["targets"]] == [["duplicate_risk"], []]


def test_approving_answers_as_a_get_reads_it(api):
    opened = open_request(api, ("batch", "B-1001"))
    approved = verify(api, opened["id"]).json()

    assert approved["status"] == "completed"
    assert approved == read_back(api, opened["id"])


def test_a_refused_request_reads_with_the_rule_that_refused_it(api):
    opened = open_request(api, ("batch", "B-1001"))
    Batch.objects.filter(number="B-1001").update(state=LockState.EXPORTED)
    verify(api, opened["id"])

    assert read_back(api, opened["id"])["refusal_code"] == "exported_batch"
