"""The unlock window in the console: the request page counts it down and re-locks; the
verify form says how long approving unlocks for; the work queue lists today's ends."""

import pytest
from django.utils.html import strip_tags

from accounts.tests.factories import PIN
from audit.models import AuditEntry
from unlocks import platform, services
from unlocks.consent import current_consent
from unlocks.models import UnlockRequest
from unlocks.tests import factories as f
from unlocks.tests.admin.test_open_with_preview import form_data, url_for
from unlocks.tests.conftest import open_for, verify

pytestmark = pytest.mark.django_db


def page_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/change/"


def relock_url(request):
    return f"/admin/unlocks/unlockrequest/{request.pk}/relock/"


def test_the_verify_form_says_how_long_approving_unlocks_for(agent_client, tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant), window_hours=12)

    page = agent_client.get(page_url(request)).content.decode()

    assert "Unlocked for 12 hours after you approve, until about" in page
    consent = page.split("data-consent>")[1].split("</blockquote>")[0]
    assert "12 hours" not in consent


def test_the_agent_shortens_the_window_on_the_phone(agent_client, tenant, admin):
    request = open_for(tenant, f.imported_invoice(tenant))

    response = agent_client.post(
        f"/admin/unlocks/unlockrequest/{request.pk}/verify/",
        {
            "admin_email": admin.email,
            "pin": PIN,
            "consent_version": current_consent().version,
            "consent_accepted": "on",
            "window_hours": "4",
        },
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.window_hours) == ("completed", 4)


def test_the_request_page_counts_the_window_down(agent_client, tenant, admin):
    request = verify(open_for(tenant, f.imported_invoice(tenant)), admin)

    page = agent_client.get(page_url(request)).content.decode()

    assert 'data-window="running"' in page
    assert "data-countdown" in page
    assert "countdown.js" in page
    assert "Re-lock now" in page


def test_the_agent_relocks_now_with_a_reason(agent_client, agent, tenant, admin):
    invoice = f.imported_invoice(tenant)
    request = verify(open_for(tenant, invoice), admin)

    response = agent_client.post(relock_url(request), {"reason": "Customer is done"})

    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.state == "imported"
    entry = AuditEntry.objects.get(request_id=request.pk, action="request_relocked")
    assert (entry.actor_label, entry.ip) == (agent.email, "10.1.2.3")
    page = agent_client.get(page_url(request)).content.decode()
    assert 'data-window="ended"' in page
    assert "early, by avery@support.test: Customer is done" in page
    assert "Re-lock now" not in page


def test_relocking_asks_for_a_reason(agent_client, tenant, admin):
    request = verify(open_for(tenant, f.imported_invoice(tenant)), admin)

    response = agent_client.post(relock_url(request), {"reason": ""})

    assert response.status_code == 200
    assert "reason" in response.context["relock_form"].errors


def test_relocking_a_pending_request_says_it_unlocked_nothing(agent_client, tenant):
    request = open_for(tenant, f.imported_invoice(tenant))

    response = agent_client.post(relock_url(request), {"reason": "Done"}, follow=True)

    assert "it unlocked nothing, so there is nothing to re-lock" in response.content.decode()


def test_staff_without_the_permission_cannot_relock(staff_client, tenant, admin):
    request = verify(open_for(tenant, f.imported_invoice(tenant)), admin)

    response = staff_client.post(relock_url(request), {"reason": "Done"})

    assert response.status_code == 403


def test_the_page_shows_what_was_exported_in_the_window(agent_client, tenant, admin, clock):
    batch = f.bypassed_batch(tenant, invoices=1)
    imported = f.imported_invoice(tenant)
    request = verify(open_for(tenant, batch, imported), admin)
    platform.export_batch(batch=batch)
    clock.move(hours=72)
    services.end_windows()

    page = agent_client.get(page_url(request)).content.decode()

    exported = page.split("data-exported-in-window>")[1].split("</p>")[0]
    back = strip_tags(page.split("data-relocked-records>")[1].split("</p>")[0])
    assert batch.number in exported
    assert f"{imported.number} (imported)" in back
    assert "when its 72-hour window ended" in page


def test_the_work_queue_lists_unlocks_ending_today(agent_client, tenant, admin, clock):
    clock.now = clock.now.replace(hour=10)  # an hour's window ends today, whenever it runs
    ending = verify(open_for(tenant, f.imported_invoice(tenant), window_hours=1), admin)
    later = verify(open_for(tenant, f.imported_invoice(tenant), window_hours=72), admin)

    page = agent_client.get("/admin/").content.decode()

    section = page.split('data-queue="windows"')[1].split("</section>")[0]
    assert str(ending.pk)[:8] in section
    assert str(later.pk)[:8] not in section


def test_the_agent_names_the_window_when_opening(agent_client, tenant):
    invoice = f.imported_invoice(tenant)

    response = agent_client.post(
        url_for(invoice), form_data(tenant, invoice, action="open", window_hours="8")
    )

    assert response.status_code == 302
    assert UnlockRequest.objects.get().window_hours == 8
