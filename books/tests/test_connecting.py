"""Connecting a tenant's QuickBooks: the OAuth consent through the settings page (admins
only, the state checked, audited), disconnecting, and the onboarding command."""

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditAction, AuditEntry
from books.models import Connection

pytestmark = pytest.mark.django_db


def _signed_in(client, user):
    client.force_login(user)
    return client


def test_an_admin_connects_through_intuits_consent(client, pat, tenant, standin, books_company):
    _signed_in(client, pat)
    page = client.get(f"/settings/quickbooks/{tenant.slug}/")
    assert page.status_code == 200 and b"Connect QuickBooks" in page.content
    to_intuit = client.post(f"/settings/quickbooks/{tenant.slug}/connect/")
    assert to_intuit.status_code == 302
    assert to_intuit["Location"].startswith(f"{standin}/connect/oauth2?")
    assert "com.intuit.quickbooks.accounting" in to_intuit["Location"]
    # The stand-in's consent screen says yes and sends the admin back with a code.
    import requests

    back = requests.get(to_intuit["Location"], allow_redirects=False, timeout=5)
    callback = back.headers["Location"].split("/settings/quickbooks/callback/")[1]
    done = client.get(f"/settings/quickbooks/callback/{callback}", follow=True)
    assert b"QuickBooks is connected" in done.content
    connection = Connection.objects.get(tenant=tenant)
    assert connection.realm_id == books_company.realm_id
    assert connection.access_token in books_company.access_tokens
    entry = AuditEntry.objects.get(action=AuditAction.BOOKS_CONNECTED)
    assert entry.actor_label == pat.email
    assert connection.access_token not in str(entry.data)


def test_a_callback_with_another_state_connects_nothing(client, pat, tenant, standin):
    _signed_in(client, pat)
    client.post(f"/settings/quickbooks/{tenant.slug}/connect/")
    answer = client.get("/settings/quickbooks/callback/?code=x&state=forged&realmId=1", follow=True)
    assert b"does not belong to a connection started here" in answer.content
    assert not Connection.objects.exists()


def test_a_declined_consent_says_nothing_changed(client, pat, tenant, standin):
    _signed_in(client, pat)
    client.post(f"/settings/quickbooks/{tenant.slug}/connect/")
    state = client.session["books_connecting"]["state"]
    answer = client.get(
        f"/settings/quickbooks/callback/?error=access_denied&state={state}", follow=True
    )
    assert b"did not grant access" in answer.content
    assert not Connection.objects.exists()


def test_members_are_told_who_can_and_other_tenants_see_nothing(client, dana, sam, tenant, standin):
    _signed_in(client, dana)
    assert client.get(f"/settings/quickbooks/{tenant.slug}/").status_code == 403
    assert client.post(f"/settings/quickbooks/{tenant.slug}/connect/").status_code == 403
    _signed_in(client, sam)
    assert client.get(f"/settings/quickbooks/{tenant.slug}/").status_code == 404
    assert client.post(f"/settings/quickbooks/{tenant.slug}/disconnect/").status_code == 404


def test_disconnecting_forgets_the_tokens_and_is_audited(client, pat, tenant, connect_books):
    connect_books(tenant)
    _signed_in(client, pat)
    answer = client.post(f"/settings/quickbooks/{tenant.slug}/disconnect/", follow=True)
    assert b"QuickBooks is disconnected" in answer.content
    assert not Connection.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.BOOKS_DISCONNECTED).count() == 1


def test_the_page_says_when_the_grant_needs_renewing(
    client, pat, tenant, connect_books, books_company
):
    from books import lookup
    from books.tests.test_lookup import JONES

    connect_books(tenant)
    books_company.expire_access_tokens()
    books_company.revoked = True
    lookup.check(tenant, [JONES])
    page = client.get(f"/settings/quickbooks/{tenant.slug}/") if _signed_in(client, pat) else None
    assert b'data-books-state="reconnect"' in page.content
    assert b"Connect again" in page.content


def test_without_app_keys_the_page_says_so(client, pat, tenant, settings):
    settings.QUICKBOOKS_CLIENT_ID = ""
    _signed_in(client, pat)
    page = client.get(f"/settings/quickbooks/{tenant.slug}/")
    assert (
        b"QUICKBOOKS_CLIENT_ID" in page.content
        and b"Connect QuickBooks</button>" not in page.content
    )


def test_the_onboarding_command_connects_with_a_refresh_token(tenant, standin, books_company):
    refresh = books_company.grant()["refresh_token"]
    call_command("connect_quickbooks", tenant.slug, realm_id="9130", refresh_token=refresh)
    connection = Connection.objects.get(tenant=tenant)
    assert connection.access_token in books_company.access_tokens
    assert AuditEntry.objects.filter(action=AuditAction.BOOKS_CONNECTED).exists()


def test_the_onboarding_command_refuses_a_bad_token(tenant, standin):
    with pytest.raises(CommandError, match="refused the refresh token"):
        call_command("connect_quickbooks", tenant.slug, realm_id="9130", refresh_token="nope")
    with pytest.raises(CommandError, match="no tenant"):
        call_command("connect_quickbooks", "nobody", realm_id="9130", refresh_token="nope")
