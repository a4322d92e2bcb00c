"""A batch whose unlock's window ended before the job wrote it back reads bypassed again on
every door: a new request for it shows, on the PIN page and in the console alike, every
transaction that approving reopens (issue: the PIN page read the stored state)."""

import pytest
from django.urls import reverse
from django.utils.html import strip_tags

from unlocks.models import Invoice, LockState, Payment
from unlocks.tests import factories as f
from unlocks.tests.conftest import open_for, verify
from unlocks.tests.pages.conftest import approve_path

pytestmark = pytest.mark.django_db


@pytest.fixture
def reopened(tenant, admin, clock):
    """B's one-hour unlock ended an hour ago and the job has not run; a new request for B."""
    batch = f.bypassed_batch(tenant, invoices=2, payments=1)
    verify(open_for(tenant, batch, window_hours=1), admin)
    clock.move(hours=2)
    assert Invoice.objects.filter(batch=batch, state=LockState.OPEN).count() == 2
    return batch, open_for(tenant, batch)


def members(batch):
    """The batch's transactions by number, invoices first, as the pages list them."""
    return [
        *Invoice.objects.filter(batch=batch).order_by("number").values_list("number", flat=True),
        *Payment.objects.filter(batch=batch).order_by("number").values_list("number", flat=True),
    ]


def test_the_pin_page_says_bypassed_and_names_every_transaction_that_reopens(
    client, admin, reopened
):
    batch, again = reopened
    client.force_login(admin)

    page = client.get(approve_path(again)).content.decode()

    assert "Now bypassed" in page and "Now open" not in page
    named = ", ".join(members(batch))
    assert f"Goes back to open with its bypassed transactions ({named})" in page


def test_the_console_agrees_with_the_pin_page(agent_client, reopened):
    batch, again = reopened

    page = agent_client.get(
        reverse("admin:unlocks_unlockrequest_change", args=[again.pk])
    ).content.decode()

    row = page.split(f'data-target="{batch.number}"')[1].split("</tr>")[0]
    assert "data-now>bypassed<" in row
    assert f"Approving opens with it: {', '.join(members(batch))}" in strip_tags(row)


def test_approving_reopens_exactly_what_the_pages_named(tenant, admin, reopened):
    batch, again = reopened

    verify(again, admin)

    opened = [
        *Invoice.objects.filter(unlocked_by=again),
        *Payment.objects.filter(unlocked_by=again),
    ]
    assert sorted(r.number for r in opened) == sorted(members(batch))
    assert {r.state for r in opened} == {LockState.OPEN}
