from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import strip_tags

from unlocks import services
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for


def page(client, request):
    return client.get(f"/admin/unlocks/unlockrequest/{request.pk}/change/")


def test_it_shows_the_approval_link_and_the_targets_current_states(agent_client, tenant):
    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    response = page(agent_client, request)
    assert response.status_code == 200
    assert "/approve/" in response.context["approval_url"]
    assert response.context["approval_url"] in response.content.decode()
    assert [(t.number, t.record.state) for t in response.context["targets"]] == [
        (invoice.number, "bypassed")
    ]


def test_the_timeline_shows_each_wrong_pin_and_the_lock_out(agent_client, tenant, admin):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    url = f"/admin/unlocks/unlockrequest/{request.pk}/verify/"
    for _ in range(5):
        response = agent_client.post(
            url,
            {"admin_email": admin.email, "pin": "999999", "consent_version": 1},
        )
    assert "PIN verification for this account is locked" in str(
        response.context["verify_form"].non_field_errors()
    )
    response = page(agent_client, request)
    kinds = [s.kind for s in response.context["timeline"]]
    assert kinds == ["opened", *["wrong_pin"] * 5, "locked"]
    assert response.context["pin_locked_until"] is not None
    assert b"PIN verification is locked" in response.content


def test_the_timeline_of_an_expired_request_ends_in_expired(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    services.expire_requests(now=timezone.now() + timedelta(days=2))
    response = page(agent_client, request)
    assert [s.kind for s in response.context["timeline"]] == ["opened", "expired"]
    assert response.context["approval_url"] == ""
    assert response.context["verify_form"] is None


def test_the_page_of_a_request_that_does_not_exist_leads_back_to_the_list(agent_client):
    response = agent_client.get(
        "/admin/unlocks/unlockrequest/00000000-0000-0000-0000-000000000000/change/", follow=True
    )
    assert response.status_code == 200
    assert "There is no unlock request with the id" in response.content.decode()


def test_the_page_runs_as_many_queries_for_one_target_as_for_ten(agent_client, tenant):
    few = open_for(tenant, f.bypassed_invoice(tenant))
    many = open_for(tenant, *[f.bypassed_invoice(tenant) for _ in range(10)])
    counts = []
    for request in (few, many):
        with CaptureQueriesContext(connection) as captured:
            page(agent_client, request)
        counts.append(len(captured))
    assert counts[0] == counts[1]


def test_a_locked_pin_replaces_the_verify_form_with_the_lock_and_its_time_left(
    agent_client, tenant
):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    tenant.pin_locked_until = timezone.now() + timedelta(minutes=11, seconds=30)
    tenant.save(update_fields=["pin_locked_until"])

    response = page(agent_client, request)

    content = response.content.decode()
    assert response.context["pin_lock_left"] == "12 minutes"
    notice = strip_tags(content.split("data-pin-locked")[1].split("</div>")[0])
    assert "PIN verification is locked for 12 minutes more" in notice
    assert f"until {tenant.pin_locked_until:%Y-%m-%d %H:%M} UTC" in notice
    assert "on any channel" in notice
    assert 'name="pin"' not in content and "Verify and unlock" not in content
    # Cancelling does not need the PIN: it stays.
    assert "Cancel the request" in content


def test_once_the_lock_is_over_the_form_is_back(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))
    tenant.pin_locked_until = timezone.now() - timedelta(seconds=1)
    tenant.save(update_fields=["pin_locked_until"])

    content = page(agent_client, request).content.decode()

    assert "data-pin-locked" not in content
    assert 'name="pin"' in content and "Verify and unlock" in content


def test_verify_is_the_primary_action_and_cancel_the_destructive_one(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))

    content = page(agent_client, request).content.decode()

    assert '<button type="submit" class="button ud-primary">Verify and unlock</button>' in content
    assert '<button type="submit" class="button ud-danger">Cancel the request</button>' in content


def test_the_copy_button_waits_for_its_script_and_the_link_is_text(agent_client, tenant):
    request = open_for(tenant, f.bypassed_invoice(tenant))

    response = page(agent_client, request)

    content = response.content.decode()
    link = response.context["approval_url"]
    assert f'data-approval-link aria-labelledby="ud-link-title">{link}</code>' in content
    # Hidden until copy-link.js (a file: the CSP allows no inline script) shows it.
    assert 'data-copy="ud-approval-link" hidden>Copy link</button>' in content
    assert '<script src="/static/unlocks/copy-link.js" defer></script>' in content
    assert "<script>" not in content


def test_a_refused_request_says_why_in_words(agent_client, tenant, admin):
    from core.refusals import Refusal
    from unlocks.models import LockState
    from unlocks.tests.conftest import verify

    invoice = f.bypassed_invoice(tenant)
    request = open_for(tenant, invoice)
    type(invoice).objects.filter(pk=invoice.pk).update(state=LockState.OPEN)
    with pytest.raises(Refusal):
        verify(request, admin)

    content = page(agent_client, request).content.decode()

    assert '<dd>The record is not locked <small class="ud-code">not_locked</small></dd>' in content
    assert "Refused at approval: the record is not locked" in content
