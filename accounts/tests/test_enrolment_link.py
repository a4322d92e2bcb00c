"""In production a staff member's first second factor is set up only through a single-use
link emailed to their own address, never with the password alone (issue "Hardening found
by attack", finding 4): whoever learns a new colleague's password cannot make their own
phone that colleague's second factor."""

import re
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django_otp.oath import TOTP

from accounts.models import EnrolmentLink, SecurityAction, SecurityEvent, User
from accounts.services import send_enrolment_link
from accounts.tests.factories import UserFactory
from audit.actors import Actor

PASSWORD = "pw-for-tests-1"
SETUP = "/settings/second-factor/app/"


@pytest.fixture(autouse=True)
def _as_in_production(settings):
    settings.STAFF_MFA_REQUIRED = True
    settings.STAFF_ENROLMENT_BY_LINK = True


@pytest.fixture
def signed_in(agent):
    """The new agent, signed in with their password alone."""
    client = Client()
    assert client.login(username=agent.email, password=PASSWORD)
    return client


def link_in_the_email(django_capture_on_commit_callbacks, user, by="a lead"):
    with django_capture_on_commit_callbacks(execute=True):
        send_enrolment_link(user=user, actor=Actor.system(by))
    [email] = [m for m in mail.outbox if m.to == [user.email]][-1:]
    return re.search(r"https?://\S+/accounts/enrol/\S+/", email.body).group(0)


def path_of(url):
    return urlsplit(url).path


def confirm_an_app(client):
    page = client.get(SETUP).content.decode()
    secret = re.search(r"data-secret>([^<]+)<", page).group(1).replace(" ", "")
    code = f"{TOTP(b32decode(secret)).token():06d}"
    return client.post(SETUP, {"code": code})


def test_a_password_alone_does_not_set_up_a_first_factor(signed_in, agent):
    page = signed_in.get(SETUP)

    assert page.status_code == 403
    text = page.content.decode()
    assert "Set up your second factor from your email" in text
    assert "data-secret" not in text and "data-qr" not in text
    begin = signed_in.post("/settings/second-factor/passkeys/begin/")
    assert begin.status_code == 403
    assert begin.json()["error"]["code"] == "enrolment_link_required"
    assert not agent.totpdevice_set.exists()


def test_the_emailed_link_opened_signed_in_lets_them_set_one_up(
    signed_in, agent, django_capture_on_commit_callbacks
):
    url = link_in_the_email(django_capture_on_commit_callbacks, agent)

    opened = signed_in.get(path_of(url))

    assert opened.status_code == 302 and opened["Location"] == SETUP
    assert confirm_an_app(signed_in).status_code == 200
    assert agent.totpdevice_set.filter(confirmed=True).exists()
    actions = set(SecurityEvent.objects.filter(user_id=agent.pk).values_list("action", flat=True))
    assert {SecurityAction.ENROLMENT_LINK_SENT, SecurityAction.ENROLMENT_LINK_USED} <= actions


def test_the_link_works_once_only_for_its_person_and_for_a_day(
    signed_in, agent, django_capture_on_commit_callbacks, clock
):
    url = link_in_the_email(django_capture_on_commit_callbacks, agent)
    other = UserFactory(email="eve@support.test", is_staff=True)
    eve = Client()
    assert eve.login(username=other.email, password=PASSWORD)

    # Someone else's session: refused, and the link still works for its person.
    assert eve.get(path_of(url)).status_code == 403
    clock.move(hours=25)
    late = signed_in.get(path_of(url))
    assert late.status_code == 403
    assert "no longer works" in late.content.decode()


def test_a_new_link_ends_the_old_one(signed_in, agent, django_capture_on_commit_callbacks):
    old = link_in_the_email(django_capture_on_commit_callbacks, agent)
    new = link_in_the_email(django_capture_on_commit_callbacks, agent)

    assert signed_in.get(path_of(old)).status_code == 403
    assert signed_in.get(path_of(new)).status_code == 302
    assert signed_in.get(path_of(new)).status_code == 403  # used


def test_a_lead_sends_one_from_the_admin_and_a_new_staff_account_gets_one(
    superuser_client, django_capture_on_commit_callbacks, settings
):
    # The lead's own second factor is not what this is about.
    settings.STAFF_MFA_REQUIRED = False
    person = UserFactory(email="new@support.test", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            "/admin/accounts/user/",
            {"action": "send_enrolment_links", "_selected_action": [person.pk]},
        )
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["new@support.test"]]
    assert EnrolmentLink.objects.filter(user=person, used_at__isnull=True).count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            "/admin/accounts/user/add/",
            {
                "email": "hired@support.test",
                "password1": "a-long-pass-123!",
                "password2": "a-long-pass-123!",
            },
        )
    hired = User.objects.get(email="hired@support.test")
    # Not staff yet: no link.
    assert not EnrolmentLink.objects.filter(user=hired).exists()
    # Made staff on its change page: a link goes out then.
    with django_capture_on_commit_callbacks(execute=True):
        superuser_client.post(
            f"/admin/accounts/user/{hired.pk}/change/",
            {"email": hired.email, "full_name": "Hi Red", "is_active": "on", "is_staff": "on",
             "date_joined_0": "2026-12-05", "date_joined_1": "10:00:00",
             "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"},
        )  # fmt: skip
    assert User.objects.get(pk=hired.pk).is_staff
    assert EnrolmentLink.objects.filter(user=hired, used_at__isnull=True).count() == 1
    assert mail.outbox[-1].to == ["hired@support.test"]


def test_outside_production_a_password_still_sets_one_up(signed_in, settings):
    settings.STAFF_ENROLMENT_BY_LINK = False
    assert signed_in.get(SETUP).status_code == 200
