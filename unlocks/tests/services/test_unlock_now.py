"""The one reader of an approved request's unlock now (`UnlockRequest.unlock_now`): running
until, re-locked early by whom, or ended by itself, with what was exported in the window."""

from datetime import timedelta

from django.utils import timezone

from unlocks import platform, services
from unlocks.rules import ENDED_BY_ITSELF, RELOCKED_EARLY, UNLOCKED, unlock_now
from unlocks.tests import factories as f
from unlocks.tests.conftest import AGENT, open_for, verify


def test_a_pending_request_has_no_unlock(tenant):
    assert open_for(tenant, f.bypassed_invoice(tenant)).unlock_now is None


def test_an_approved_request_is_unlocked_until_its_window_ends(tenant, pat):
    request = verify(open_for(tenant, f.bypassed_invoice(tenant)), pat)

    now = request.unlock_now

    assert (now.state, now.until, now.ended) == (UNLOCKED, request.unlocked_until, False)
    assert now.record_state("invoice", "INV-1", "bypassed") == "open"


def test_an_early_relock_names_who_why_and_what_was_exported_meanwhile(tenant, pat):
    batch = f.bypassed_batch(tenant, invoices=1)
    invoice = f.bypassed_invoice(tenant)
    request = verify(open_for(tenant, batch, invoice), pat)
    platform.export_batch(batch=batch)
    services.relock_request(request_id=request.pk, reason="Re-exported", actor=AGENT)
    request.refresh_from_db()

    now = request.unlock_now

    assert (now.state, now.by, now.reason) == (RELOCKED_EARLY, AGENT.label, "Re-exported")
    assert now.ended_at == request.relocked_at < request.unlocked_until
    exported = {r["number"] for r in now.exported}
    assert batch.number in exported
    assert now.record_state("batch", batch.number, "bypassed") == "exported"
    assert now.record_state("invoice", invoice.number, "bypassed") == "bypassed"


def test_a_window_that_ran_out_ended_by_itself_before_and_after_the_job(tenant, pat):
    request = verify(open_for(tenant, f.bypassed_invoice(tenant)), pat)
    later = request.unlocked_until + timedelta(minutes=1)

    before_the_job = unlock_now(request, later)
    services.end_windows(now=later)
    request.refresh_from_db()
    after_the_job = unlock_now(request, later)

    assert before_the_job.state == after_the_job.state == ENDED_BY_ITSELF
    assert before_the_job.ended_at == after_the_job.ended_at == request.unlocked_until
    # Before the job, what was exported is not known yet; after it, nothing was.
    assert before_the_job.exported is None and after_the_job.exported == []
    assert after_the_job.by == "" and after_the_job.reason == ""


def test_it_reads_at_the_time_it_is_asked(tenant, pat):
    request = verify(open_for(tenant, f.bypassed_invoice(tenant)), pat)
    assert unlock_now(request, timezone.now()).state == UNLOCKED
    assert unlock_now(request, request.unlocked_until).state == ENDED_BY_ITSELF
