"""The console's own colours read in both colour schemes: in Chromium, every text of our
elements (verdict boxes, warnings, the lock banner, badges, the queue's highlight, the
buttons) has a contrast of at least 4.5:1 (WCAG AA) against what is behind it, computed
from the styles the browser applies under `prefers-color-scheme: light` and `dark`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from unlocks.tests.admin.test_work_queue_in_browser import (
    a_day_of_work,
    open_demo,
    screenshot,
    sign_in,
)

AA = 4.5

# For each element of ours (a class starting "ud-", in the page's body) or inside one, with
# text of its own: its colour and the colour behind it,
# found by walking up to the first opaque background and laying the translucent ones on it.
CONTRASTS = """
() => {
  function rgba(value) {
    const m = value.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[\\s,\\/]+/).filter(Boolean).map(Number);
    return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1};
  }
  function over(top, bottom) {
    const a = top.a;
    return {r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a),
            b: top.b * a + bottom.b * (1 - a), a: 1};
  }
  function behind(el) {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = {r: 255, g: 255, b: 255, a: 1};
    if (!layers.length || layers[layers.length - 1].a < 1) {
      const canvas = matchMedia("(prefers-color-scheme: dark)").matches ? 18 : 255;
      colour = {r: canvas, g: canvas, b: canvas, a: 1};
    }
    for (let i = layers.length - 1; i >= 0; i--) colour = over(layers[i], colour);
    return colour;
  }
  function luminance(c) {
    const f = v => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  }
  const ours = new Set();
  document.querySelectorAll('body [class*="ud-"], body [class*="ud-"] *').forEach(e => ours.add(e));
  const found = [];
  for (const el of ours) {
    const own = Array.from(el.childNodes).filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden" || style.display === "none") continue;
    const back = behind(el);
    // SVG text is painted with its fill, not its colour.
    const fore = over(rgba(el instanceof SVGElement ? style.fill : style.color), back);
    const [hi, lo] = [luminance(fore), luminance(back)].sort((x, y) => y - x);
    found.push({
      text: own.map(n => n.textContent.trim()).join(" ").slice(0, 60),
      where: el.tagName.toLowerCase() + "." + (el.className.baseVal ?? el.className),
      ratio: Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100,
    });
  }
  return found;
}
"""


def contrasts(page):
    return page.evaluate(CONTRASTS)


def console_pages(work):
    """The pages that carry our colours, each with what it must show for the check to mean
    something: every kind of verdict box, the badges, the highlight, the lock banner."""
    lookup = "/admin/unlocks/unlockrequest/lookup/?q=acme-hvac+"
    page_of = "/admin/unlocks/unlockrequest/{}/change/".format
    return [
        ("queue", "/admin/", ".ud-soon"),
        ("lookup-accepted", lookup + "INV-2001", ".ud-yes"),
        ("lookup-warning", lookup + "B-1001", ".ud-warn"),
        ("lookup-refused", lookup + "B-1002", ".ud-no"),
        (
            "open-batch",
            "/admin/unlocks/unlockrequest/open/?tenant=acme-hvac&record=batch:B-1001",
            ".ud-carried",
        ),
        ("request-pending", page_of(work["pending"].pk), ".ud-consent"),
        ("request-pin-locked", page_of(work["locked"].pk), ".ud-lock"),
        ("request-refused", page_of(work["refused"].pk), ".ud-code"),
        ("request-list", "/admin/unlocks/unlockrequest/", ".ud-badge"),
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_colour_of_ours_reads_at_aa_contrast(demo, browser_page, scheme):
    from accounts.models import Tenant

    work = a_day_of_work()
    # Birch's PIN is locked; acme's is not, so its request shows the consent and the form.
    work["pending"] = work["waiting"]
    work["locked"] = open_demo("batch", "B-2001", tenant="birch-plumbing", caller="Kim Park")
    Tenant.objects.filter(slug="birch-plumbing").update(
        pin_locked_until=timezone.now() + timedelta(minutes=12)
    )
    page = browser_page
    page.emulate_media(color_scheme=scheme)
    sign_in(page)
    assert page.evaluate(f"matchMedia('(prefers-color-scheme: {scheme})').matches")

    too_faint = []
    for name, path, must_show in console_pages(work):
        page.goto(path)
        assert page.locator(must_show).first.is_visible(), (name, must_show)
        measured = contrasts(page)
        assert len(measured) > 5, name
        too_faint += [
            (name, m["where"], m["text"], m["ratio"]) for m in measured if m["ratio"] < AA
        ]
        screenshot(page, f"{name}-{scheme}")
    assert too_faint == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_admins_theme_toggle_gives_our_colours_their_scheme_too(demo, browser_page):
    # The system says dark, the agent chose light with the admin's toggle: ours follow.
    page = browser_page
    page.emulate_media(color_scheme="dark")
    sign_in(page)
    page.evaluate("localStorage.setItem('theme', 'light')")
    page.goto("/admin/unlocks/unlockrequest/lookup/?q=acme-hvac+B-1002")
    box = page.locator(".ud-verdict.ud-no").first
    assert box.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(254, 242, 242)"
    assert min(m["ratio"] for m in contrasts(page)) >= AA
