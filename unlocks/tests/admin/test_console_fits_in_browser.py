"""The console as the agent reads it in Chromium: on a 390 px phone nothing scrolls
sideways and nothing is clipped; at 1280 px no table breaks a word; every record number
and request reference is a link; the request page's first screen holds what the agent
acts on; the work queue is the queue alone.

Screenshots go to test-artifacts/fit/ (kept out of git), each checked by axe-core."""

import os
import re

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS, shot
from unlocks.tests.admin.test_work_queue_in_browser import a_day_of_work, approve_demo, open_demo

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1280, "height": 800}
LOOKUP = "/admin/unlocks/unlockrequest/lookup/?q="
PAGE_OF = "/admin/unlocks/unlockrequest/{}/change/".format


def sign_in(page, viewport):
    page.set_viewport_size(viewport)
    page.goto("/admin/login/")
    page.get_by_label("Email").fill("agent@support.example")
    page.get_by_label("Password").fill("unlock-demo")
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Look up a record").wait_for()


def the_agents_pages(work):
    """Every page an agent works in, each with what it must show for a check to mean
    something."""
    return [
        ("queue", "/admin/", "[data-queue='pending'] tbody tr"),
        ("lookup-batch", LOOKUP + "acme-hvac+B-1001", "[data-member]"),
        ("lookup-invoice", LOOKUP + "acme-hvac+INV-2001", "[data-verdict]"),
        ("lookup-exported-batch", LOOKUP + "B-1002", ".ud-route li"),
        ("lookup-no-tenant", LOOKUP + "nobody+B-1001", ".errornote"),
        (
            "open-batch",
            "/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=batch:B-1001",
            ".ud-carried",
        ),
        ("request-pending", PAGE_OF(work["waiting"].pk), "[data-approval-link]"),
        ("request-unlocked", PAGE_OF(work["unlocked"].pk), "[data-window]"),
        ("request-refused", PAGE_OF(work["refused"].pk), "[data-timeline] li"),
        ("request-list", "/admin/unlocks/unlockrequest/", "#result_list tbody tr"),
        ("audit-list", "/admin/audit/auditentry/", "#result_list tbody tr"),
        ("audit-verify", "/admin/audit/auditentry/verify/", "select"),
        ("batch-list", "/admin/unlocks/batch/", "#result_list tbody tr"),
    ]


def work_of_a_day():
    work = a_day_of_work()
    work["unlocked"] = open_demo("invoice", "INV-1004", caller="Pat Morgan")
    approve_demo(work["unlocked"])
    return work


def preview_a_batch(page):
    page.goto("/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=batch:B-1001")
    page.get_by_label("Caller's name").fill("Dana Ruiz")
    page.get_by_label("Caller's email").fill("dana@acme.example")
    page.get_by_label("Reason").fill("Bypassed by mistake; needs re-export")
    page.get_by_role("button", name="Preview").click()
    page.locator("[data-preview-target]").first.wait_for()


# How wide the page is against the window, and what sticks out past its right edge.
OVERFLOW = """
() => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const e of document.querySelectorAll("body *")) {
    const r = e.getBoundingClientRect();
    if (r.width && r.right > width + 1 && !e.closest(".results")) {
      out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
               (typeof e.className === "string" && e.className ? "." + e.className : ""));
    }
  }
  return {scroll: document.documentElement.scrollWidth, width, out: out.slice(0, 8)};
}
"""

# Each word of the tables' and the badges' text on one line: a Range around the word has
# client rectangles on one line only ("batc" / "h" has two).
BROKEN_WORDS = """
(selector) => {
  const broken = [];
  for (const root of document.querySelectorAll(selector)) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.parentElement.getClientRects().length) continue;
      for (const m of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects())
          .filter(r => r.width > 0).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
  }
  return broken;
}
"""

