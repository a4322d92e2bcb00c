"""The demo agent answers a caller in a real browser (headless Debian chromium)."""

import pytest
from playwright.sync_api import expect

from conftest import shot


def sign_in(page):
    page.goto("/admin/login/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Look up a record").wait_for()


def look_up(page, query):
    page.get_by_label("Look up a record").fill(query)
    page.get_by_role("button", name="Look up", exact=True).click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_sees_why_an_exported_batch_cannot_be_unlocked(demo, browser_page):
    page = browser_page
    sign_in(page)
    look_up(page, "B-1002")
    card = page.locator("[data-record='B-1002']")
    verdict = card.locator("[data-verdict='refused']")
    assert "can never be unlocked" in verdict.inner_text()
    route = verdict.locator("ul.ud-route").inner_text()
    assert "INV-1003" in route and "PAY-1002" in route
    shot(page, "console-lookup-b-1002-refused")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_opens_and_verifies_a_request_until_it_is_unlocked(demo, browser_page):
    page = browser_page
    sign_in(page)
    look_up(page, "acme-hvac B-1001")
    card = page.locator("[data-record='B-1001']")
    assert card.locator("[data-verdict='accepted']").is_visible()
    # What the agent confirms with the caller: the batch's count and total, and each
    # transaction's customer and amount ("INV-1001, Jones Residence, $410.00?").
    expect(card).to_contain_text("3 transactions, $1,637.50")
    expect(card.locator("tr", has_text="INV-1001")).to_contain_text("Jones Residence")
    expect(card.locator("tr", has_text="INV-1001")).to_contain_text("$410.00")
    shot(page, "console-lookup-b-1001-accepted")

    card.get_by_role("link", name="Open an unlock request").click()
    page.get_by_label("Caller's name").fill("Dana Ruiz")
    page.get_by_label("Caller's email").fill("dana@acme.example")
    page.get_by_label("Reason").fill("Bypassed by mistake; needs re-export")
    page.get_by_label("Helpdesk ticket").fill("ZD-5521")
    page.get_by_role("button", name="Preview").click()
    assert "Every rule passes" in page.locator("[data-verdict='accepted']").inner_text()
    shot(page, "console-open-preview")

    page.get_by_role("button", name="Open the request").click()
    page.locator("[data-status='pending']").wait_for()
    assert "/approve/" in page.locator("[data-approval-link]").inner_text()
    shot(page, "console-request-pending")

    page.get_by_label("Tenant admin on the phone").select_option("pat@acme.example")
    page.get_by_label("Account PIN they give").fill("483920")
    page.get_by_label("I read the consent text above in full").check()
    page.get_by_label("The admin acknowledges the duplicate risk.").check()
    page.get_by_role("button", name="Verify and unlock").click()

    page.locator("[data-status='completed']").wait_for()
    steps = page.locator("[data-timeline] li")
    assert steps.first.get_attribute("data-step") == "opened"
    # The approval asked for a signed checkpoint as it committed: it covers the steps.
    unlocked = steps.nth(steps.count() - 2)
    assert unlocked.get_attribute("data-step") == "unlocked"
    assert "Unlocked" in unlocked.inner_text()
    assert steps.last.get_attribute("data-step") == "checkpoint"
    assert "Covered by signed checkpoint 1" in page.locator("[data-checkpoint]").inner_text()
    # Read through the page, not the ORM: an ORM call under Playwright's running event
    # loop would open a connection of its own that outlives the test database.
    assert page.locator("[data-target='B-1001'] [data-now]").inner_text().lower() == "open"
    shot(page, "console-request-unlocked")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_reads_the_request_list_and_the_audit_trail(demo, browser_page):
    page = browser_page
    sign_in(page)
    page.goto("/admin/unlocks/unlockrequest/")
    assert page.get_by_role("heading", name="Unlock requests", exact=True).is_visible()
    shot(page, "console-request-list")
    page.goto("/admin/audit/auditentry/")
    assert page.get_by_role("link", name="Export these as CSV").is_visible()
    shot(page, "console-audit-list")
    page.get_by_role("link", name="Verify a tenant's chain").click()
    page.get_by_label("Tenant").select_option(label="Acme Heating & Air (acme-hvac)")
    page.get_by_role("button", name="Verify the chain").click()
    assert "holds" in page.locator("[data-chain='ok']").inner_text()
    shot(page, "console-audit-chain-ok")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_records_a_refused_attempt(demo, browser_page):
    page = browser_page
    sign_in(page)
    look_up(page, "acme-hvac B-1003")
    card = page.locator("[data-record='B-1003']")
    assert "INV-1005" in card.locator("[data-verdict='refused']").inner_text()

    card.get_by_role("link", name="Record the refused attempt").click()
    page.get_by_label("Caller's name").fill("Dana Ruiz")
    page.get_by_label("Caller's email").fill("dana@acme.example")
    page.get_by_label("Reason").fill("Wants B-1003 exported again")
    page.get_by_role("button", name="Preview").click()
    assert "would be refused" in page.locator("[data-verdict='refused']").inner_text()
    row = page.locator("[data-preview-target='B-1003']").inner_text()
    assert "Refused" in row and "Duplicate risk" not in row
    assert page.get_by_role("button", name="Open the request").count() == 0
    shot(page, "console-open-preview-refused")

    page.get_by_role("button", name="Record the refused attempt").click()
    recorded = page.locator("[data-recorded]")
    assert "recorded in the audit trail" in recorded.inner_text()
    assert "INV-1005" in page.locator(".errornote").inner_text()
    shot(page, "console-open-refused-recorded")

    recorded.get_by_role("link", name="See it in the audit trail").click()
    first = page.locator("#result_list tbody tr").first.inner_text()
    assert "Opening refused" in first and "transactions_exported" in first
