from datetime import timedelta

from django.utils import timezone

from accounts.models import Membership, Tenant
from accounts.tests.factories import PIN
from audit.models import AuditAction, AuditEntry
from unlocks import platform
from unlocks.consent import CONSENT_V1
from unlocks.models import Batch, ConsentText, Invoice, LockState, RequestStatus, UnlockRequest
from unlocks.tests.api.conftest import error, open_request, verify_body


def verify(api, request_id, **changes):
    return api.post(
        f"/api/v1/unlock-requests/{request_id}/verify/", verify_body(**changes), format="json"
    )


def test_it_completes_the_request_and_unlocks_the_batch_with_its_transactions(api):
    opened = open_request(api, ("batch", "B-1001"))

    response = verify(api, opened["id"])

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "completed"
    assert data["approved_by"] == "pat@acme.test"
    assert data["consent_version"] == 1
    assert data["approved_at"] is not None
    assert data["completed_at"] is not None
    assert Batch.objects.get(number="B-1001").state == LockState.OPEN
    assert set(Invoice.objects.filter(batch__number="B-1001").values_list("state", flat=True)) == {
        LockState.OPEN
    }


def test_it_audits_the_approval_with_the_client_as_actor(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    verify(api, opened["id"])

    entry = AuditEntry.objects.get(request_id=opened["id"], action=AuditAction.REQUEST_APPROVED)
    assert entry.actor_label == "helpdesk-tests"
    assert entry.actor_kind == "api_client"
    assert entry.ip == "203.0.113.7"


def test_it_refuses_someone_who_is_not_a_tenant_admin(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email="dana@acme.test")

    assert response.status_code == 403
    assert error(response) == "not_tenant_admin"
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.PENDING


def test_it_refuses_an_admin_of_another_tenant(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], admin_email="sam@birch.test", pin=PIN)

    assert response.status_code == 403
    assert error(response) == "not_tenant_admin"


def test_it_refuses_an_admin_who_was_demoted_since_the_request_opened(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    Membership.objects.filter(user__email="pat@acme.test").update(role="member")

    response = verify(api, opened["id"])

    assert response.status_code == 403
    assert error(response) == "not_tenant_admin"


def test_it_refuses_a_wrong_pin_and_counts_the_attempts_left(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], pin="000000")

    assert response.status_code == 403
    assert error(response) == "pin_incorrect"
    assert response.json()["error"]["details"] == {"attempts_left": 4}
    assert Invoice.objects.get(number="INV-2001").state == LockState.IMPORTED


def test_it_locks_pin_verification_after_five_wrong_pins_with_retry_after(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    for _ in range(4):
        verify(api, opened["id"], pin="000000")

    fifth = verify(api, opened["id"], pin="000000")
    then_right = verify(api, opened["id"])

    assert fifth.status_code == 423
    assert error(fifth) == "pin_locked"
    for response in (fifth, then_right):
        assert response.status_code == 423
        retry_after = response.json()["error"]["details"]["retry_after"]
        assert 0 < retry_after <= 15 * 60
        assert response["Retry-After"] == str(retry_after)
    assert Tenant.objects.get(slug="acme").pin_locked_until > timezone.now()


def test_it_requires_consent(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], consent_accepted=False)

    assert response.status_code == 400
    assert error(response) == "consent_required"


def test_it_refuses_a_stale_consent_version(api):
    ConsentText.objects.create(version=2, text=CONSENT_V1 + " (v2)")
    opened = open_request(api, ("invoice", "INV-2001"))

    response = verify(api, opened["id"], consent_version=1)

    assert response.status_code == 409
    assert error(response) == "consent_stale"
    assert response.json()["error"]["details"]["current_version"] == 2


def test_it_requires_the_duplicate_risk_to_be_acknowledged(api):
    opened = open_request(api, ("batch", "B-1001"))

    response = verify(api, opened["id"], duplicate_risk_acknowledged=False)

    assert response.status_code == 400
    assert error(response) == "duplicate_risk_not_acknowledged"
    assert Batch.objects.get(number="B-1001").state == LockState.BYPASSED


def test_it_refuses_a_request_that_is_not_pending(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    verify(api, opened["id"])

    response = verify(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "request_not_pending"
    assert response.json()["error"]["details"] == {"status": "completed"}


def test_it_refuses_an_expired_request(api):
    opened = open_request(api, ("invoice", "INV-2001"))
    UnlockRequest.objects.filter(pk=opened["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )

    response = verify(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "request_not_pending"
    assert response.json()["error"]["details"] == {"status": "expired"}


def test_it_refuses_the_request_when_a_target_was_exported_since(api):
    opened = open_request(api, ("batch", "B-1001"))
    batch = Batch.objects.get(number="B-1001")
    Batch.objects.filter(pk=batch.pk).update(state=LockState.OPEN)
    platform.export_batch(batch=Batch.objects.get(pk=batch.pk))

    response = verify(api, opened["id"])

    assert response.status_code == 409
    assert error(response) == "exported_batch"
    assert UnlockRequest.objects.get(pk=opened["id"]).status == RequestStatus.REFUSED
    assert api.get(f"/api/v1/unlock-requests/{opened['id']}/").json()["status"] == "refused"


def test_it_answers_404_for_an_unknown_request(api):
    response = verify(api, "00000000-0000-0000-0000-000000000000")

    assert response.status_code == 404
    assert error(response) == "not_found"


def test_it_answers_400_for_a_malformed_body(api):
    opened = open_request(api, ("invoice", "INV-2001"))

    response = api.post(
        f"/api/v1/unlock-requests/{opened['id']}/verify/", {"pin": "1"}, format="json"
    )

    assert response.status_code == 400
    assert error(response) == "invalid"
    assert set(response.json()["error"]["details"]) == {"admin_email", "consent_version"}
