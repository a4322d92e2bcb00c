from accounts.tests.factories import UserFactory


def test_it_shows_a_labelled_email_and_password_form(client, db):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<label for="id_username">Email</label>' in page
    assert 'type="email"' in page and 'autocomplete="email"' in page
    assert '<label for="id_password">Password</label>' in page
    assert "no-store" in response["Cache-Control"]


def test_it_signs_a_tenant_admin_in_and_goes_to_their_requests(client, pat):
    response = client.post(
        "/accounts/login/", {"username": "PAT@acme.test", "password": "pw-for-tests-1"}
    )
    assert response.status_code == 302
    # Through the front door, which sends an admin to their requests.
    assert response["Location"] == "/"
    assert client.get("/")["Location"] == "/requests/"
    assert client.session["_auth_user_id"] == str(pat.pk)


def test_a_wrong_password_says_what_to_do_next(client, db):
    UserFactory(email="pat@acme.test")
    response = client.post("/accounts/login/", {"username": "pat@acme.test", "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That email and password do not match an account" in page
    assert "nope" not in page
    assert "_auth_user_id" not in client.session


def test_it_never_sends_anyone_to_another_site_after_sign_in(client, db):
    UserFactory(email="pat@acme.test")
    response = client.post(
        "/accounts/login/",
        {"username": "pat@acme.test", "password": "pw-for-tests-1", "next": "https://evil.test/"},
    )
    assert response["Location"] == "/"
