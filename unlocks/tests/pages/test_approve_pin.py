import logging
from datetime import UTC, datetime, timedelta

from django.core.signals import got_request_exception
from django.views.debug import SafeExceptionReporterFilter

from accounts.tests.factories import PIN
from unlocks import services
from unlocks.tests.pages.conftest import approval, approve_path
from unlocks.when import until_in_words


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


def lock_notice(page):
    """The lock notice's text, and whether it comes before the records."""
    start = page.index("data-pin-lock")
    notice = page[start : page.index("</section>", start)]
    return notice, start < page.index('id="targets-title"')


def test_the_last_wrong_pin_locks_and_says_until_when(client, admin, tenant, unlock):
    client.force_login(admin)
    for _ in range(4):
        client.post(approve_path(unlock), approval(unlock, pin="000000"))
    response = client.post(approve_path(unlock), approval(unlock, pin="000000"))
    assert response.status_code == 423
    tenant.refresh_from_db()
    page = response.content.decode()
    notice, first = lock_notice(page)
    assert first
    assert f"in 15 minutes, at {tenant.pin_locked_until:%H:%M} UTC" in notice
    assert "Approve and unlock" not in page and 'name="pin"' not in page


def test_a_locked_pin_is_shown_on_the_page_and_the_right_pin_does_not_pass(
    client, admin, tenant, unlock
):
    client.force_login(admin)
    for _ in range(5):
        client.post(approve_path(unlock), approval(unlock, pin="000000"))
    page = client.get(approve_path(unlock)).content.decode()
    tenant.refresh_from_db()
    notice, first = lock_notice(page)
    # The lock leads the page, in words: when it ends, where it holds, who was told.
    assert first
    assert "Approving is paused: too many wrong PINs" in notice
    assert f"at {tenant.pin_locked_until:%H:%M} UTC" in notice
    assert "everywhere the PIN is used" in notice and "with support on the phone" in notice
    assert "admins were told by email" in notice
    # No Approve button to press, and no PIN field to type into.
    assert "Approve and unlock" not in page and 'name="pin"' not in page
    # The records are still there to read.
    assert "What will be unlocked" in page
    response = client.post(approve_path(unlock), approval(unlock))
    assert response.status_code == 423
    unlock.refresh_from_db()
    assert unlock.status == "pending"


def test_the_lock_ends_in_local_words_from_the_time_left():
    now = datetime(2026, 12, 2, 6, 38, 10, tzinfo=UTC)
    assert until_in_words(now + timedelta(minutes=11, seconds=50), now) == (
        "in 12 minutes, at 06:50 UTC"
    )
    assert until_in_words(now + timedelta(seconds=20), now) == "in 1 minute, at 06:38 UTC"
    assert until_in_words(now + timedelta(hours=20), now) == (
        "in 20 h 00 min, at 2026-12-03 02:38 UTC"
    )


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
