"""The approval policy page (/settings/approvals/<tenant>/): an admin sets it with their
password (and factor, where they hold one); a loosening waits for another admin, who
approves or withdraws it there."""

from django.test import Client

from accounts.tests.factories import code_now, give_authenticator
from audit.models import AuditEntry
from unlocks.models import PolicyChange

PATH = "/settings/approvals/acme/"
# The factories' password of everyone.
PASSWORD = "pw-for-tests-1"


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def set_it(client, two_from="1000.00", batches=False, password=PASSWORD, **more):
    data = {"action": "set", "two_from": two_from, "password": password, **more}
    if batches:
        data["bypassed_batches"] = "on"
    return client.post(PATH, data)


def test_an_admin_turns_it_on_with_their_password(tenant, pat, lee):
    client = signed_in(pat)

    response = set_it(client)

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000
    html = client.get(PATH).content.decode()
    assert "Unlocks of $1,000.00 or more need two admins" in html
    assert "We emailed the other admins" in html


def test_a_wrong_password_changes_nothing(tenant, pat, lee):
    response = set_it(signed_in(pat), password="not-it")
    assert response.status_code == 400
    assert "That is not your password" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents is None


def test_an_amount_that_is_not_money_is_refused_in_words(tenant, pat, lee):
    response = set_it(signed_in(pat), two_from="a lot")
    assert response.status_code == 400
    assert "Type an amount such as 1000.00." in response.content.decode()


def test_an_admin_with_an_app_gives_its_code_too(tenant, pat, lee):
    give_authenticator(lee)
    client = signed_in(lee)
    assert "Code from your authenticator app" in client.get(PATH).content.decode()
    missing = set_it(client)
    assert missing.status_code == 400
    assert set_it(client, admin_code=code_now(lee)).status_code == 302
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000


def test_switching_it_off_waits_until_another_admin_approves_it(tenant, pat, lee):
    set_it(signed_in(pat))
    asking = signed_in(pat)

    set_it(asking, two_from="")

    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000
    mine = asking.get(PATH).content.decode()
    assert "waits for another admin" in mine and "You asked for it" in mine
    change = PolicyChange.objects.get()
    other = signed_in(lee)
    assert "Approve the change" in other.get(PATH).content.decode()

    response = other.post(PATH, {"action": "approve", "change": change.pk, "password": PASSWORD})

    assert response.status_code == 302
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents is None
    assert AuditEntry.objects.filter(action="approval_policy_set").count() == 2


def test_the_admin_who_asked_cannot_approve_it_by_posting_anyway(tenant, pat, lee):
    set_it(signed_in(pat))
    client = signed_in(pat)
    set_it(client, two_from="")
    change = PolicyChange.objects.get()

    response = client.post(PATH, {"action": "approve", "change": change.pk, "password": PASSWORD})

    assert response.status_code == 409
    assert "another admin of the account must approve it" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents == 100000


def test_a_member_is_refused_and_another_tenants_admin_finds_nothing(tenant, pat, dana, sam):
    assert signed_in(dana).get(PATH).status_code == 403
    assert set_it(signed_in(dana)).status_code == 403
    assert signed_in(sam).get(PATH).status_code == 404
    assert set_it(signed_in(sam)).status_code == 404
    tenant.refresh_from_db()
    assert tenant.two_approvers_from_cents is None
