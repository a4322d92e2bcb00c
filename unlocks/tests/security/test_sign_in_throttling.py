"""Sign-in throttling (django-axes) on the admin's email sign-in, with lock-outs audited.

Five failures for one email from one address lock that email at that address, so the
people who share the address (an office, a support centre) still sign in; an address that
fails for many emails is locked for everyone at it, at a higher count."""

import logging

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client

from accounts.lockouts import SIGN_IN_LOCKED
from accounts.models import Membership, Role
from accounts.tests.factories import TenantFactory, UserFactory, admin_of
from audit.models import AuditEntry
from audit.selectors import verify_chain

PASSWORD = "pw-for-tests-1"
LOGIN = "/admin/login/"


def sign_in(client, email, password, ip="203.0.113.5"):
    return client.post(
        LOGIN, {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip
    )


def fail_five_times(client, email, ip="203.0.113.5"):
    for _ in range(5):
        response = sign_in(client, email, "wrong-password", ip=ip)
    return response


@pytest.fixture
def staff(db):
    return UserFactory(email="agent@support.test", is_staff=True)


def test_it_signs_staff_in_with_the_right_password(client, staff):
    response = sign_in(client, staff.email, PASSWORD)
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(staff.pk)


def test_it_locks_an_email_after_five_failures_even_with_the_right_password(client, staff):
    assert fail_five_times(client, staff.email).status_code == 429

    response = sign_in(client, staff.email, PASSWORD)

    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    assert "_auth_user_id" not in client.session


def test_it_counts_an_email_whatever_its_case(client, staff):
    for email in ["AGENT@support.test", "agent@SUPPORT.test", " agent@support.test"] * 2:
        sign_in(client, email, "wrong-password", ip="198.51.100.1")
    assert sign_in(client, staff.email, PASSWORD, ip="198.51.100.1").status_code == 429


def test_a_colleague_at_the_same_address_still_signs_in(client, staff):
    colleague = UserFactory(email="colleague@support.test", is_staff=True)
    fail_five_times(client, staff.email)

    assert sign_in(Client(), colleague.email, PASSWORD).status_code == 302
    assert sign_in(Client(), staff.email, PASSWORD).status_code == 429


def test_the_lock_holds_the_email_at_that_address_only(client, staff):
    fail_five_times(client, staff.email, ip="203.0.113.5")

    assert sign_in(client, staff.email, PASSWORD, ip="203.0.113.5").status_code == 429
    assert sign_in(Client(), staff.email, PASSWORD, ip="198.51.100.9").status_code == 302


def test_the_locked_page_says_whose_sign_in_is_locked_and_who_can_still_sign_in(client, staff):
    page = fail_five_times(client, staff.email).content.decode()

    assert "Too many failed sign-ins" in page
    assert "for agent@support.test from your network address" in page
    assert "Other people at your address can still sign in" in page
    assert "for this account" not in page
    assert "Wait 15 minutes and try again" in page


def test_it_locks_an_address_that_sprays_many_emails(client, staff, settings):
    limit = settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS
    assert limit > settings.AXES_FAILURE_LIMIT
    for n in range(limit):
        sign_in(client, f"someone{n % 10}@example.test", "wrong-password", ip="192.0.2.77")

    response = sign_in(client, staff.email, PASSWORD, ip="192.0.2.77")

    assert response.status_code == 429
    page = response.content.decode()
    assert "from your network address, for several emails" in page
    assert "Wait 15 minutes and try again" in page
    assert "_auth_user_id" not in client.session
    assert sign_in(Client(), staff.email, PASSWORD, ip="192.0.2.78").status_code == 302


def test_an_address_below_its_limit_is_not_locked(client, staff, settings):
    for n in range(settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS - 1):
        sign_in(client, f"someone{n % 10}@example.test", "wrong-password", ip="192.0.2.77")

    assert sign_in(client, staff.email, PASSWORD, ip="192.0.2.77").status_code == 302


def test_an_address_lock_is_logged_and_audits_no_tenant(client, staff, settings, caplog):
    for n in range(settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS):
        sign_in(client, f"someone{n % 10}@example.test", "wrong-password", ip="192.0.2.77")
    with caplog.at_level(logging.WARNING, logger="unlock.security"):
        sign_in(client, staff.email, PASSWORD, ip="192.0.2.77")

    assert [r.getMessage() for r in caplog.records if r.name == "unlock.security"] == [
        f"Sign-in refused from 192.0.2.77: {settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS} failed "
        "sign-ins from it in the last 15 minutes."
    ]
    assert not AuditEntry.objects.filter(action=SIGN_IN_LOCKED).exists()


def test_a_success_before_the_limit_starts_the_count_again(client, staff):
    for _ in range(4):
        sign_in(client, staff.email, "wrong-password")
    assert sign_in(client, staff.email, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        sign_in(client, staff.email, "wrong-password")
    assert sign_in(client, staff.email, PASSWORD).status_code == 302


def test_the_lock_out_survives_a_cache_flush(client, staff):
    fail_five_times(client, staff.email)
    cache.clear()
    assert sign_in(client, staff.email, PASSWORD).status_code == 429
    assert AccessAttempt.objects.filter(username=staff.email).exists()


def test_a_staff_lock_out_is_logged_and_kept_by_axes(client, staff, caplog):
    with caplog.at_level(logging.WARNING, logger="unlock.security"):
        fail_five_times(client, staff.email)

    assert [r.getMessage() for r in caplog.records if r.name == "unlock.security"] == [
        "Sign-in locked for agent@support.test after repeated failures from 203.0.113.5 "
        "(0 tenant(s) audited)."
    ]
    assert AccessAttempt.objects.get(username=staff.email).failures_since_start == 5
    assert not AuditEntry.objects.filter(action=SIGN_IN_LOCKED).exists()


def test_a_tenant_users_lock_out_is_audited_once_in_each_of_their_tenants(client, db):
    acme, birch, other = TenantFactory(), TenantFactory(), TenantFactory()
    pat = admin_of(acme, email="pat@acme.test")
    Membership.objects.create(tenant=birch, user=pat, role=Role.MEMBER)

    fail_five_times(client, "pat@acme.test")
    sign_in(client, "pat@acme.test", PASSWORD)  # refused while locked: not audited again

    for tenant in (acme, birch):
        [entry] = AuditEntry.objects.filter(tenant=tenant, action=SIGN_IN_LOCKED)
        assert entry.data == {"email": "pat@acme.test", "ip": "203.0.113.5"}
        assert (entry.actor_kind, entry.ip) == ("system", "203.0.113.5")
        assert verify_chain(tenant=tenant).ok
    assert not AuditEntry.objects.filter(tenant=other).exists()
