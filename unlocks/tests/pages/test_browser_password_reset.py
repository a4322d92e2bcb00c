"""Password reset for a tenant user, end to end in Debian's headless chromium."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from conftest import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_tenant_admin_resets_the_password_from_the_emailed_link(browser_page, demo):
    page = browser_page
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", name="Reset your password")).to_be_visible()
    shot(page, "pinpage-9-password-reset")

    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    shot(page, "pinpage-10-password-reset-sent")

    link = re.search(r"http://\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    page.get_by_label("New password", exact=True).fill("a-calm-new-passphrase")
    page.get_by_label("New password confirmation").fill("a-calm-new-passphrase")
    shot(page, "pinpage-11-password-choose")
    page.get_by_role("button", name="Save the new password").click()
    expect(page.get_by_role("heading", name="Your password is changed")).to_be_visible()

    page.get_by_role("link", name="Sign in").last.click()
    page.get_by_label("Email").fill("pat@acme.example")
    page.get_by_label("Password").fill("a-calm-new-passphrase")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Unlock requests")).to_be_visible()
