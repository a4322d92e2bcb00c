"""Every time a person reads is in their own zone, named, with UTC on hover: the PIN page
and its lock-out in the tenant admin's browser's zone, the console in the agent's. Run in a
browser set to Denver and in one set to Sydney."""

from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import Tenant
from audit.models import AuditEntry
from conftest import shot
from unlocks.links import approval_url
from unlocks.tests.admin.test_console_in_browser import sign_in as agent_signs_in
from unlocks.tests.conftest import open_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def written(value, zone, format="%Y-%m-%d %H:%M %Z"):
    return value.astimezone(ZoneInfo(zone)).strftime(format)


def in_utc(value):
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def name(page):
    return page.zone.replace("/", "-")


@pytest.fixture
def unlock(demo, live_server, settings):
    settings.SITE_URL = live_server.url
    return open_for(
        "acme-hvac",
        targets=[{"type": "invoice", "number": "INV-1004"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Typo in the amount",
    )


def expect_time(locator, value, zone):
    expect(locator).to_have_text(written(value, zone))
    expect(locator).to_have_attribute("title", in_utc(value))


def test_the_pin_page_and_its_lock_out_read_in_the_admins_zone(zoned_page, unlock):
    page = zoned_page
    page.goto(approval_url(unlock))
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()

    link_until = page.locator("dt:text-is('Link works until') + dd time")
    expect_time(link_until, unlock.expires_at, page.zone)
    opened = page.locator("dt:text-is('How') + dd time")
    expect_time(opened, unlock.created_at, page.zone)
    shot(page, f"local-times/{name(page)}-pin-page")

    Tenant.objects.filter(slug="acme-hvac").update(
        pin_locked_until=timezone.now() + timedelta(minutes=12)
    )
    page.reload()
    until = Tenant.objects.get(slug="acme-hvac").pin_locked_until
    lock = page.locator("[data-pin-lock] strong time")
    expect(lock).to_contain_text(f"at {written(until, page.zone, '%H:%M %Z')}")
    expect(lock).to_have_attribute("title", in_utc(until))
    assert "UTC" not in lock.inner_text()
    shot(page, f"local-times/{name(page)}-pin-locked")


def test_the_console_reads_in_the_agents_zone(zoned_page, unlock):
    page = zoned_page
    agent_signs_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{unlock.pk}/change/")

    expect_time(page.locator("dt:text-is('Opened') + dd time"), unlock.created_at, page.zone)
    expect_time(page.locator("dt:text-is('Expires') + dd time"), unlock.expires_at, page.zone)
    first_step = page.locator("[data-timeline] .ud-step-meta time").first
    expect(first_step).to_have_text(written(unlock.created_at, page.zone))
    shot(page, f"local-times/{name(page)}-console-request")

    page.goto("/admin/audit/auditentry/")
    newest = AuditEntry.objects.order_by("-at", "-id").first().at
    when = page.locator("td.field-when time").first
    expect(when).to_have_text(written(newest, page.zone))
    shot(page, f"local-times/{name(page)}-audit-list")
