"""Measurements made inside the bench process, through the services and selectors."""

import contextlib
import importlib.util
import json
import logging
import os
import re
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Tenant
from accounts.pins import pin_matches
from audit.actors import Actor
from audit.checkpoints import sign_checkpoint
from audit.keys import keys_document
from audit.selectors import verify_chain
from audit.services import record_entries
from bench import plan as p
from unlocks import platform, services
from unlocks.consent import current_consent
from unlocks.evidence import evidence_json
from unlocks.models import Batch, Invoice, LockState, UnlockRequest

AGENT = Actor(kind="agent", label=p.AGENT_EMAIL, ip="127.0.0.1", user_agent="bench")


def _timed(fn):
    started = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - started


def open_for(tplan, targets, *, channel="phone"):
    return services.open_request(
        tenant=tplan.slug,
        targets=targets,
        caller_name="Bench Caller",
        caller_email=p.admin_email(tplan.slug),
        channel=channel,
        reason="Bench: bypassed by mistake",
        ticket="BENCH",
        actor=AGENT,
    )


def approve(tplan, request, consent_version):
    return services.verify_and_unlock(
        request_id=request.pk,
        approver_email=p.admin_email(tplan.slug),
        pin=p.PIN,
        consent_version=consent_version,
        consent_accepted=True,
        duplicate_risk_acknowledged=True,
        actor=AGENT,
    )


def consent_version():
    """The consent version in force, which a caller names when it approves."""
    return current_consent().version


def relock_verify_pool(tplan):
    """Bypass again the pool invoices an earlier run unlocked, through the platform."""
    for invoice in Invoice.objects.reading([LockState.OPEN], timezone.now()).filter(
        tenant__slug=tplan.slug, number__in=tplan.verify_numbers
    ):
        platform.bypass_transaction(record=invoice)


def pool_rounds(tplan, rounds):
    """The verify pool's numbers `rounds` times over, each round's invoices bypassed again
    before it starts: more approvals than the pool holds, for a steadier median."""
    for _ in range(rounds):
        relock_verify_pool(tplan)
        yield from tplan.verify_numbers


def relock_bulk_batches(tplan):
    for size in tplan.bulk_sizes:
        batch = Batch.objects.get(tenant__slug=tplan.slug, number=tplan.bulk_batch_number(size))
        if batch.state == LockState.OPEN:
            platform.bypass_batch(batch=batch)


def pin_check(tplan):
    """A function timing one bare PIN-hash check against the tenant's hash, in seconds."""
    pin_hash = Tenant.objects.get(slug=tplan.slug).pin_hash

    def check():
        matched, seconds = _timed(lambda: pin_matches(pin_hash, p.PIN))
        assert matched, "the bench tenant's PIN hash does not match the bench PIN"
        return seconds

    return check


def bulk_unlock(tplan, progress):
    """Wall time and query count of approving a bypassed batch, at each size."""
    results = []
    version = consent_version()
    for size in tplan.bulk_sizes:
        request = open_for(tplan, [{"type": "batch", "number": tplan.bulk_batch_number(size)}])
        _reset_peak_memory()
        with CaptureQueriesContext(connection) as queries:
            done, seconds = _timed(lambda request=request: approve(tplan, request, version))
        inserts = sum(
            1
            for q in queries.captured_queries
            if q["sql"].startswith('INSERT INTO "audit_auditentry"')
        )
        opened = Invoice.objects.reading(
            [LockState.BYPASSED, LockState.EXPORTED, LockState.IMPORTED], timezone.now()
        ).filter(batch__number=tplan.bulk_batch_number(size), tenant__slug=tplan.slug)
        assert done.status == "completed" and not opened.exists(), f"batch of {size} not unlocked"
        results.append(
            {
                "size": size,
                "seconds": seconds,
                "queries": len(queries),
                "inserts": inserts,
                "peak_memory_mb": _peak_memory_mb(),
            }
        )
        progress.advance(1)
    return results


AUDIT_INSERT = 'INSERT INTO "audit_auditentry"'


def _reset_peak_memory():
    """Forget this process's peak resident memory so far (VmHWM): writing 5 to clear_refs."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def _peak_memory_mb():
    """This process's peak resident memory since the last reset, in MB; None off Linux."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _resident_mb():
    """This process's resident memory now, in MB; None off Linux."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    return int(match.group(1)) / 1024 if match else None


def _backend_cpu_seconds(pid):
    """CPU time the PostgreSQL backend `pid` has used, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def audit_verify(tplan):
    """verify_chain over the tenant's whole chain in one pass (what `manage.py audit_verify`
    runs), with the CPU each side spent per entry: figures the machine's load moves less."""
    tenant = Tenant.objects.get(slug=tplan.slug)
    backend = _backend_pid()
    server_before = _backend_cpu_seconds(backend)
    client_before = time.process_time()
    # The whole chain, as `audit_verify --full` reads it: not only what follows a checkpoint.
    report, seconds = _timed(lambda: verify_chain(tenant=tenant, full=True))
    client = time.process_time() - client_before
    server_after = _backend_cpu_seconds(backend)
    entries = max(report.entries, 1)
    return {
        "entries": report.entries,
        "ok": report.ok,
        "seconds": seconds,
        "per_second": report.entries / seconds if seconds else None,
        "client_cpu_us": client / entries * 1e6,
        "server_cpu_us": None
        if server_before is None or server_after is None
        else (server_after - server_before) / entries * 1e6,
    }


