"""The receipt, the tenant's request list and the console's request page say what is true
of an unlock now: unlocked until, re-locked early by whom, or ended by itself, with what
was exported in the window."""

from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from unlocks import platform, services
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def batch(tenant):
    return f.bypassed_batch(tenant, invoices=1)


@pytest.fixture
def invoice(tenant):
    return f.bypassed_invoice(tenant)


@pytest.fixture
def approved(tenant, admin, batch, invoice):
    return verify(open_for(tenant, batch, invoice), admin)


@pytest.fixture
def relocked(approved, batch):
    platform.export_batch(batch=batch)
    services.relock_request(
        request_id=approved.pk, reason="The customer re-exported it", actor=AGENT
    )
    return approved


def text(response):
    assert response.status_code == 200
    # As read: words of neighbouring elements apart.
    return " ".join(strip_tags(response.content.decode().replace("><", "> <")).split())


def receipt(client, admin, request):
    client.force_login(admin)
    return text(client.get(reverse("receipt", args=[request.pk])))


def test_a_running_unlock_reads_unlocked_until(client, admin, approved):
    page = receipt(client, admin, approved)
    assert "Records unlocked" in page
    assert "Unlocked until" in page and "from now" in page
    assert "bypassed → open" in page


def test_the_receipt_after_an_early_relock_says_by_whom_and_where_each_record_is(
    client, admin, relocked, batch, invoice
):
    page = receipt(client, admin, relocked)

    assert "Records unlocked" not in page
    assert "Records re-locked early" in page
    assert "Re-locked early at" in page
    assert "by agent@support.example: “The customer re-exported it”" in page
    # The batch, and its invoice exported with it.
    assert f"Exported in the window: {batch.number}, " in page
    assert "exported in the window" in page  # the batch's badge
    assert "bypassed again" in page  # the invoice's
    assert "bypassed → open" not in page


def test_the_receipt_of_a_window_that_ran_out_says_it_ended_by_itself(client, admin, approved):
    later = approved.unlocked_until + timedelta(minutes=5)
    with mock.patch("django.utils.timezone.now", return_value=later):
        page = receipt(client, admin, approved)

    assert "Unlock ended" in page
    assert "Ended by itself at" in page and "72-hour window ran out" in page
    assert "bypassed → open" not in page and "Re-lock now" not in page


def test_the_request_list_says_re_locked_early_instead_of_completed(client, admin, relocked):
    client.force_login(admin)

    page = text(client.get(reverse("tenant_requests")))

    assert "Completed" not in page
    assert "Re-locked early Re-locked early at" not in page  # the badge, then the sentence
    assert "Re-locked early" in page
    assert "by agent@support.example" in page and "Exported in the window" in page


def test_the_console_request_page_says_the_unlock_now_beside_completed(agent_client, relocked):
    response = agent_client.get(reverse("admin:unlocks_unlockrequest_change", args=[relocked.pk]))

    content = response.content.decode()
    badge = content.split("data-unlock-now-badge>")[1].split("<")[0]
    assert badge == "Re-locked early"
    page = text(response)
    assert "Unlock now Re-locked early at" in page
    assert "by agent@support.example: “The customer re-exported it”" in page


def test_the_console_says_how_long_a_running_unlock_lasts(agent_client, approved):
    page = text(agent_client.get(reverse("admin:unlocks_unlockrequest_change", args=[approved.pk])))
    assert "Unlock now Unlocked until" in page


def test_it_reads_the_clock_once_the_window_has_passed(agent_client, approved):
    later = approved.unlocked_until + timedelta(seconds=1)
    assert later > timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=later):
        page = text(
            agent_client.get(reverse("admin:unlocks_unlockrequest_change", args=[approved.pk]))
        )
    assert "Ended by itself at" in page
