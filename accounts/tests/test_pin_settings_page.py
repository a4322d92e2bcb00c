"""/settings/pin/: a tenant's admins set or change the account PIN themselves."""

from unittest import mock

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.views.debug import SafeExceptionReporterFilter

from accounts import views
from accounts.models import Tenant
from accounts.pins import pin_matches
from accounts.tests.factories import PIN, TenantFactory, UserFactory, admin_of
from audit.models import AuditEntry
from notifications.models import OutboxMessage

PASSWORD = "pw-for-tests-1"  # the factories' password
PAGE = "/settings/pin/acme/"


def signed_in(user):
    client = Client(REMOTE_ADDR="203.0.113.9")
    client.force_login(user)
    return client


def change(client, password=PASSWORD, pin="583920", again=None, path=PAGE):
    return client.post(
        path,
        {"password": password, "new_pin": pin, "new_pin_again": pin if again is None else again},
    )


def test_it_sends_a_visitor_to_sign_in(client, tenant):
    for path in ("/settings/pin/", PAGE):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"] == f"/accounts/login/?next={path}"


def test_an_admin_of_one_tenant_goes_straight_to_its_page(pat):
    response = signed_in(pat).get("/settings/pin/")
    assert response.status_code == 302
    assert response["Location"] == PAGE


def test_an_admin_of_several_tenants_chooses_which_one(pat, sam):
    birch = Tenant.objects.get(slug="birch")
    admin_of_both = pat
    admin_of_both.memberships.create(tenant=birch, role="admin")
    response = signed_in(admin_of_both).get("/settings/pin/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/settings/pin/acme/"' in page and 'href="/settings/pin/birch/"' in page
    assert signed_in(admin_of_both).get("/settings/pin/birch/").status_code == 200


def test_the_page_shows_the_rules_and_a_form_that_writes_nothing_back(pat, lee):
    response = signed_in(pat).get(PAGE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert "6 to 10 digits" in page
    assert "not one digit repeated" in page
    assert "not a run of digits up or down (123456, 987654)" in page
    assert "not one of the PINs people choose most often" in page
    assert "We email Lee Chen to say that you changed it" in page
    assert page.count('type="password"') == 3
    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2


def test_an_admin_changes_the_pin(pat, lee, tenant):
    client = signed_in(pat)
    response = change(client)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, "583920")
    page = client.get(PAGE).content.decode()
    assert "The account PIN of Acme is changed: the new one works from now on." in page
    assert "We emailed Lee Chen to say so." in page
    entry = AuditEntry.objects.get(tenant=tenant, action="pin_set")
    assert (entry.actor_label, entry.ip) == ("pat@acme.test", "203.0.113.9")
    assert list(OutboxMessage.objects.values_list("recipient", flat=True)) == ["lee@acme.test"]


def test_it_sets_a_first_pin(db):
    fresh = TenantFactory(slug="fresh", name="Fresh", pin_hash="")
    admin = admin_of(fresh, email="kit@fresh.test")
    client = signed_in(admin)
    page = client.get("/settings/pin/fresh/").content.decode()
    assert "has no PIN yet" in page and "Set the PIN" in page
    assert change(client, path="/settings/pin/fresh/").status_code == 302
    fresh.refresh_from_db()
    assert pin_matches(fresh.pin_hash, "583920")


@pytest.mark.parametrize(
    ("pin", "why"),
    [
        ("48392", "must be 6 to 10 digits"),
        ("333333", "one digit repeated"),
        ("456789", "a run of digits"),
        ("121212", "repeats the same few digits"),
        ("8675309", "one of the PINs people choose most often"),
        # What an attack set here before the patterns were refused.
        ("010101", "repeats the same few digits"),
        ("000001", "one digit away from a digit repeated or a run"),
        ("123321", "reads the same backwards"),
        ("147258", "follows lines of the keypad"),
        ("246810", "counts up or down in steps"),
        ("199001", "reads as a date"),
    ],
)
def test_a_pin_that_breaks_a_rule_is_refused_with_the_reason(pat, tenant, pin, why):
    response = change(signed_in(pat), pin=pin)
    assert response.status_code == 400
    page = response.content.decode()
    assert why in page
    assert f'value="{pin}"' not in page and PASSWORD not in page
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)
    assert not AuditEntry.objects.filter(action="pin_set").exists()


