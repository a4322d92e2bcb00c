from django.core import signing

from accounts.tests.factories import UserFactory
from audit.models import AuditEntry
from unlocks.links import SALT, approval_token
from unlocks.tests.pages.conftest import approval, approve_path


def test_a_member_sees_a_clear_refusal_and_no_form(client, member, admin, unlock):
    client.force_login(member)
    response = client.get(approve_path(unlock))
    assert response.status_code == 403
    page = response.content.decode()
    # The heading says the refusal, not "Approve an unlock".
    assert "<h1>Only an admin of Acme can approve this unlock</h1>" in page
    assert "<title>Only an admin of Acme can approve this unlock" in page
    assert "signed in as dana@acme.test, who is not an admin of Acme now" in page
    # Whom to ask, by name.
    assert f"<strong>{admin.get_full_name()}</strong>" in page
    assert 'name="pin"' not in page
    assert "Approve and unlock" not in page


def test_a_member_who_posts_anyway_is_refused_by_the_service(client, member, unlock, batch):
    client.force_login(member)
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 403
    assert b"is not an admin of Acme now" in response.content
    assert b"<h1>Only an admin of Acme can approve this unlock</h1>" in response.content
    unlock.refresh_from_db()
    batch.refresh_from_db()
    assert unlock.status == "pending" and batch.state == "bypassed"
    entry = AuditEntry.objects.filter(request_id=unlock.pk).last()
    assert (entry.action, entry.code) == ("verify_refused", "not_tenant_admin")


def test_an_admin_demoted_since_the_link_was_sent_is_refused(client, admin, unlock):
    admin.memberships.update(role="member")
    client.force_login(admin)
    response = client.get(approve_path(unlock))
    assert response.status_code == 403
    assert b"is not an admin of Acme now" in response.content


def test_an_admin_of_another_tenant_gets_404(client, other_admin, unlock):
    client.force_login(other_admin)
    assert client.get(approve_path(unlock)).status_code == 404
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 404
    assert b"We cannot find that approval link" in response.content
    unlock.refresh_from_db()
    assert unlock.status == "pending"


def test_support_staff_get_404_on_the_tenant_page(client, unlock):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(approve_path(unlock)).status_code == 404


def test_a_forged_token_gets_404(client, admin, unlock):
    client.force_login(admin)
    token = approval_token(unlock)
    assert client.get(f"/approve/{token[:-2]}xx/").status_code == 404
    assert client.get("/approve/not-a-token/").status_code == 404


def test_a_token_naming_no_request_gets_404(client, admin):
    client.force_login(admin)
    token = signing.dumps("6f1c7d52-0000-4000-8000-000000000000", salt=SALT)
    assert client.get(f"/approve/{token}/").status_code == 404
    assert client.get(f"/approve/{signing.dumps('junk', salt=SALT)}/").status_code == 404


def test_it_rejects_other_methods(client, admin, unlock):
    client.force_login(admin)
    assert client.put(approve_path(unlock)).status_code == 405
