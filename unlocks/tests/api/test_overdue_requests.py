"""A pending request past its expiry reads expired through the API before the expiry job
writes it so: helpdesk tooling is never told a request can still be approved when it cannot."""

import datetime

import pytest
from django.utils import timezone

from unlocks.models import RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import open_request


@pytest.fixture
def overdue(api):
    opened = open_request(api)
    UnlockRequest.objects.filter(pk=opened["id"]).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return opened


def test_it_reads_expired_though_the_expiry_job_has_not_run(api, overdue):
    response = api.get(f"/api/v1/unlock-requests/{overdue['id']}/")

    assert response.status_code == 200
    assert response.json()["status"] == "expired"
    # Nothing is written by reading it.
    assert UnlockRequest.objects.get(pk=overdue["id"]).status == RequestStatus.PENDING


def test_the_list_files_it_under_expired_not_pending(api, overdue):
    live = open_request(api, ("invoice", "INV-1004"))

    def listed(status):
        response = api.get("/api/v1/unlock-requests/", {"tenant": "acme", "status": status})
        assert response.status_code == 200
        return {(r["id"], r["status"]) for r in response.json()["results"]}

    assert listed("pending") == {(live["id"], "pending")}
    assert (overdue["id"], "expired") in listed("expired")


def test_the_record_lookup_no_longer_counts_it_as_open(api, overdue):
    response = api.get("/api/v1/tenants/acme/records/batch/B-1001/")

    assert response.status_code == 200
    assert overdue["id"] not in response.json()["open_requests"]


def test_the_record_lookup_keeps_the_live_requests_around_an_overdue_one(api):
    first, middle, last = (open_request(api)["id"] for _ in range(3))
    UnlockRequest.objects.filter(pk=middle).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )

    response = api.get("/api/v1/tenants/acme/records/batch/B-1001/")

    assert response.status_code == 200
    # Newest first, the overdue one left out from between them.
    assert response.json()["open_requests"] == [last, first]