# Record numbers (B-1001, INV-2001, PAY-1002) and request references (the id's first 8
# characters) in the console's tables, facts, verdicts and headings that no link carries.
UNLINKED = """
() => {
  // A signing key's id ("signed with key 481d9b8e") is no request reference.
  const pattern = /\\b(?:B|INV|PAY)-\\d+\\b|(?<!key )\\b[0-9a-f]{8}\\b/g;
  const roots = document.querySelectorAll(
    "#content table, #content dl, #content .ud-route, #content .ud-step-title + div");
  const bare = [];
  for (const root of roots) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // Codes, the approval link and a signing key's id (.mono) are no record or request.
      if (node.parentElement.closest("a, .ud-code, [data-approval-link], svg, .mono")) continue;
      for (const m of node.textContent.matchAll(pattern)) {
        bare.push(m[0] + " in " + node.parentElement.outerHTML.slice(0, 160));
      }
    }
  }
  return bare;
}
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_console_page_fits_a_phone(demo, browser_page):
    work = work_of_a_day()
    page = browser_page
    sign_in(page, PHONE)
    pages = the_agents_pages(work)
    for name, path, must_show in pages:
        page.goto(path)
        expect(page.locator(must_show).first).to_be_attached()
        measured = page.evaluate(OVERFLOW)
        assert measured["scroll"] <= PHONE["width"], (name, measured)
        assert measured["out"] == [], (name, measured)
        # The logo, the menu and the lookup box whole inside the window.
        for part in ["#site-name", ".ud-nav", ".ud-lookup-box", "#user-tools"]:
            box = page.locator(part).bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (
                name,
                part,
                box,
            )
        # A state pill reads whole: "EXPORTED", never "EX / PO / RTE / D".
        assert page.evaluate(BROKEN_WORDS, ".ud-badge") == [], name
        shot(page, f"fit/phone-{name}")
    preview_a_batch(page)
    assert page.evaluate(OVERFLOW)["scroll"] <= PHONE["width"]
    assert page.evaluate(BROKEN_WORDS, ".ud-badge") == []
    shot(page, "fit/phone-open-preview")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_no_table_breaks_a_word_at_1280_px(demo, browser_page):
    work = work_of_a_day()
    page = browser_page
    sign_in(page, WIDE)
    for name, path, must_show in the_agents_pages(work):
        page.goto(path)
        expect(page.locator(must_show).first).to_be_attached()
        assert page.evaluate(BROKEN_WORDS, "#content table, .ud-badge") == [], name
        # The header's last part, the lookup button, inside the window too.
        button = page.locator(".ud-lookup-box button").bounding_box()
        assert button["x"] + button["width"] <= WIDE["width"], name
    preview_a_batch(page)
    preview = page.locator("[data-preview-target='B-1001']")
    assert "batch" in preview.inner_text()
    assert page.evaluate(BROKEN_WORDS, "#content table, .ud-badge") == []
    shot(page, "fit/wide-open-preview")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_record_number_and_request_reference_is_a_link(demo, browser_page):
    work = work_of_a_day()
    page = browser_page
    sign_in(page, WIDE)
    for name, path, must_show in the_agents_pages(work):
        page.goto(path)
        expect(page.locator(must_show).first).to_be_attached()
        assert page.evaluate(UNLINKED) == [], name
    preview_a_batch(page)
    assert page.evaluate(UNLINKED) == []

    # A member of a batch on its lookup card leads to its own card.
    page.goto(LOOKUP + "acme-hvac+B-1001")
    page.locator("[data-member='INV-1001']").get_by_role("link", name="INV-1001").click()
    expect(page.locator("[data-record='INV-1001']")).to_be_visible()
    # The card's requests lead to the request page.
    page.goto(LOOKUP + "acme-hvac+INV-2001")
    short = str(work["soon"].pk)[:8]
    page.locator("[data-record='INV-2001']").get_by_role("link", name=short).click()
    expect(page).to_have_url(re.compile(f"{work['soon'].pk}/change/$"))
    # The audit trail's record numbers lead to the lookup.
    page.goto("/admin/audit/auditentry/?q=B-1001")
    page.locator("#result_list").get_by_role("link", name="B-1001").first.click()
    expect(page.locator("[data-record='B-1001']")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_request_pages_first_screen_holds_the_status_the_link_and_the_verify_form(
    demo, browser_page
):
    page = browser_page
    sign_in(page, WIDE)
    # As the agent arrives there: from the preview, with the "Request opened" message.
    preview_a_batch(page)
    page.get_by_label("Helpdesk ticket").fill("ZD-5521")
    page.get_by_role("button", name="Open the request").click()
    page.locator("[data-status='pending']").wait_for()
    assert page.evaluate("window.scrollY") == 0
    for what in [
        page.locator("[data-status]"),
        page.locator("[data-approval-link]"),
        page.get_by_role("heading", name="Verify on the phone"),
        page.get_by_label("Tenant admin on the phone"),
    ]:
        box = what.bounding_box()
        assert box and box["y"] + box["height"] <= WIDE["height"], (what, box)
    page.screenshot(path=os.path.join(ARTIFACTS, "fit", "wide-request-first-screen.png"))
    shot(page, "fit/wide-request-pending")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_work_queue_is_the_queue_and_the_lists_are_in_the_menu(demo, browser_page):
    page = browser_page
    sign_in(page, WIDE)
    content = page.locator("#content")
    expect(content.get_by_role("heading", name="Waiting for approval")).to_be_visible()
    # No Django app list beside the queue, and no "+ Add" in it.
    expect(page.locator("#content-related")).to_have_count(0)
    expect(content.locator("a.addlink")).to_have_count(0)
    expect(content.get_by_role("link", name=re.compile("^(\\+ )?Add$"))).to_have_count(0)
    # The lists are one menu away, from every page.
    menu = page.locator(".ud-nav")
    menu.get_by_text("Lists").click()
    menu.get_by_role("link", name="Batches").click()
    expect(page.get_by_role("heading", name="Batches")).to_be_visible()
    menu.get_by_text("Lists").click()
    for name in ["Invoices", "Payments", "Tenants", "Outbox messages", "Consent texts"]:
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    shot(page, "fit/wide-lists-menu")

    # The lookup box's hint reads whole: the text fits the box.
    box = page.get_by_label("Look up a record")
    hint = box.get_attribute("placeholder")
    assert "B-1001" in hint
    fits = box.evaluate(
        """e => {
          const s = getComputedStyle(e);
          const ctx = document.createElement("canvas").getContext("2d");
          ctx.font = `${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
          const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
          return ctx.measureText(e.placeholder).width <= room;
        }"""
    )
    assert fits, hint


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_empty_chart_says_so(demo, browser_page):
    page = browser_page
    sign_in(page, WIDE)
    chart = page.locator("[data-chart]")
    expect(chart).to_contain_text("No requests in the last 30 days")
    expect(chart).not_to_contain_text("a day at most")
    expect(chart.locator("svg")).to_have_count(0)
    shot(page, "fit/wide-queue-empty")
