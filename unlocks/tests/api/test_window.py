from datetime import timedelta

from django.utils.dateparse import parse_datetime

from unlocks.models import Invoice, UnlockRequest
from unlocks.tests.api.conftest import OPEN_BODY, error, open_request, verify_body


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def test_a_request_opens_with_the_default_window(api):
    opened = open_request(api)

    assert opened["window_hours"] == 72
    assert (opened["unlocked_until"], opened["relocked_at"]) == (None, None)


def test_a_request_names_its_window(api):
    opened = open_request(api, window_hours=8)

    assert opened["window_hours"] == 8


def test_a_window_out_of_range_is_invalid(api):
    for hours in (0, 337, "12", 1.5, True):
        response = api.post(
            "/api/v1/unlock-requests/",
            {**OPEN_BODY, "window_hours": hours},
            format="json",
        )
        assert response.status_code == 400, hours
        assert error(response) == "invalid"
        assert "window_hours" in response.json()["error"]["details"]
    assert not UnlockRequest.objects.exists()


def test_the_approval_starts_the_clock(api):
    opened = open_request(api, window_hours=10)

    approved = verify(api, opened["id"]).json()

    until = parse_datetime(approved["unlocked_until"])
    assert until - parse_datetime(approved["completed_at"]) == timedelta(hours=10)
    assert approved["relocked_at"] is None


def test_the_approver_shortens_the_window(api):
    opened = open_request(api)

    approved = verify(api, opened["id"], window_hours=3).json()

    assert approved["window_hours"] == 3
    until = parse_datetime(approved["unlocked_until"])
    assert until - parse_datetime(approved["completed_at"]) == timedelta(hours=3)


def test_the_approver_cannot_lengthen_the_window(api):
    opened = open_request(api, window_hours=3)

    response = verify(api, opened["id"], window_hours=4)

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert "window_hours" in response.json()["error"]["details"]
    assert UnlockRequest.objects.get(pk=opened["id"]).status == "pending"


def test_a_window_that_has_ended_reads_relocked_before_the_job(api):
    opened = open_request(api, targets=[{"type": "invoice", "number": "INV-2001"}])
    verify(api, opened["id"])
    url = "/api/v1/tenants/acme/records/invoice/INV-2001/"
    record = api.get(url).json()
    assert (record["state"], record["locked"]) == ("open", False)
    assert record["unlocked_until"] is not None
    request = UnlockRequest.objects.get(pk=opened["id"])
    UnlockRequest.objects.filter(pk=request.pk).update(unlocked_until=request.approved_at)
    request.refresh_from_db()
    Invoice.objects.filter(number="INV-2001").update(unlocked_until=request.approved_at)

    record = api.get(url).json()
    answer = api.get(f"/api/v1/unlock-requests/{opened['id']}/").json()

    assert (record["state"], record["locked"], record["unlocked_until"]) == (
        "imported",
        True,
        None,
    )
    assert parse_datetime(answer["relocked_at"]) == request.approved_at
