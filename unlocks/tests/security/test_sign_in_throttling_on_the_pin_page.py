"""Sign-in throttling on the PIN page's own sign-in form (/accounts/login/), which counts
together with the admin's: django-axes sees both, since both pass the request to
`authenticate`. A lock holds one email at one address; an address failing for many
emails is locked for everyone at it."""

import pytest
from django.test import Client

from accounts.models import Tenant
from audit.models import AuditEntry

LOGIN = "/accounts/login/"


def sign_in(client, email, password, path=LOGIN, ip="203.0.113.5"):
    return client.post(path, {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_email_even_with_the_right_password(demo):
    client = Client()
    answers = [sign_in(client, "pat@acme.example", "wrong").status_code for _ in range(5)]

    response = sign_in(client, "pat@acme.example", "unlock-demo")

    assert answers[:4] == [200] * 4  # the form again, with its error
    assert answers[4] == 429
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many failed sign-ins" in page
    assert "Wait 15 minutes and try again" in page
    assert "_auth_user_id" not in client.session
    acme = Tenant.objects.get(slug="acme-hvac")
    assert AuditEntry.objects.filter(tenant=acme, action="sign_in_locked").count() == 1


def test_failures_on_the_pin_page_and_the_admin_add_up(demo):
    client = Client()
    for path in [LOGIN, "/admin/login/", LOGIN, "/admin/login/", LOGIN]:
        sign_in(client, "PAT@acme.example", "wrong", path=path, ip="198.51.100.1")

    assert sign_in(client, "pat@acme.example", "unlock-demo", ip="198.51.100.1").status_code == 429


def test_another_admin_of_the_tenant_at_the_same_address_still_signs_in(demo):
    for _ in range(5):
        sign_in(Client(), "pat@acme.example", "wrong", ip="198.51.100.1")

    assert (
        sign_in(Client(), "lee@acme.example", "unlock-demo", ip="198.51.100.1").status_code == 302
    )


def test_an_address_spraying_emails_at_the_pin_page_is_locked(demo, settings):
    client = Client()
    for n in range(settings.SIGN_IN_MAX_FAILURES_PER_ADDRESS):
        sign_in(client, f"someone{n % 10}@acme.example", "wrong", ip="192.0.2.77")

    assert sign_in(client, "pat@acme.example", "unlock-demo", ip="192.0.2.77").status_code == 429
    assert sign_in(client, "pat@acme.example", "unlock-demo", ip="192.0.2.78").status_code == 302


@pytest.mark.parametrize("path", [LOGIN, "/admin/login/"])
def test_a_right_password_before_the_limit_signs_in(demo, path):
    client = Client()
    for _ in range(4):
        sign_in(client, "agent@support.example", "wrong", path=path)

    assert sign_in(client, "agent@support.example", "unlock-demo", path=path).status_code == 302
