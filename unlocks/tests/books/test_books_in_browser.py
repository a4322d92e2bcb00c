"""What QuickBooks holds, as people see it in Debian's headless chromium: the demo's
company (INV-1001 keyed in by hand) served by the stand-in, on the PIN page, the receipt,
the tenant's records page and the console's request page."""

import pytest
from playwright.sync_api import expect

from accounts.models import Tenant
from audit.actors import Actor
from books import services
from books.quickbooks import Grant
from conftest import shot
from unlocks.links import approval_url
from unlocks.management.commands.quickbooks_standin import demo_company
from unlocks.tests.admin.test_console_in_browser import sign_in as agent_signs_in
from unlocks.tests.conftest import open_for
from unlocks.tests.pages.test_browser_approval import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_books(demo, settings, live_server):
    """The demo with its QuickBooks company on the stand-in, Acme connected to it."""
    from django.core.cache import cache

    from books.standin import serving, settings_for

    settings.SITE_URL = live_server.url
    company = demo_company()
    with serving(company) as base:
        for name, value in settings_for(base).items():
            setattr(settings, name, value)
        cache.clear()
        services.connect(
            tenant=Tenant.objects.get(slug="acme-hvac"),
            realm_id=company.realm_id,
            tokens=Grant().tokens() | company.grant(),
            actor=Actor.system("tests"),
        )
        yield company
    cache.clear()


def _open_b1001():
    return open_for(
        "acme-hvac",
        targets=[{"type": "batch", "number": "B-1001"}],
        caller_name="Pat Morgan",
        caller_email="pat@acme.example",
        reason="Bypassed by mistake; needs re-export",
    )


def test_the_admin_sees_invoice_1001_in_quickbooks_and_acknowledges_it(browser_page, demo_books):
    page = browser_page
    unlock = _open_b1001()
    page.goto(approval_url(unlock))
    sign_in(page, "pat@acme.example")
    books = page.locator("[data-books]").first
    expect(books).to_contain_text("Already in your QuickBooks")
    expect(books).to_contain_text(
        "In QuickBooks as invoice INV-1001, $410.00, Jones Residence, created 2026-11-04 "
        "by hand, not by an export."
    )
    shot(page, "books/1-pin-page-finds-inv-1001")

    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("483920")
    # The acknowledgement names what QuickBooks holds, and the form asks for it.
    ack = page.get_by_label("I understand that QuickBooks already holds INV-1001")
    expect(ack).to_have_attribute("required", "")
    shot(page, "books/2-pin-page-asks-to-acknowledge")
    ack.check()
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
    shown = page.locator("[data-books-shown]")
    expect(shown).to_contain_text("What your QuickBooks held when you approved")
    expect(shown).to_contain_text("invoice INV-1001, $410.00, Jones Residence")
    shot(page, "books/3-receipt-keeps-what-was-shown")


def test_the_records_page_and_the_console_say_it_too(browser_page, demo_books):
    page = browser_page
    unlock = _open_b1001()
    page.goto("/records/?number=INV-1001")
    sign_in(page, "pat@acme.example")
    expect(page.locator("[data-books]").first).to_contain_text("Jones Residence")
    shot(page, "books/4-records-page")

    page.context.clear_cookies()
    agent_signs_in(page)
    page.goto(f"/admin/unlocks/unlockrequest/{unlock.pk}/change/")
    expect(page.locator("[data-books-ack]")).to_contain_text("INV-1001")
    expect(page.locator("[data-books]").first).to_contain_text("by hand, not by an export")
    shot(page, "books/5-console-request-page")


def test_quickbooks_down_says_so_and_the_admin_approves(browser_page, demo_books):
    page = browser_page
    demo_books.next_failures = ["timeout"]
    unlock = _open_b1001()
    page.goto(approval_url(unlock))
    sign_in(page, "pat@acme.example")
    expect(page.locator("[data-books]").first).to_contain_text("QuickBooks could not be checked")
    shot(page, "books/6-pin-page-quickbooks-down")
    page.get_by_label("I have read the consent text above and I accept it.").check()
    page.get_by_label("I understand that exporting these records again").check()
    page.get_by_label("Account PIN").fill("483920")
    page.get_by_role("button", name="Approve and unlock").click()
    expect(page.get_by_role("heading", name="Records unlocked")).to_be_visible()
