"""The unlock window in a real browser (headless Debian chromium): the request page
counts down to its end, and "Re-lock now" ends it early, in the console and on the
tenant admin's receipt."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import User
from audit.actors import Actor
from conftest import shot
from unlocks import services
from unlocks.management.commands.move_window import move_window_back
from unlocks.models import Invoice, UnlockRequest
from unlocks.tests.admin.test_console_in_browser import sign_in
from unlocks.tests.conftest import open_for

PAT = Actor(kind="agent", label="agent@support.example")


def approved(numbers, window_hours=72):
    """A demo request for `numbers`, approved by Pat on the phone."""
    request = open_for(
        "acme-hvac",
        targets=[{"type": "invoice", "number": n} for n in numbers],
        caller_email="dana@acme.example",
        reason="Needs a fix",
        window_hours=window_hours,
        actor=PAT,
    )
    return services.verify_and_unlock(
        request_id=request.pk,
        approver_email="pat@acme.example",
        pin="483920",
        consent_version=1,
        consent_accepted=True,
        actor=PAT,
    )


@pytest.fixture
def ending_soon(demo):
    """An unlock of INV-2001 whose window ends 25 seconds from now (signing in takes some)."""
    request = approved(["INV-2001"], window_hours=1)
    return move_window_back(
        request_id=request.pk, hours=1 - timedelta(seconds=25) / timedelta(hours=1)
    )


@pytest.fixture
def running(demo):
    return approved(["INV-1004"])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_request_page_counts_the_window_down_to_its_end(ending_soon, browser_page):
    page = browser_page
    sign_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{ending_soon.pk}/change/")
    clock = page.locator("[data-countdown]")
    first = clock.inner_text()
    assert first.endswith("s left"), first
    shot(page, "window/console-countdown")

    page.wait_for_function(
        "first => document.querySelector('[data-countdown]').textContent !== first", arg=first
    )
    assert clock.inner_text() != first
    page.locator("[data-countdown][data-ended]").wait_for(timeout=40_000)
    assert "ended" in clock.inner_text()
    shot(page, "window/console-countdown-ended")

    # Once ended, the page reads the record locked again, before the job has run. The
    # countdown rounds to the second: let the server's clock pass the end before reloading.
    ending_soon.refresh_from_db()
    while timezone.now() <= ending_soon.unlocked_until:
        time.sleep(0.1)
    page.reload()
    assert page.locator("[data-window='ended']").is_visible()
    assert page.locator("[data-target='INV-2001'] [data-now]").inner_text().lower() == "imported"
    assert Invoice.objects.get(number="INV-2001").state == "open"  # not yet written
    shot(page, "window/console-window-ended")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_agent_relocks_now_from_the_request_page(running, browser_page):
    page = browser_page
    sign_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{running.pk}/change/")
    assert page.locator("[data-window='running'] [data-countdown]").is_visible()

    page.get_by_label("Why re-lock now").fill("The customer has re-exported it")
    page.get_by_role("button", name="Re-lock now").click()

    ended = page.locator("[data-window='ended']")
    ended.wait_for()
    assert "early, by agent@support.example: The customer has re-exported it" in ended.inner_text()
    assert "INV-1004 (bypassed)" in page.locator("[data-relocked-records]").inner_text()
    assert page.locator("[data-target='INV-1004'] [data-now]").inner_text().lower() == "bypassed"
    assert page.locator("[data-timeline] li").last.get_attribute("data-step") == "back_locked"
    shot(page, "window/console-relocked")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_tenant_admin_relocks_now_from_the_receipt(running, browser_page):
    page = browser_page
    page.goto(f"/receipts/{running.pk}/")
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()
    assert (
        "Unlocked for 72 hours after you approved"
        in page.locator("[data-window='running']").inner_text()
    )
    shot(page, "window/receipt-running")

    page.get_by_label("Why re-lock now").fill("We are done")
    page.get_by_role("button", name="Re-lock now").click()

    relocked = page.locator("[data-relocked]")
    relocked.wait_for()
    now = page.locator("[data-unlock-ended] [data-unlock-now]").inner_text()
    assert "Re-locked early at" in now and "by pat@acme.example: “We are done”" in now
    assert "INV-1004 (bypassed)" in relocked.inner_text()
    assert UnlockRequest.objects.get(pk=running.pk).relocked_by == "pat@acme.example"
    assert User.objects.filter(email="pat@acme.example").exists()
    shot(page, "window/receipt-relocked")
