import logging

from django.core.signals import got_request_exception
from django.views.debug import SafeExceptionReporterFilter

from accounts.tests.factories import PIN
from unlocks import services
from unlocks.tests.pages.conftest import approval, approve_path


def test_a_wrong_pin_says_so_and_how_many_tries_are_left(client, admin, unlock, batch):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock, pin="000000"))
    assert response.status_code == 403
    page = response.content.decode()
    assert "That PIN is not right. 4 tries are left" in page
    assert 'id="id_pin_error"' in page and 'aria-invalid="true"' in page
    assert "000000" not in page
    batch.refresh_from_db()
    assert batch.state == "bypassed"


def test_it_keeps_the_ticks_but_never_the_pin(client, admin, unlock):
    client.force_login(admin)
    page = client.post(approve_path(unlock), approval(unlock, pin="918273")).content.decode()
    assert "918273" not in page
    assert (
        '<input type="checkbox" name="consent_accepted" required id="id_consent_accepted" checked>'
        in page
    )


def test_the_last_wrong_pin_locks_and_says_until_when(client, admin, tenant, unlock):
    client.force_login(admin)
    for _ in range(4):
        client.post(approve_path(unlock), approval(unlock, pin="000000"))
    response = client.post(approve_path(unlock), approval(unlock, pin="000000"))
    assert response.status_code == 423
    tenant.refresh_from_db()
    until = f"{tenant.pin_locked_until:%H:%M} UTC"
    assert f"PIN verification for this account is locked until {until}" in (
        response.content.decode()
    )


def test_a_locked_pin_is_shown_on_the_page_and_the_right_pin_does_not_pass(
    client, admin, tenant, unlock
):
    client.force_login(admin)
    for _ in range(5):
        client.post(approve_path(unlock), approval(unlock, pin="000000"))
    page = client.get(approve_path(unlock)).content.decode()
    tenant.refresh_from_db()
    assert "PIN verification is locked" in page
    assert f"{tenant.pin_locked_until:%H:%M} UTC" in page
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 423
    unlock.refresh_from_db()
    assert unlock.status == "pending"


def test_a_missing_pin_is_asked_for_without_calling_the_service(client, admin, unlock):
    client.force_login(admin)
    response = client.post(approve_path(unlock), approval(unlock, pin=None))
    assert response.status_code == 400
    assert b"Enter the account PIN." in response.content
    assert not unlock.tenant.__class__.objects.get(pk=unlock.tenant_id).pin_failure_times


def test_the_pin_never_reaches_a_log(client, admin, unlock, caplog):
    client.force_login(admin)
    with caplog.at_level(logging.DEBUG):
        client.post(approve_path(unlock), approval(unlock, pin="564738"))
        client.post(approve_path(unlock), approval(unlock))
    assert "564738" not in caplog.text and PIN not in caplog.text


def test_an_unexpected_fault_reports_the_request_with_the_pin_masked(
    client, admin, unlock, monkeypatch
):
    def fail(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "verify_and_unlock", fail)
    reported = []

    def keep(sender, request, **kwargs):
        reported.append(request)

    got_request_exception.connect(keep)
    client.raise_request_exception = False
    client.force_login(admin)
    try:
        response = client.post(approve_path(unlock), approval(unlock, pin="564738"))
    finally:
        got_request_exception.disconnect(keep)
    assert response.status_code == 500
    post = SafeExceptionReporterFilter().get_post_parameters(reported[-1])
    assert post["pin"] == SafeExceptionReporterFilter.cleansed_substitute
    assert "564738" not in repr(dict(post))
