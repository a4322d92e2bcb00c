"""Support staff sign in with a second factor where STAFF_MFA_REQUIRED is on: a password
alone reaches only the second-factor pages, never the console or the API by session."""

import re
from binascii import unhexlify

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import factors
from accounts.apps import ensure_support_group
from accounts.models import SecurityAction, SecurityEvent
from accounts.services import add_authenticator_app
from accounts.tests.factories import UserFactory
from audit.actors import Actor

PASSWORD = "pw-for-tests-1"
IP = "203.0.113.7"


@pytest.fixture(autouse=True)
def _required(settings):
    settings.STAFF_MFA_REQUIRED = True
    # Each wrong code's wait on the factor is tested on its own, below.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


@pytest.fixture
def agent(db):
    user = UserFactory(email="avery@support.test", is_staff=True)
    user.groups.add(ensure_support_group())
    return user


def code_for(key_hex, offset=0):
    clock = TOTP(unhexlify(key_hex))
    clock.time += offset
    return f"{clock.token():06d}"


def enrol(user):
    """Give `user` an authenticator app; returns its key and their recovery codes."""
    key = factors.new_totp_key()
    codes = add_authenticator_app(
        user=user, key=key, code=code_for(key), verified=False, actor=Actor.system()
    )
    # The code that proved the app is spent; the next one is the one after it.
    return key, codes


def next_code(user):
    device = TOTPDevice.objects.get(user=user)
    clock = TOTP(device.bin_key)
    clock.time += 30 * (device.last_t + 1 - clock.t())
    return f"{clock.token():06d}"


def signed_in(user):
    client = Client(REMOTE_ADDR=IP)
    response = client.post(
        "/admin/login/", {"username": user.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    return client


def give_code(client, code, next_url="/admin/"):
    return client.post("/accounts/second-factor/", {"code": code, "next": next_url})


def test_a_password_alone_reaches_the_setup_page_not_the_console(agent):
    client = signed_in(agent)

    for path in ["/admin/", "/admin/unlocks/unlockrequest/", "/admin/audit/auditentry/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/settings/second-factor/app/?next=")
    assert client.get("/settings/second-factor/app/").status_code == 200


def test_a_password_alone_gets_no_api_answer_by_session(agent):
    client = signed_in(agent)

    response = client.get("/api/v1/consent/")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "sign_in_incomplete"
    assert "/accounts/second-factor/" in error["message"]


def test_an_api_key_is_not_concerned(demo, settings):
    from unlocks.management.commands.seed_demo import DEMO_API_KEY

    response = Client().get("/api/v1/consent/", HTTP_AUTHORIZATION=f"Token {DEMO_API_KEY}")
    assert response.status_code == 200


def test_a_staff_member_with_an_app_is_sent_to_the_second_factor_page(agent):
    enrol(agent)
    client = signed_in(agent)

    response = client.get("/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/second-factor/?next=%2Fadmin%2F"
    # Nor may a password alone add another factor.
    assert client.get("/settings/second-factor/app/")["Location"].startswith(
        "/accounts/second-factor/"
    )


def test_it_sets_up_an_app_with_a_qr_code_and_the_secret_then_shows_recovery_codes(agent):
    client = signed_in(agent)
    page = client.get("/settings/second-factor/app/").content.decode()
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r"data-secret>([A-Z2-7 ]+)<", page).group(1).replace(" ", "")
    key = client.session["second_factor_setup_key"]
    from base64 import b32encode

    assert b32encode(unhexlify(key)).decode() == secret

    response = client.post("/settings/second-factor/app/", {"code": code_for(key)})

    assert response.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(codes) == 10
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=agent).values_list("token", flat=True)
    )
    assert TOTPDevice.objects.get(user=agent).confirmed
    # Setting it up proved it: this session reaches the console now.
    assert client.get("/admin/").status_code == 200
    assert SecurityEvent.objects.filter(
        email=agent.email, action=SecurityAction.FACTOR_ADDED, factor="totp"
    ).exists()
    # Shown once: the page they came from does not show them again.
    assert codes[0] not in client.get("/settings/second-factor/").content.decode()


def test_a_wrong_setup_code_keeps_nothing(agent):
    client = signed_in(agent)
    client.get("/settings/second-factor/app/")

    response = client.post("/settings/second-factor/app/", {"code": "000000"})

    assert response.status_code == 400
    assert b"That code does not match" in response.content
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert client.get("/admin/").status_code == 302


def test_it_signs_in_with_the_authenticator_code(agent):
    enrol(agent)
    client = signed_in(agent)

    response = give_code(client, next_code(agent))

    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/api/v1/consent/").status_code == 200
    passed = SecurityEvent.objects.get(action=SecurityAction.SECOND_FACTOR_PASSED)
    assert (passed.email, passed.factor, passed.ip, passed.is_staff) == (
        agent.email,
        "totp",
        IP,
        True,
    )


def test_every_sign_in_is_recorded_with_its_factors(agent):
    enrol(agent)
    client = signed_in(agent)
    give_code(client, next_code(agent))

    steps = list(
        SecurityEvent.objects.filter(email=agent.email)
        .order_by("id")
        .values_list("action", "factor")
    )

    assert steps[-2:] == [
        (SecurityAction.SIGNED_IN, "password"),
        (SecurityAction.SECOND_FACTOR_PASSED, "totp"),
    ]


