"""A tenant's "require a second factor for every approval", changed by one of its admins
with their password and their own authenticator code."""

import pytest
from django.test import Client

from accounts.tests.factories import (
    TenantFactory,
    admin_of,
    code_now,
    give_authenticator,
    member_of,
    wrong_code,
)
from audit.models import AuditEntry

PASSWORD = "pw-for-tests-1"
IP = "198.51.100.20"


@pytest.fixture(autouse=True)
def _no_wait_between_codes(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


@pytest.fixture
def tenant(db):
    return TenantFactory(slug="acme", name="Acme")


@pytest.fixture
def admin(tenant):
    user = admin_of(tenant, email="pat@acme.test")
    give_authenticator(user)
    return user


def client_for(user):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def change(client, admin, **fields):
    data = {"required": "on", "password": PASSWORD, "code": code_now(admin), **fields}
    return client.post("/settings/second-factor/acme/", {k: v for k, v in data.items() if v})


def test_an_admin_requires_a_factor_with_password_and_code(tenant, admin):
    client = client_for(admin)

    response = change(client, admin)

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.approval_requires_second_factor is True
    entry = AuditEntry.objects.get(tenant=tenant, action="second_factor_requirement_set")
    assert (entry.actor_label, entry.data, entry.ip) == (admin.email, {"required": True}, IP)
    page = client.get("/settings/second-factor/acme/").content.decode()
    assert "Every approval of Acme needs the account PIN and the approving admin" in page


def test_it_lifts_the_requirement_the_same_way(tenant, admin):
    tenant.approval_requires_second_factor = True
    tenant.save()

    change(client_for(admin), admin, required=None)

    tenant.refresh_from_db()
    assert tenant.approval_requires_second_factor is False


def test_a_wrong_password_changes_nothing_and_counts_as_a_failed_sign_in(tenant, admin):
    from axes.models import AccessAttempt

    response = change(client_for(admin), admin, password="nope")

    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.approval_requires_second_factor is False
    assert AccessAttempt.objects.get(username=admin.email).failures_since_start == 1


def test_a_wrong_code_changes_nothing_and_counts_as_a_failed_sign_in(tenant, admin):
    from axes.models import AccessAttempt

    response = change(client_for(admin), admin, code=wrong_code(admin))

    assert response.status_code == 400
    assert "That code is not right" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.approval_requires_second_factor is False
    assert AccessAttempt.objects.get(username=admin.email).failures_since_start == 1
    assert not AuditEntry.objects.filter(action="second_factor_requirement_set").exists()


def test_an_admin_without_an_app_is_told_to_set_one_up(tenant):
    other = admin_of(tenant, email="lee@acme.test")
    client = client_for(other)

    page = client.get("/settings/second-factor/acme/").content.decode()
    assert "Set up your app" in page
    response = client.post(
        "/settings/second-factor/acme/", {"required": "on", "password": PASSWORD, "code": "1"}
    )

    assert "Set up your own authenticator app first" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.approval_requires_second_factor is False


def test_a_member_is_refused_and_another_tenant_does_not_exist(tenant, admin):
    member = member_of(tenant, email="dana@acme.test")
    assert client_for(member).get("/settings/second-factor/acme/").status_code == 403
    birch = TenantFactory(slug="birch")
    outsider = admin_of(birch, email="sam@birch.test")
    assert client_for(outsider).get("/settings/second-factor/acme/").status_code == 404
    assert client_for(outsider).post("/settings/second-factor/acme/", {}).status_code == 404


def test_the_settings_page_lists_the_accounts_an_admin_runs(tenant, admin):
    page = client_for(admin).get("/settings/second-factor/").content.decode()

    assert 'data-factor="totp"' in page
    assert "/settings/second-factor/acme/" in page


def test_the_password_and_code_are_never_written_back(tenant, admin):
    code = wrong_code(admin)
    page = change(client_for(admin), admin, password="secret-typed", code=code).content.decode()

    assert "secret-typed" not in page
    assert f'value="{code}"' not in page


def blocked_note(page):
    return " ".join(page.split("data-blocked-admins>")[1].split("</div>")[0].split())


def test_it_names_the_admins_a_requirement_would_block_before_it_is_on(tenant, admin):
    admin_of(tenant, email="lee@acme.test", full_name="Lee Chen")
    admin_of(tenant, email="kim@acme.test", full_name="Kim Ode")
    member_of(tenant, email="dana@acme.test", full_name="Dana Ruiz")

    page = client_for(admin).get("/settings/second-factor/acme/").content.decode()

    note = blocked_note(page)
    # The admins without a factor; neither the one who holds one nor a member.
    assert "Requiring it would stop <strong>Kim Ode and Lee Chen</strong>" in note
    assert "pat@acme.test" not in note and "Dana" not in note


def test_once_on_it_names_the_admins_who_cannot_approve(tenant, admin):
    admin_of(tenant, email="lee@acme.test", full_name="Lee Chen")
    tenant.approval_requires_second_factor = True
    tenant.save()

    page = client_for(admin).get("/settings/second-factor/acme/").content.decode()

    assert "While it is required, <strong>Lee Chen</strong> cannot approve" in blocked_note(page)


def test_it_says_so_when_it_blocks_no_one(tenant, admin):
    page = client_for(admin).get("/settings/second-factor/acme/").content.decode()
    assert "requiring it blocks no one" in page
