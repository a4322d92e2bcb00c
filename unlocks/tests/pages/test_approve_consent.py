from unlocks.models import ConsentText
from unlocks.tests.pages.conftest import approval, approve_path


def test_consent_not_ticked_is_an_error_on_the_checkbox(client, admin, unlock, batch):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock, consent_accepted=None))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_consent_accepted_error"' in page
    assert "Tick that you accept the consent text" in page
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_a_consent_text_changed_while_the_page_was_open_is_shown_and_asked_again(
    client, admin, unlock, batch
):
    client.force_login(admin)
    client.get(approve_path(unlock))
    ConsentText.objects.create(version=2, text="Version two of the consent, word for word.")
    response = client.post(approve_path(unlock), approval(unlock, consent_version=1))
    assert response.status_code == 409
    page = response.content.decode()
    assert "Version two of the consent, word for word." in page
    assert "The consent text changed while this page was open" in page
    assert 'name="consent_version" value="2"' in page
    assert "checked" not in page.split('name="consent_accepted"')[1].split(">")[0]
    batch.refresh_from_db()
    assert batch.state == "bypassed"

    response = client.post(approve_path(unlock), approval(unlock, consent_version=2))
    assert response.status_code == 302
    unlock.refresh_from_db()
    assert unlock.consent_version == 2


def test_duplicate_risk_not_acknowledged_is_an_error_on_its_checkbox(client, admin, unlock):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock, duplicate_risk_acknowledged=None))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_duplicate_risk_acknowledged_error"' in page
    assert "add the items by hand in QuickBooks instead" in page
    unlock.refresh_from_db()
    assert unlock.status == "pending"


def test_a_mangled_consent_version_shows_the_current_text_and_asks_again(client, admin, unlock):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock, consent_version="x1"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "The consent text changed while this page was open" in page
    assert 'name="consent_version" value="1"' in page
    unlock.refresh_from_db()
    assert unlock.status == "pending"
