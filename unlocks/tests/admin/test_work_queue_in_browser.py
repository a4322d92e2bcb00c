"""The demo agent's day in a real browser (headless Debian chromium): the work queue, the
request page and the lists, at 1280 px wide, in both colour schemes.

Screenshots go to test-artifacts/screenshots/ (kept out of git) for anyone to look at.
"""

import os
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import ARTIFACTS
from unlocks.tests.conftest import open_for
from unlocks.tests.security.test_csp_in_the_browser import watch_for_csp_violations

SCREENSHOTS = os.path.join(ARTIFACTS, "screenshots")
WIDE = {"width": 1280, "height": 900}


def screenshot(page, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def sign_in(page):
    page.set_viewport_size(WIDE)
    page.goto("/admin/login/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Look up a record").wait_for()


def open_demo(record_type, number, *, tenant="acme-hvac", caller="Dana Ruiz", ago=None, **fields):
    """A demo request opened by the agent, moved back in time by `ago` if given."""
    from unlocks.models import UnlockRequest

    request = open_for(
        tenant,
        targets=[{"type": record_type, "number": number}],
        caller_name=caller,
        caller_email="dana@acme.example" if tenant == "acme-hvac" else "kim@birch.example",
        reason="Bypassed by mistake; needs re-export",
        ticket="ZD-5521",
    )
    if ago is not None:
        created = timezone.now() - ago
        UnlockRequest.objects.filter(pk=request.pk).update(
            created_at=created, expires_at=created + timedelta(hours=24), **fields
        )
    return request


def approve_demo(request, pin="483920"):
    from unlocks import services
    from unlocks.consent import current_consent
    from unlocks.tests.conftest import AGENT

    return services.verify_and_unlock(
        request_id=request.pk,
        approver_email="pat@acme.example",
        pin=pin,
        consent_version=current_consent().version,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        actor=AGENT,
    )


def a_day_of_work():
    """Requests in every state: two waiting (one about to expire), one approved and one
    refused today, and some on earlier days of the month."""
    from core.refusals import Refusal
    from unlocks.models import Payment, RequestStatus, UnlockRequest

    soon = open_demo("invoice", "INV-2001", caller="Lee Chen", ago=timedelta(hours=23, minutes=25))
    waiting = open_demo("batch", "B-1001", caller="Dana Ruiz", ago=timedelta(hours=2))
    approve_demo(open_demo("payment", "PAY-2002", caller="Pat Morgan"))
    refused = open_demo("payment", "PAY-2001", caller="Pat Morgan")
    # The payment is exported meanwhile: approving it now is refused.
    Payment.objects.filter(number="PAY-2001").update(state="exported")
    with pytest.raises(Refusal):
        approve_demo(refused)
    Payment.objects.filter(number="PAY-2001").update(state="imported")
    for days, status in [(1, "completed"), (2, "cancelled"), (2, "completed"), (6, "expired")]:
        open_demo("invoice", "INV-2001", ago=timedelta(days=days), status=status)
    assert soon.status == waiting.status == RequestStatus.PENDING
    per_day = Counter(
        f"{timezone.localtime(at):%Y-%m-%d}"
        for at in UnlockRequest.objects.values_list("created_at", flat=True)
    )
    return {"soon": soon, "waiting": waiting, "refused": refused, "per_day": dict(per_day)}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_starts_the_day_on_the_work_queue(demo, browser_page):
    work = a_day_of_work()
    page = browser_page
    violations = watch_for_csp_violations(page)
    sign_in(page)

    expect(page.get_by_role("heading", name="Work queue")).to_be_visible()
    assert page.title() == "Work queue | Unlock desk"
    pending = page.locator("[data-queue='pending'] tbody tr")
    expect(pending).to_have_count(2)
    # Oldest first: the one about to expire leads, highlighted and saying so in words.
    first = pending.nth(0)
    assert first.get_attribute("data-request") == str(work["soon"].pk)
    assert first.get_attribute("data-soon") is not None
    assert "Expires within the hour" in first.inner_text()
    assert "35 minutes left" in first.inner_text()
    assert "Lee Chen" in first.inner_text() and "INV-2001" in first.inner_text()
    assert pending.nth(1).get_attribute("data-soon") is None
    assert "B-1001" in pending.nth(1).inner_text()

    today = page.locator("[data-queue='today'] tbody tr")
    expect(today).to_have_count(2)
    outcomes = today.locator(".ud-badge").all_inner_texts()
    assert sorted(o.lower() for o in outcomes) == ["completed", "refused"]

    chart = page.locator("[data-chart] svg")
    expect(chart).to_be_visible()
    days = chart.locator("g[data-day]")
    expect(days).to_have_count(30)
    drawn = {g.get_attribute("data-day"): int(g.get_attribute("data-total")) for g in days.all()}
    assert {day: n for day, n in drawn.items() if n} == work["per_day"]
    assert list(drawn)[-1] == f"{timezone.localdate():%Y-%m-%d}"
    assert "Completed: 3" in page.locator(".ud-legend").inner_text()
    page.get_by_text("The numbers, day by day").click()
    expect(page.locator(".ud-chart-numbers table tbody tr")).to_have_count(len(work["per_day"]))

    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    screenshot(page, "queue")

    page.emulate_media(color_scheme="dark")
    screenshot(page, "queue-dark")
    page.emulate_media(color_scheme="light")

    first.locator("a.ud-id").click()
    page.locator("[data-status='pending']").wait_for()
    assert page.title().startswith(f"Unlock request {str(work['soon'].pk)[:8]}")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_request_page_puts_the_actions_in_their_places(demo, browser_page):
    request = open_demo("batch", "B-1001")
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    violations = watch_for_csp_violations(page)
    sign_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{request.pk}/change/")

    verify = page.get_by_role("button", name="Verify and unlock")
    cancel = page.get_by_role("button", name="Cancel the request")
    primary = verify.evaluate("b => getComputedStyle(b).backgroundColor")
    destructive = cancel.evaluate("b => getComputedStyle(b).backgroundColor")
    assert primary != destructive
    red, green, blue = (int(v) for v in destructive[4:-1].split(","))
    assert red > 150 and green < 60 and blue < 60
    # The primary button stands out: larger than the admin's small default buttons.
    assert verify.bounding_box()["height"] >= 32

    # Copy link: the script shows the button, and the link lands on the clipboard.
    link = page.locator("[data-approval-link]")
    copy = page.get_by_role("button", name="Copy link")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.locator("[data-copy-status]")).to_have_text(
        "The approval link is on the clipboard."
    )
    assert page.evaluate("navigator.clipboard.readText()") == link.inner_text().strip()
    assert "/approve/" in link.inner_text()

    # The records table fits its card.
    card = page.locator("section[aria-labelledby='ud-records-title']")
    assert card.evaluate("c => c.querySelector('table').scrollWidth <= c.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"]
    screenshot(page, "request-pending")
    assert violations == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_approval_link_is_text_to_select(demo, browser_page, live_server):
    request = open_demo("batch", "B-1001")
    context = browser_page.context.browser.new_context(
        base_url=live_server.url, java_script_enabled=False, viewport=WIDE
    )
    page = context.new_page()
    try:
        sign_in(page)
        page.goto(f"/admin/unlocks/unlockrequest/{request.pk}/change/")
        link = page.locator("[data-approval-link]")
        expect(link).to_be_visible()
        expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
        # One click selects the whole link, ready to copy.
        assert link.evaluate("e => getComputedStyle(e).userSelect") == "all"
        link.click()
        assert page.evaluate("String(window.getSelection())").strip() == link.inner_text().strip()
        screenshot(page, "request-pending-without-javascript")
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_locked_pin_shows_the_lock_and_its_time_left_instead_of_the_form(demo, browser_page):
    from accounts.models import Tenant

    request = open_demo("batch", "B-1001")
    Tenant.objects.filter(slug="acme-hvac").update(
        pin_locked_until=timezone.now() + timedelta(minutes=12)
    )
    page = browser_page
    sign_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{request.pk}/change/")

    notice = page.locator("[data-pin-locked]")
    expect(notice).to_be_visible()
    assert "PIN verification is locked for 12 minutes more" in notice.inner_text()
    assert " UTC" in notice.inner_text()
    expect(page.get_by_label("Account PIN they give")).to_have_count(0)
    expect(page.get_by_role("button", name="Verify and unlock")).to_have_count(0)
    expect(page.get_by_role("button", name="Cancel the request")).to_be_visible()
    screenshot(page, "request-pin-locked")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_ticking_a_batch_on_the_open_form_says_its_transactions_come_with_it(demo, browser_page):
    page = browser_page
    sign_in(page)
    page.goto("/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=invoice:INV-1001")

    batch = page.get_by_label("B-1001 · batch · bypassed")
    note = page.locator("[data-carried]")
    expect(batch).not_to_be_checked()
    expect(note).to_be_hidden()
    batch.check()
    expect(note).to_be_visible()
    assert "INV-1001, INV-1002, PAY-1001" in note.inner_text()
    assert "come with it" in note.inner_text()
    screenshot(page, "open-batch-ticked")
    batch.uncheck()
    expect(note).to_be_hidden()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_lists_show_their_key_columns_at_1280_pixels(demo, browser_page):
    work = a_day_of_work()
    page = browser_page
    sign_in(page)

    for path, name, title, columns in [
        (
            "/admin/unlocks/unlockrequest/",
            "request-list",
            "Unlock requests",
            ["Request", "Tenant", "Status", "Records", "Caller email", "Created at"],
        ),
        (
            "/admin/audit/auditentry/",
            "audit-list",
            "Audit entries",
            ["Entry", "When", "Actor", "Action", "Record", "Request", "Why"],
        ),
    ]:
        page.goto(path)
        screenshot(page, name)
        expect(page.get_by_role("heading", name=title, exact=True)).to_be_visible()
        results = page.locator("#changelist .results")
        assert results.evaluate("r => r.scrollWidth <= r.clientWidth"), path
        for column in columns:
            header = page.locator("#result_list thead th", has_text=column).first
            box = header.bounding_box()
            assert box and box["x"] + box["width"] <= WIDE["width"], (path, column)
        assert page.evaluate("document.documentElement.scrollWidth") <= WIDE["width"], path

    page.goto("/admin/audit/auditentry/")
    page.locator("#result_list tbody tr").first.locator("th a").click()
    heading = page.locator("#content h1").inner_text()
    assert heading.startswith("Audit entry ") and heading.endswith(" of acme-hvac")
    screenshot(page, "audit-entry")
    page.goto(f"/admin/unlocks/unlockrequest/{work['refused'].pk}/change/")
    steps = page.locator("[data-timeline]").inner_text()
    assert "Refused at approval: the record was exported" in steps
    screenshot(page, "request-refused")