def test_a_code_works_once(agent):
    enrol(agent)
    code = next_code(agent)
    give_code(signed_in(agent), code)

    again = signed_in(agent)
    response = give_code(again, code)

    assert response.status_code == 400
    assert again.get("/admin/").status_code == 302


def test_a_recovery_code_signs_in_once(agent):
    _, codes = enrol(agent)

    first = signed_in(agent)
    assert give_code(first, codes[0].upper()).status_code == 302
    assert first.get("/admin/").status_code == 200
    assert StaticToken.objects.filter(device__user=agent).count() == 9

    second = signed_in(agent)
    assert give_code(second, codes[0]).status_code == 400
    assert second.get("/admin/").status_code == 302
    assert SecurityEvent.objects.filter(
        action=SecurityAction.SECOND_FACTOR_PASSED, factor="recovery_code"
    ).exists()


def test_a_wrong_code_says_what_to_do(agent):
    enrol(agent)
    client = signed_in(agent)

    response = give_code(client, "123456" if next_code(agent) != "123456" else "654321")

    assert response.status_code == 400
    page = response.content.decode()
    assert "That code is not right" in page and "recovery code" in page
    assert SecurityEvent.objects.filter(action=SecurityAction.SECOND_FACTOR_FAILED).count() == 1


def wrong(agent):
    right = next_code(agent)
    return "000000" if right != "000000" else "111111"


def test_five_wrong_codes_lock_signing_in_out(agent):
    enrol(agent)
    client = signed_in(agent)

    for _ in range(4):
        assert give_code(client, wrong(agent)).status_code == 400
    locked = give_code(client, wrong(agent))

    assert locked.status_code == 429
    assert b"Too many failed sign-ins" in locked.content
    # Signed out, and the right password is refused while the lock holds.
    assert client.get("/admin/").status_code == 302
    response = Client(REMOTE_ADDR=IP).post(
        "/admin/login/", {"username": agent.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 429


def test_wrong_codes_and_wrong_passwords_add_up(agent):
    enrol(agent)
    client = signed_in(agent)
    for _ in range(3):
        assert give_code(client, wrong(agent)).status_code == 400

    for _ in range(2):
        response = Client(REMOTE_ADDR=IP).post(
            "/admin/login/", {"username": agent.email, "password": "nope", "next": "/admin/"}
        )

    assert response.status_code == 429


def test_a_locked_out_sign_in_checks_no_code(agent):
    enrol(agent)
    client = signed_in(agent)
    for _ in range(5):
        give_code(client, wrong(agent))
    client = Client(REMOTE_ADDR=IP)
    client.force_login(agent)

    response = give_code(client, next_code(agent))

    assert response.status_code == 429
    assert client.get("/admin/").status_code == 302


def test_each_try_after_a_wrong_code_waits_longer_on_the_factor(agent, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    enrol(agent)
    client = signed_in(agent)
    give_code(client, wrong(agent))

    # Signing in again with the password does not lift the factor's wait.
    again = signed_in(agent)
    response = give_code(again, next_code(agent))

    assert response.status_code == 400
    assert b"Wait until" in response.content
    assert again.get("/admin/").status_code == 302


def test_a_support_lead_resets_an_agents_factors(agent):
    enrol(agent)
    lead = UserFactory(email="lou@support.test", is_staff=True, is_superuser=True)
    enrol(lead)
    client = signed_in(lead)
    give_code(client, next_code(lead))

    response = client.post(
        "/admin/accounts/user/",
        {"action": "reset_factors", "_selected_action": [agent.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=agent).exists()
    assert not StaticToken.objects.filter(device__user=agent).exists()
    reset = SecurityEvent.objects.get(action=SecurityAction.FACTORS_RESET)
    assert (reset.email, reset.by, reset.data["had"]) == (
        agent.email,
        lead.email,
        ["recovery_code", "totp"],
    )
    # At the next sign-in the agent sets one up again.
    assert signed_in(agent).get("/admin/")["Location"].startswith("/settings/second-factor/app/")


def test_an_agent_may_not_reset_factors(agent):
    other = UserFactory(email="casey@support.test", is_staff=True)
    enrol(other)
    enrol(agent)
    client = signed_in(agent)
    give_code(client, next_code(agent))
    agent.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )

    client.post(
        "/admin/accounts/user/", {"action": "reset_factors", "_selected_action": [other.pk]}
    )

    assert TOTPDevice.objects.filter(user=other).exists()


def test_a_reset_ends_the_verified_session(agent):
    enrol(agent)
    client = signed_in(agent)
    give_code(client, next_code(agent))
    from accounts.services import reset_second_factors

    reset_second_factors(user=agent, actor=Actor.system())

    assert client.get("/admin/").status_code == 302


def test_with_the_setting_off_a_password_reaches_the_console(agent, settings):
    settings.STAFF_MFA_REQUIRED = False

    assert signed_in(agent).get("/admin/").status_code == 200


def test_security_events_are_append_only(agent):
    event = SecurityEvent.objects.create(email=agent.email, action=SecurityAction.SIGNED_IN)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        SecurityEvent.objects.all().delete()
