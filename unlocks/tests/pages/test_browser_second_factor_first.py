"""Where a tenant requires a second factor, an admin who holds none is told so before the
form, with how to set one up and who can approve instead; the settings page that turns the
requirement on names whom it would block. In a browser set to Denver and one set to Sydney."""

import pytest
from playwright.sync_api import expect

from accounts.models import Tenant
from conftest import shot
from unlocks.links import approval_url
from unlocks.tests.conftest import open_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


def name(page):
    return page.zone.replace("/", "-")


def test_the_settings_page_names_whom_a_requirement_would_block(zoned_page, demo):
    page = zoned_page
    page.goto("/settings/second-factor/acme-hvac/")
    sign_in(page, "lee@acme.example")

    note = page.locator("[data-blocked-admins]")
    expect(note).to_contain_text("Requiring it would stop Pat Morgan from approving")
    expect(note).not_to_contain_text("Lee")
    # Before the form that turns it on.
    form_top = page.get_by_role("heading", name="Change it").bounding_box()["y"]
    assert note.bounding_box()["y"] < form_top
    shot(page, f"second-factor-first/{name(page)}-settings")


def test_an_admin_without_one_is_told_before_the_form(zoned_page, demo, live_server, settings):
    settings.SITE_URL = live_server.url
    Tenant.objects.filter(slug="acme-hvac").update(approval_requires_second_factor=True)
    unlock = open_for(
        "acme-hvac",
        targets=[{"type": "invoice", "number": "INV-1004"}],
        caller_email="pat@acme.example",
        reason="Typo in the amount",
    )
    page = zoned_page
    page.goto(approval_url(unlock))
    sign_in(page, "pat@acme.example")

    notice = page.locator("[data-factor-missing]")
    expect(notice.get_by_role("heading")).to_have_text("You need a second factor to approve this")
    expect(notice.locator("[data-factor-holders]")).to_have_text("Lee Chen")
    expect(page.get_by_role("button", name="Approve and unlock")).to_have_count(0)
    expect(page.get_by_label("Account PIN")).to_have_count(0)
    shot(page, f"second-factor-first/{name(page)}-pin-page")

    notice.get_by_role("link", name="Set up an authenticator app").click()
    expect(page.get_by_role("heading", name="Set up an authenticator app")).to_be_visible()
    assert page.url.endswith(
        "?next=" + approval_url(unlock).split(live_server.url)[1].replace(":", "%3A")
    )
