import re

from django.core import mail

from accounts.tests.factories import UserFactory


def test_it_emails_a_reset_link_that_sets_a_new_password(client, db):
    user = UserFactory(email="pat@acme.test")
    response = client.post("/accounts/password-reset/", {"email": "pat@acme.test"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["pat@acme.test"]
    assert message.subject == "Reset your Unlock desk password"
    link = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)

    response = client.get(link, follow=True)
    assert b"Choose a new password" in response.content
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-new-long-passphrase", "new_password2": "a-new-long-passphrase"},
    )
    assert response["Location"] == "/accounts/reset/done/"
    user.refresh_from_db()
    assert user.check_password("a-new-long-passphrase")


def test_it_says_the_same_for_an_unknown_email_and_sends_nothing(client, db):
    response = client.post("/accounts/password-reset/", {"email": "nobody@acme.test"}, follow=True)
    assert b"If that email belongs to an account" in response.content
    assert mail.outbox == []


def test_a_used_or_bad_link_says_to_ask_again(client, db):
    UserFactory(email="pat@acme.test")
    response = client.get("/accounts/reset/MQ/bad-token/")
    assert b"This reset link no longer works" in response.content


def test_the_reset_pages_are_never_cached(client, db):
    for path in ("/accounts/password-reset/", "/accounts/password-reset/sent/"):
        assert "no-store" in client.get(path)["Cache-Control"]
