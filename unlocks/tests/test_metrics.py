"""GET /metrics after a scripted flow over the API: each counter moved by what the flow
did, once, whichever door did it; and the outbox's and beat jobs' figures as they are."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import wrong_code
from config.tests.metrics import TOKEN, moved, scrape, value
from notifications.models import DeliveryAttempt, MessageKind, WebhookEndpoint

# The outbox's loopback webhook receiver.
from notifications.tests.conftest import receiver  # noqa: F401
from unlocks import platform
from unlocks.models import Batch, LockState, UnlockRequest
from unlocks.tasks import expire_pending_requests
from unlocks.tests import factories as f
from unlocks.tests.api.conftest import body, open_request, verify_body
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.conftest import approval, approve_path

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _metrics_on(settings):
    settings.METRICS_TOKEN = TOKEN
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def post(api, request_id, step, body):
    return api.post(f"/api/v1/unlock-requests/{request_id}/{step}/", body, format="json")


def verify(api, request_id, **changes):
    return post(api, request_id, "verify", verify_body(**changes))


def test_a_flow_moves_each_counter_by_what_it_did(api, receiver):  # noqa: F811
    WebhookEndpoint.objects.create(name="Zendesk", url=receiver.url, secret="s3cret-for-tests")
    receiver.statuses = [503]  # the first call fails once, and is tried again later
    scraper = Client()
    before = scrape(scraper)

    approved = open_request(api, ("batch", "B-1001"))
    assert verify(api, approved["id"], pin="000000").status_code == 403
    assert verify(api, approved["id"]).status_code == 200
    assert post(api, approved["id"], "relock", {"reason": "Re-exported"}).status_code == 200

    cancelled = open_request(api, ("invoice", "INV-2001"))
    assert post(api, cancelled["id"], "cancel", {"reason": "Fixed"}).status_code == 200

    refused_open = api.post(
        "/api/v1/unlock-requests/",
        body(targets=[{"type": "batch", "number": "B-1002"}]),
        format="json",
    )
    assert refused_open.status_code == 409

    expired = open_request(api, ("payment", "PAY-2002"))
    UnlockRequest.objects.filter(pk=expired["id"]).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    expire_pending_requests.apply()

    refused = open_request(api, ("batch", "B-1001"))
    batch = Batch.objects.get(number="B-1001")
    Batch.objects.filter(pk=batch.pk).update(state=LockState.OPEN)
    platform.export_batch(batch=Batch.objects.get(pk=batch.pk))
    assert verify(api, refused["id"]).status_code == 409

    locked = open_request(api, ("payment", "PAY-2001"))
    lee = User.objects.get(email="lee@acme.test")
    wrong_factor = verify(api, locked["id"], admin_email=lee.email, admin_code=wrong_code(lee))
    assert wrong_factor.status_code == 403
    for _ in range(3):
        assert verify(api, locked["id"], pin="000000").status_code == 403
    assert verify(api, locked["id"], pin="000000").status_code == 423

    after = scrape(scraper)
    changes = moved(before, after)

    def counted(name, **labels):
        return value(changes, name, **labels)

    requests = "unlockdesk_unlock_requests_total"
    assert counted(requests, event="opened") == 5
    assert counted(requests, event="approved") == 1
    assert counted(requests, event="relocked") == 1
    assert counted(requests, event="cancelled") == 1
    assert counted(requests, event="expired") == 1
    assert counted(requests, event="refused") == 1
    refusals = "unlockdesk_refusals_total"
    assert counted(refusals, step="open", code="exported_batch") == 1
    assert counted(refusals, step="approve", code="exported_batch") == 1
    assert counted("unlockdesk_pin_failures_total") == 5
    assert counted("unlockdesk_second_factor_failures_total") == 1
    assert counted("unlockdesk_pin_locks_total") == 1
    # Every try the outbox recorded, counted once, by kind and result.
    attempts = "unlockdesk_outbox_delivery_attempts_total"
    for kind in MessageKind.values:
        tries = DeliveryAttempt.objects.filter(message__kind=kind)
        assert counted(attempts, kind=kind, result="delivered") == tries.filter(ok=True).count()
        assert counted(attempts, kind=kind, result="retrying") == tries.filter(ok=False).count()
    assert counted(attempts, kind="webhook", result="retrying") == 1
    assert counted(attempts, kind="email", result="delivered") >= 4
    # Latency, by view, method and status: the five opens, and the refused one.
    latency = "unlockdesk_http_request_duration_seconds_count"
    assert counted(latency, view="api-requests", method="POST", status="201") == 5
    assert counted(latency, view="api-requests", method="POST", status="409") == 1
    # The expiry job ran, through Celery as beat runs it: it is not late.
    assert value(after, "unlockdesk_beat_late", task="unlocks.tasks.expire_pending_requests") == 0
    assert value(
        after,
        "unlockdesk_beat_last_success_timestamp_seconds",
        task="unlocks.tasks.expire_pending_requests",
    ) == pytest.approx(timezone.now().timestamp(), abs=60)


def test_a_wrong_pin_on_the_pin_page_counts_as_one_over_the_api_does(admin, tenant):
    unlock = open_for(tenant, f.imported_invoice(tenant))
    page = Client()
    page.force_login(admin)
    before = scrape(page)

    assert page.post(approve_path(unlock), approval(unlock, pin="000000")).status_code == 403

    changes = moved(before, scrape(page))
    assert value(changes, "unlockdesk_pin_failures_total") == 1
    assert value(changes, "unlockdesk_unlock_requests_total", event="approved") == 0


def test_the_first_of_two_approvals_is_counted_apart_from_the_unlock(tenant, pat, lee):
    from accounts.models import Tenant
    from unlocks.tests.conftest import verify as approve

    Tenant.objects.filter(pk=tenant.pk).update(two_approvers_from_cents=100000)
    batch = f.bypassed_batch(tenant, invoices=2, amount_cents=86500)
    request = open_for(tenant, batch)
    scraper = Client()
    before = scrape(scraper)

    approve(request, pat)
    middle = scrape(scraper)
    approve(request, lee)
    after = scrape(scraper)

    name = "unlockdesk_unlock_requests_total"
    first, second = moved(before, middle), moved(middle, after)
    assert value(first, name, event="approval_recorded") == 1
    assert value(first, name, event="approved") == 0
    assert value(second, name, event="approved") == 1
    assert value(second, name, event="approval_recorded") == 0


def test_the_checkpoints_age_and_what_they_do_not_cover(tenant, pat, clock):
    from audit.checkpoints import sign_checkpoints
    from audit.models import AuditEntry

    open_for(tenant, f.bypassed_batch(tenant, invoices=1))
    scraper = Client()
    before = scrape(scraper)
    written = AuditEntry.objects.count()
    assert value(before, "unlockdesk_audit_entries_uncovered") == written
    assert ("unlockdesk_audit_checkpoint_age_seconds", ()) not in before

    sign_checkpoints()
    clock.move(seconds=90)
    after = scrape(scraper)
    assert value(after, "unlockdesk_audit_entries_uncovered") == 0
    assert 90 <= value(after, "unlockdesk_audit_checkpoint_age_seconds") < 120
