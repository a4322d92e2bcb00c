"""accounts.services.set_pin: the one door that changes an account PIN."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role
from accounts.pins import hash_pin, pin_matches
from accounts.services import set_pin
from accounts.tests.factories import PIN, TenantFactory, admin_of, member_of
from audit.actors import Actor
from audit.models import AuditEntry
from audit.selectors import verify_chain
from core.refusals import Refusal
from notifications.models import OutboxMessage


def by(user):
    return Actor.for_user(user, ip="203.0.113.7", user_agent="pytest")


def change(tenant, admin, pin="583920"):
    return set_pin(tenant=tenant, pin=pin, actor=by(admin), admin=admin)


def test_it_replaces_the_pin(tenant, pat):
    change(tenant, pat)
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, "583920")
    assert not pin_matches(tenant.pin_hash, PIN)
    assert tenant.pin_set_at is not None


@pytest.mark.parametrize(
    ("pin", "code"),
    [
        ("4839", "pin_format"),
        ("12345678901", "pin_format"),
        ("99999x", "pin_format"),
        ("222222", "pin_repeated"),
        ("345678", "pin_run"),
        ("876543", "pin_run"),
        ("8675309", "pin_common"),
        ("159753", "pin_keypad"),
        ("101010", "pin_repeated_block"),
    ],
)
def test_it_refuses_a_pin_that_breaks_a_rule_and_changes_nothing(tenant, pat, lee, pin, code):
    before = tenant.pin_hash
    with pytest.raises(Refusal) as refused:
        change(tenant, pat, pin=pin)
    assert refused.value.code == code
    tenant.refresh_from_db()
    assert tenant.pin_hash == before
    assert not AuditEntry.objects.filter(action="pin_set").exists()
    assert not OutboxMessage.objects.exists()


def test_it_audits_the_change_with_the_admin_as_actor_and_never_the_pin(tenant, pat, lee):
    change(tenant, pat)
    entry = AuditEntry.objects.get(tenant=tenant, action="pin_set")
    assert (entry.actor_kind, entry.actor_label, entry.actor_user_id) == (
        "tenant_user",
        "pat@acme.test",
        pat.pk,
    )
    assert (entry.ip, entry.user_agent) == ("203.0.113.7", "pytest")
    assert entry.data == {"first": False, "told": ["lee@acme.test"]}
    tenant.refresh_from_db()
    assert "583920" not in str(entry.__dict__)
    assert verify_chain(tenant=tenant).ok


def test_it_clears_the_failure_window_and_the_lock(tenant, pat):
    now = timezone.now()
    tenant.pin_failure_times = [now.isoformat()] * 3
    tenant.pin_locked_until = now + timedelta(minutes=10)
    tenant.save()
    change(tenant, pat)
    tenant.refresh_from_db()
    assert tenant.pin_failure_times == []
    assert tenant.pin_locked_until is None


def test_it_emails_every_other_admin_and_no_member(tenant, pat, lee):
    third = admin_of(tenant, email="sky@acme.test", full_name="Sky Ito")
    member_of(tenant, email="dana@acme.test")
    gone = admin_of(tenant, email="old@acme.test")
    gone.is_active = False
    gone.save()

    change(tenant, pat)

    emails = OutboxMessage.objects.filter(event="pin_set").order_by("recipient")
    assert [m.recipient for m in emails] == [lee.email, third.email]
    assert len({m.event_id for m in emails}) == 1
    lees = emails[0]
    assert lees.subject == "Acme: the account PIN was changed"
    tenant.refresh_from_db()
    at = tenant.pin_set_at
    assert (
        f"Pat Morgan (pat@acme.test) changed the account PIN of Acme on {at:%Y-%m-%d} at "
        f"{at:%H:%M} UTC." in lees.body
    )
    assert "If this was not expected, ask Pat first." in lees.body
    assert f"{settings.SITE_URL}/settings/pin/acme/" in lees.body
    assert lees.body.startswith("Hello Lee,")
    for message in emails:
        assert "583920" not in message.body + message.html + message.subject


def test_a_first_pin_says_set_rather_than_changed(pat, lee):
    tenant = TenantFactory(slug="fresh", name="Fresh", pin_hash="")
    admin_of(tenant, email="pat@fresh.test", full_name="Pat Fresh")
    other = admin_of(tenant, email="lee@fresh.test")
    set_pin(tenant=tenant, pin="583920", actor=Actor.system("onboarding"))
    message = OutboxMessage.objects.get(recipient=other.email)
    assert message.subject == "Fresh: the account PIN was set"
    assert "Support set the account PIN of Fresh" in message.body
    assert AuditEntry.objects.get(tenant=tenant, action="pin_set").data["first"] is True


def test_an_only_admin_is_told_nothing_and_the_change_still_audited(tenant, pat):
    change(tenant, pat)
    assert not OutboxMessage.objects.exists()
    assert AuditEntry.objects.get(action="pin_set").data["told"] == []


@pytest.mark.parametrize("who", ["member", "other tenant's admin", "demoted", "inactive"])
def test_it_refuses_anyone_who_is_not_an_admin_of_the_tenant_now(tenant, pat, who):
    person = {
        "member": lambda: member_of(tenant, email="dana@acme.test"),
        "other tenant's admin": lambda: admin_of(TenantFactory(slug="birch")),
        "demoted": lambda: pat,
        "inactive": lambda: pat,
    }[who]()
    if who == "demoted":
        pat.memberships.update(role=Role.MEMBER)
    if who == "inactive":
        pat.is_active = False
        pat.save()
    before = tenant.pin_hash
    with pytest.raises(Refusal) as refused:
        change(tenant, person)
    assert refused.value.code == "not_tenant_admin"
    tenant.refresh_from_db()
    assert tenant.pin_hash == before
    assert not AuditEntry.objects.filter(action="pin_set").exists()
    assert not OutboxMessage.objects.exists()


def test_an_existing_shorter_pin_keeps_working_until_changed(tenant, pat):
    tenant.pin_hash = hash_pin("4839")
    tenant.save()
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, "4839")
    change(tenant, pat)
    tenant.refresh_from_db()
    assert not pin_matches(tenant.pin_hash, "4839")


def test_it_locks_the_tenant_for_no_key_update_and_writes_in_a_fixed_number_of_statements(
    tenant, pat, lee
):
    change(tenant, pat, pin="583920")
    with CaptureQueriesContext(connection) as queries:
        change(tenant, pat, pin="583921")
    sql = [q["sql"] for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    # The tenant's row locked first (the lock order of unlocks/services/__init__.py), its admins,
    # its update, the outbox, then the chain head, the entry and the head's update.
    assert sql[0].startswith('SELECT "accounts_tenant"')
    if connection.vendor == "postgresql":
        assert sql[0].endswith("FOR NO KEY UPDATE")
    assert len(sql) == 7, sql
