from unittest import mock

import pytest
from django.core.management import CommandError, call_command

from accounts.management.commands.set_pin import Command
from accounts.pins import hash_pin, pin_matches
from accounts.tests.factories import TenantFactory, admin_of, member_of
from audit.models import AuditEntry
from core.refusals import Refusal
from notifications.models import OutboxMessage


def run_set_pin(slug, *answers):
    with mock.patch("getpass.getpass", side_effect=list(answers)):
        call_command("set_pin", slug)


def test_it_sets_the_pin_as_a_peppered_argon2_hash(db):
    tenant = TenantFactory(slug="acme", pin_hash="")
    run_set_pin("acme", "483920", "483920")
    tenant.refresh_from_db()
    assert tenant.pin_hash.startswith("argon2$")
    assert "483920" not in tenant.pin_hash
    assert pin_matches(tenant.pin_hash, "483920")
    assert not pin_matches(tenant.pin_hash, "483921")
    assert AuditEntry.objects.filter(tenant=tenant, action="pin_set").exists()


def test_the_hash_is_useless_without_the_pepper(settings):
    pin_hash = hash_pin("4839")
    settings.PIN_PEPPER = "another-pepper"
    assert not pin_matches(pin_hash, "4839")


@pytest.mark.parametrize("pin", ["123", "1234", "12345", "12345678901", "12a456", " 1234", ""])
def test_it_refuses_a_pin_that_is_not_6_to_10_digits(db, pin):
    tenant = TenantFactory(slug="acme", pin_hash="")
    with pytest.raises(CommandError, match="6 to 10 digits"):
        run_set_pin("acme", pin, pin)
    tenant.refresh_from_db()
    assert tenant.pin_hash == ""


@pytest.mark.parametrize(
    ("pin", "why"),
    [
        ("555555", "one digit repeated"),
        ("987654", "a run"),
        ("112233", "counts up or down in steps"),
        ("8675309", "choose most often"),
    ],
)
def test_it_refuses_a_trivial_pin_before_asking_for_it_again(db, pin, why):
    tenant = TenantFactory(slug="acme", pin_hash="")
    with (
        mock.patch("getpass.getpass", side_effect=[pin]) as prompts,
        pytest.raises(CommandError, match=why),
    ):
        call_command("set_pin", "acme")
    assert prompts.call_count == 1
    tenant.refresh_from_db()
    assert tenant.pin_hash == ""


def test_it_says_that_admins_can_set_the_pin_themselves(db, capsys):
    TenantFactory(slug="acme")
    run_set_pin("acme", "583920", "583920")
    assert "can change it themselves, signed in, at /settings/pin/" in capsys.readouterr().out
    assert "/settings/pin/" in Command.help


def test_it_tells_every_admin_of_the_tenant_by_email(db):
    tenant = TenantFactory(slug="acme")
    admin_of(tenant, email="pat@acme.test")
    admin_of(tenant, email="lee@acme.test")
    member_of(tenant, email="dana@acme.test")
    run_set_pin("acme", "583920", "583920")
    told = OutboxMessage.objects.filter(event="pin_set")
    assert sorted(told.values_list("recipient", flat=True)) == ["lee@acme.test", "pat@acme.test"]
    assert all("Support changed the account PIN" in m.body for m in told)


def test_it_refuses_two_different_entries(db):
    TenantFactory(slug="acme")
    with pytest.raises(CommandError, match="differ"):
        run_set_pin("acme", "583920", "583921")


def test_it_names_an_unknown_tenant(db):
    with pytest.raises(CommandError, match="no tenant 'nope'"):
        run_set_pin("nope", "583920", "583920")


def test_setting_a_pin_clears_a_lock(db):
    from django.utils import timezone

    tenant = TenantFactory(slug="acme", pin_locked_until=timezone.now())
    run_set_pin("acme", "583920", "583920")
    tenant.refresh_from_db()
    assert tenant.pin_locked_until is None


def test_validate_pin_rejects_non_strings():
    from accounts.pins import validate_pin

    with pytest.raises(Refusal):
        validate_pin(1234)
