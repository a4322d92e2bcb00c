"""A tenant admin changes the account PIN in Debian's headless chromium (conftest.browser_page)."""

import pytest
from playwright.sync_api import expect

from accounts.models import Tenant
from accounts.pins import pin_matches
from audit.models import AuditEntry
from conftest import shot
from notifications.models import OutboxMessage
from unlocks.tests.security.test_csp_in_the_browser import watch_for_csp_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


def fill_pin_form(page, password, pin, again=None):
    page.get_by_label("Your password").fill(password)
    page.get_by_label("New account PIN").fill(pin)
    page.get_by_label("The new PIN again").fill(pin if again is None else again)
    page.get_by_role("button", name="Change the PIN").click()


def test_an_admin_changes_the_account_pin(browser_page, demo):
    page = browser_page
    violations = watch_for_csp_violations(page)
    page.goto("/accounts/login/")
    sign_in(page, "pat@acme.example")
    page.get_by_role("link", name="Account PIN").click()
    expect(page.get_by_role("heading", name="Account PIN")).to_be_visible()
    expect(page.get_by_text("Settings · Acme Heating & Air")).to_be_visible()
    expect(page.get_by_text("not a run of digits up or down")).to_be_visible()
    shot(page, "screenshots/pin-settings-1-form")

    fill_pin_form(page, "unlock-demo", "123456")
    expect(page.get_by_role("alert")).to_contain_text("That PIN is a run of digits")
    for label in ("Your password", "New account PIN", "The new PIN again"):
        expect(page.get_by_label(label)).to_have_value("")
    shot(page, "screenshots/pin-settings-2-refused")

    fill_pin_form(page, "not-my-password", "583920")
    expect(page.get_by_role("alert")).to_contain_text("That is not your password")
    shot(page, "screenshots/pin-settings-3-wrong-password")

    fill_pin_form(page, "unlock-demo", "583920")
    expect(page.get_by_role("status")).to_contain_text(
        "The account PIN of Acme Heating & Air is changed"
    )
    expect(page.get_by_role("status")).to_contain_text("We emailed Lee Chen")
    assert "583920" not in page.content()
    shot(page, "screenshots/pin-settings-4-changed")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "screenshots/pin-settings-4-changed-phone")

    acme = Tenant.objects.get(slug="acme-hvac")
    assert pin_matches(acme.pin_hash, "583920") and not pin_matches(acme.pin_hash, "483920")
    entry = AuditEntry.objects.filter(tenant=acme, action="pin_set").last()
    assert entry.actor_label == "pat@acme.example"
    assert "583920" not in str(entry.data)
    assert list(
        OutboxMessage.objects.filter(event="pin_set").values_list("recipient", flat=True)
    ) == ["lee@acme.example"]
    assert violations == []


def test_a_member_is_told_who_the_admins_are(browser_page, demo):
    page = browser_page
    page.goto("/settings/pin/")
    sign_in(page, "dana@acme.example")
    expect(
        page.get_by_role("heading", name="Only an account's admins can set its PIN")
    ).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("ask Lee Chen or Pat Morgan")
    expect(page.get_by_label("New account PIN")).to_have_count(0)
    shot(page, "screenshots/pin-settings-5-member")
