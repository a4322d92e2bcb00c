"""The error pages as a person meets them, in headless Debian chromium (DEBUG off)."""

import pytest

from conftest import shot


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_sign_in_form_left_open_while_signing_in_in_another_tab_says_to_reload(
    demo, browser_page
):
    first = browser_page
    first.goto("/accounts/login/")
    second = first.context.new_page()
    sign_in(second, "pat@acme.example")
    second.get_by_role("button", name="Sign out").wait_for()

    first.get_by_label("Email").fill("pat@acme.example")
    first.get_by_label("Password").fill("unlock-demo")
    first.get_by_role("button", name="Sign in").click()

    assert first.get_by_role("heading", name="This form has expired").is_visible()
    assert "in another tab" in first.locator("main").inner_text()
    shot(first, "error-csrf-form-expired")

    # What the page says to do works: going back and reloading finds them signed in.
    first.go_back()
    first.reload()
    first.get_by_role("button", name="Sign out").wait_for()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_unknown_address_shows_the_not_found_page(browser_page):
    response = browser_page.goto("/receipts/abc/")
    assert response.status == 404
    assert browser_page.get_by_role("heading", name="There is nothing at this address").is_visible()
    assert browser_page.get_by_role("link", name="sign in").is_visible()
    shot(browser_page, "error-not-found")