def checkpoints(tplan, bundle_size=10_000):
    """Signing the tenant's whole chain as its first checkpoint; verifying from it with
    1,000 entries since (and signing them); the evidence bundle of the approval of the
    bulk batch of `bundle_size` transactions (its time, peak memory and size, its proof's
    length, and the offline verifier's verdict and time)."""
    tenant = Tenant.objects.get(slug=tplan.slug)
    # Each run measures a first checkpoint: the bench's own ones go (triggers set aside).
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE audit_auditcheckpoint DISABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_auditcheckpoint WHERE tenant_id = %s", [tenant.pk])
        cursor.execute("ALTER TABLE audit_auditcheckpoint ENABLE TRIGGER USER")
        cursor.execute("DELETE FROM audit_audittreetile WHERE tenant_id = %s", [tenant.pk])
    _reset_peak_memory()
    first, seconds = _timed(lambda: sign_checkpoint(tenant_id=tenant.pk))
    results = {
        "entries": first.tree_size,
        "sign_seconds": seconds,
        "sign_per_second": first.tree_size / seconds,
        "sign_peak_memory_mb": _peak_memory_mb(),
    }
    record_entries(
        tenant=tenant,
        actor=AGENT,
        entries=[{"action": "pin_set", "data": {"bench": i}} for i in range(1_000)],
    )
    report, seconds = _timed(lambda: verify_chain(tenant=tenant))
    assert report.ok and report.checkpoint == first.number, "the chain did not verify"
    results |= {"verify_new_entries": report.entries, "verify_seconds": seconds}
    _, results["sign_new_seconds"] = _timed(lambda: sign_checkpoint(tenant_id=tenant.pk))
    request = (
        UnlockRequest.objects.select_related("tenant")
        .filter(
            tenant=tenant,
            status="completed",
            targets__number=tplan.bulk_batch_number(bundle_size),
        )
        .order_by("-approved_at")
        .first()
    )
    if request is None:
        return results
    # What building the bundle adds to the process, not the bench's own memory before it.
    before = _resident_mb()
    _reset_peak_memory()
    bundle, seconds = _timed(lambda: evidence_json(request))
    peak = _peak_memory_mb()
    results |= {
        "bundle_transactions": bundle_size,
        "bundle_seconds": seconds,
        "bundle_peak_memory_mb": None if peak is None or before is None else peak - before,
        "bundle_bytes": len(bundle),
    }
    parsed = json.loads(bundle)
    keys = keys_document()
    verdict, seconds = _timed(lambda: verifier().verify(parsed, keys))
    results |= {
        "bundle_entries": len(parsed["entries"]),
        "bundle_tree_size": parsed["checkpoint"]["tree_size"] if parsed["checkpoint"] else None,
        "bundle_proof_hashes": len(parsed["checkpoint"]["inclusion_proof"])
        if parsed["checkpoint"]
        else None,
        "bundle_verdict": verdict[0],
        "bundle_verify_seconds": seconds,
    }
    return results


def verifier():
    """tools/verify_evidence.py, loaded as the standalone file an auditor runs."""
    spec = importlib.util.spec_from_file_location(
        "verify_evidence", Path(settings.BASE_DIR) / "tools" / "verify_evidence.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cpu_per_request(big, samples=40):
    """CPU time of one request of the floor, the lookup and open, served in this process
    through Django's test client: what each costs whatever the machine's load does to
    the wall clock. Returns (this process's ms, the PostgreSQL backend's ms or None)."""
    from django.test import Client

    backend = _backend_pid()
    client = Client()
    auth = {"HTTP_AUTHORIZATION": f"Token {p.API_KEY}"}
    opening = {
        "tenant": big.slug,
        "targets": [{"type": "invoice", "number": big.open_numbers[0]}],
        "caller": {"name": "Bench Caller", "email": "caller@bench.example"},
        "channel": "phone",
        "reason": "Bench: bypassed by mistake",
    }
    middle = big.invoice_number((big.first_regular_invoice + big.invoices) // 2)
    calls = {
        "floor": lambda: client.post(
            "/bench/floor/", {"n": "1"}, content_type="application/json", **auth
        ),
        "lookup": lambda: client.get(
            f"/api/v1/tenants/{big.slug}/records/invoice/{middle}/", **auth
        ),
        "open": lambda: client.post(
            "/api/v1/unlock-requests/", opening, content_type="application/json", **auth
        ),
    }
    figures, database = {}, {}
    # The API logs a line per call: hundreds of them would go to the terminal.
    logging.disable(logging.INFO)
    try:
        for name, call in calls.items():
            response = call()
            assert response.status_code < 300, f"{name} answered {response.status_code}"
            server = _backend_cpu_seconds(backend)
            started = time.process_time()
            for _ in range(samples):
                call()
            figures[name] = (time.process_time() - started) / samples * 1000
            if server is not None:
                database[name] = (_backend_cpu_seconds(backend) - server) / samples * 1000
    finally:
        logging.disable(logging.NOTSET)
    return figures, database or None