def test_two_different_pins_are_refused(pat, tenant):
    response = change(signed_in(pat), pin="583920", again="583921")
    assert response.status_code == 400
    assert b"The two PINs differ" in response.content
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)


def test_a_wrong_password_is_refused_and_counts_as_a_failed_sign_in(pat, tenant):
    response = change(signed_in(pat), password="not-it")
    assert response.status_code == 400
    assert b"That is not your password" in response.content
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == (
        "pat@acme.test",
        "203.0.113.9",
        1,
    )


def test_five_wrong_passwords_lock_it_out_like_the_sign_in_page(pat, tenant):
    client = signed_in(pat)
    answers = [change(client, password="not-it").status_code for _ in range(5)]
    assert answers == [400, 400, 400, 400, 429]

    # The right password now: still locked, here and on the sign-in page, and audited.
    response = change(client)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.content
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)
    sign_in = Client(REMOTE_ADDR="203.0.113.9").post(
        "/accounts/login/", {"username": "pat@acme.test", "password": PASSWORD}
    )
    assert sign_in.status_code == 429
    assert AuditEntry.objects.filter(tenant=tenant, action="sign_in_locked").count() == 1


def test_failures_here_and_on_the_sign_in_page_add_up(pat, tenant):
    for _ in range(4):
        Client(REMOTE_ADDR="203.0.113.9").post(
            "/accounts/login/", {"username": "pat@acme.test", "password": "not-it"}
        )
    assert change(signed_in(pat), password="not-it").status_code == 429


def test_the_password_and_pins_are_hidden_from_error_reports(pat):
    seen = {}
    real = views._is_their_password

    def spy(request, password):
        seen.update(SafeExceptionReporterFilter().get_post_parameters(request).dict())
        return real(request, password)

    with mock.patch.object(views, "_is_their_password", spy):
        change(signed_in(pat))
    assert {seen[k] for k in ("password", "new_pin", "new_pin_again")} == {"********************"}


def test_a_member_gets_403_naming_the_admins(pat, lee, dana, tenant):
    for path in ("/settings/pin/", PAGE):
        response = signed_in(dana).get(path)
        assert response.status_code == 403, path
        assert (
            b"Only its admins can set or change its account PIN: ask Lee Chen or Pat Morgan."
            in (response.content)
        )
        assert b'name="new_pin"' not in response.content
    response = change(signed_in(dana))
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)


def test_an_admin_demoted_while_the_page_was_open_is_refused_by_the_service(pat, lee, tenant):
    client = signed_in(pat)
    with mock.patch.object(views, "membership_of", return_value=pat.memberships.get()):
        pat.memberships.update(role="member")
        response = change(client)
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)


def test_another_tenants_admin_and_staff_get_404(sam, pat, tenant):
    staff = UserFactory(is_staff=True)
    for user in (sam, staff):
        for response in (signed_in(user).get(PAGE), change(signed_in(user))):
            assert response.status_code == 404
            assert b"Acme" not in response.content
    assert signed_in(pat).get("/settings/pin/no-such-tenant/").status_code == 404
    tenant.refresh_from_db()
    assert pin_matches(tenant.pin_hash, PIN)


def test_someone_of_no_tenant_is_told_so(db):
    response = signed_in(UserFactory(is_staff=True)).get("/settings/pin/")
    assert response.status_code == 403
    assert b"You are not an admin of any customer account" in response.content


def test_the_new_pin_field_says_the_length_the_rules_require(pat, settings):
    from accounts.pins import NEW_PIN_MAX_DIGITS, NEW_PIN_MIN_DIGITS

    page = signed_in(pat).get(PAGE).content.decode()

    help_text = page.split('id="id_new_pin_helptext"')[1].split("</div>")[0]
    assert f"{NEW_PIN_MIN_DIGITS} to {NEW_PIN_MAX_DIGITS} digits" in help_text
    assert 'aria-describedby="id_new_pin_helptext"' in page
    assert "4 to 10" not in page


def test_a_pin_too_short_is_refused_with_the_same_length(pat):
    response = change(signed_in(pat), pin="5839")
    assert response.status_code == 400
    assert "A new account PIN must be 6 to 10 digits" in response.content.decode()
