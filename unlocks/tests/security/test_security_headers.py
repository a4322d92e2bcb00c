"""Security headers on every page: CSP without inline script, no framing, referrer policy."""

import pytest

from accounts.tests.factories import TenantFactory, UserFactory, admin_of

PAGES = [
    ("/admin/login/", None),
    ("/admin/", "staff"),
    ("/admin/", None),  # the redirect to sign in
    ("/approve/not-a-real-token/", None),
    ("/no-such-page/", None),  # a 404
    # The PIN page's and tenant pages.
    ("/accounts/login/", None),
    ("/accounts/password-reset/", None),
    ("/accounts/signed-out/", None),
    ("/requests/", "tenant admin"),
    ("/approve/not-a-real-token/", "tenant admin"),
    ("/receipts/00000000-0000-0000-0000-000000000000/", "tenant admin"),
    # The console's own pages.
    ("/admin/unlocks/unlockrequest/", "staff"),
    ("/admin/unlocks/unlockrequest/lookup/?q=B-1", "staff"),
    ("/admin/unlocks/unlockrequest/open/", "staff"),
    ("/admin/audit/auditentry/verify/", "staff"),
    ("/admin/notifications/outboxmessage/", "staff"),
    # The API, its schema and docs, health.
    ("/api/docs/", None),
    ("/api/docs/?script=", None),
    ("/api/schema/", None),
    ("/api/v1/consent/", None),  # a 401
    ("/api/v1/nothing-here/", None),
    ("/healthz", None),
]


def directives(header):
    parts = (p.strip().split() for p in header.split(";") if p.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize(("url", "who"), PAGES)
def test_every_page_sends_the_security_headers(client, db, url, who):
    if who == "staff":
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    elif who == "tenant admin":
        client.force_login(admin_of(TenantFactory()))

    response = client.get(url)

    csp = directives(response["Content-Security-Policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert not any("'unsafe-inline'" in v or "'unsafe-eval'" in v for v in csp.values())
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_admin_pages_carry_no_inline_script(client, db):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    for url in ("/admin/login/", "/admin/", "/admin/password_change/"):
        page = client.get(url, follow=True).content.decode()
        scripts = page.split("<script")[1:]
        assert all(" src=" in tag.split(">")[0] for tag in scripts), url
