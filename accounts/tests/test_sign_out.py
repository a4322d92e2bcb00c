from accounts.tests.factories import UserFactory


def test_it_signs_out_and_says_so(client, db):
    client.force_login(UserFactory())
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain == [("/accounts/signed-out/", 302)]
    assert b"You are signed out" in response.content
    assert "_auth_user_id" not in client.session


def test_it_does_not_sign_out_on_a_get(client, db):
    client.force_login(UserFactory())
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session


def test_the_admin_sign_out_stays_the_admins(admin_client):
    response = admin_client.post("/admin/logout/")
    assert response.status_code == 200
    assert b"signed-out" not in response.content
