"""The session cookie and CSRF at sign-in: rotated, HttpOnly, SameSite, token required."""

import re

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from accounts.tests.factories import UserFactory

LOGIN = "/admin/login/"


@pytest.fixture
def staff(db):
    return UserFactory(email="agent@support.test", is_staff=True)


def csrf_token(client):
    page = client.get(LOGIN)
    return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content).group(1).decode()


def test_it_rotates_the_session_key_at_sign_in(staff):
    client = Client(enforce_csrf_checks=True)
    before = SessionStore()
    before["chosen_before_sign_in"] = "x"
    before.create()
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    response = client.post(
        LOGIN,
        {
            "username": staff.email,
            "password": "pw-for-tests-1",
            "csrfmiddlewaretoken": csrf_token(client),
        },
    )

    assert response.status_code == 302
    after = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert after != before.session_key
    assert not SessionStore().exists(before.session_key)
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_the_session_cookie_is_http_only_and_same_site(client, staff):
    client.post(LOGIN, {"username": staff.email, "password": "pw-for-tests-1"})
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_it_refuses_a_sign_in_without_the_csrf_token(staff):
    client = Client(enforce_csrf_checks=True)
    client.get(LOGIN)

    response = client.post(LOGIN, {"username": staff.email, "password": "pw-for-tests-1"})

    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


POST_FORM = re.compile(rb"<form[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S)


@pytest.mark.parametrize(
    "url",
    [
        LOGIN,
        "/admin/password_change/",
        "/admin/auth/group/add/",
    ],
)
def test_every_post_form_carries_a_csrf_token(client, db, url):
    if url != LOGIN:
        client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(url)
    forms = POST_FORM.findall(page.content)
    assert page.status_code == 200 and forms, url
    assert all(b"csrfmiddlewaretoken" in form for form in forms), url
