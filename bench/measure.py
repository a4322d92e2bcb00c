"""Measurements made inside the bench process, through the service layer and selectors."""

import os
import statistics
import time
from pathlib import Path

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Tenant
from accounts.pins import pin_matches
from audit.actors import Actor
from audit.selectors import verify_chain
from bench import plan as p
from unlocks import platform, services
from unlocks.consent import current_consent
from unlocks.models import Batch, Invoice, LockState
from unlocks.selectors import record_summary

AGENT = Actor(kind="agent", label=p.AGENT_EMAIL, ip="127.0.0.1", user_agent="bench")


def percentile(values, pct):
    ordered = sorted(values)
    if not ordered:
        return None
    k = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


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


def relock_verify_pool(tplan):
    """Bypass again the pool invoices an earlier run unlocked, through the platform."""
    for invoice in Invoice.objects.filter(
        tenant__slug=tplan.slug, number__in=tplan.verify_numbers, state=LockState.OPEN
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


def verify_latency(tplan, numbers, progress):
    """verify_and_unlock against a bare PIN-hash check, interleaved in this process."""
    tenant = Tenant.objects.get(slug=tplan.slug)
    # The caller names the consent version it showed, as an API client does.
    version = current_consent().version
    verify_s, pin_s = [], []
    for number in numbers:
        request = open_for(tplan, [{"type": "invoice", "number": number}])
        _, seconds = _timed(lambda request=request: approve(tplan, request, version))
        verify_s.append(seconds)
        matched, seconds = _timed(lambda: pin_matches(tenant.pin_hash, p.PIN))
        assert matched, "the bench tenant's PIN hash does not match the bench PIN"
        pin_s.append(seconds)
        progress.advance(1)
    return {
        "samples": len(verify_s),
        "verify_p50_ms": statistics.median(verify_s) * 1000,
        "pin_p50_ms": statistics.median(pin_s) * 1000,
    }


def bulk_unlock(tplan, progress):
    """Wall time and query count of approving a bypassed batch, at each size."""
    results = []
    version = current_consent().version
    for size in tplan.bulk_sizes:
        request = open_for(tplan, [{"type": "batch", "number": tplan.bulk_batch_number(size)}])
        with CaptureQueriesContext(connection) as queries:
            done, seconds = _timed(lambda request=request: approve(tplan, request, version))
        opened = Invoice.objects.filter(
            batch__number=tplan.bulk_batch_number(size), tenant__slug=tplan.slug
        ).exclude(state=LockState.OPEN)
        assert done.status == "completed" and not opened.exists(), f"batch of {size} not unlocked"
        results.append({"size": size, "seconds": seconds, "queries": len(queries)})
        progress.advance(1)
    return results


def _stat(pid):
    """The fields of /proc/`pid`/stat after the command's name, or None."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _backend_cpu_seconds(pid):
    """CPU time the PostgreSQL backend `pid` has used, when it runs on this machine."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _database_cpu_seconds(backend):
    """CPU time of the backend `backend` plus that of every backend that has ended so far:
    PostgreSQL's server process reaps its backends, so theirs counts in its children's
    time. audit_verify's stretches run on connections that end with them."""
    own, server = _backend_cpu_seconds(backend), _stat(backend)
    reaped = _stat(server[1]) if server else None
    if own is None or reaped is None:
        return None
    return own + (int(reaped[13]) + int(reaped[14])) / os.sysconf("SC_CLK_TCK")


def audit_verify(tplan):
    """verify_chain over the tenant's whole chain (what `manage.py audit_verify` runs).

    Also the CPU each side spent per entry: on a machine loaded beyond its cores the
    wall-clock rate says more about the load than about the code. The database's side
    counts every backend that ended meanwhile (the stretches' own connections; an
    autovacuum worker ending in those seconds would count too).
    """
    tenant = Tenant.objects.get(slug=tplan.slug)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    server_before = _database_cpu_seconds(backend)
    client_before = time.process_time()
    report, seconds = _timed(lambda: verify_chain(tenant=tenant))
    client = time.process_time() - client_before
    server_after = _database_cpu_seconds(backend)
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


def lookup_selector(tplan, samples=200):
    """record_summary, the lookup API's selector, on random invoices of the tenant."""
    first = tplan.first_regular_invoice
    step = max(1, (tplan.invoices - first) // samples)
    numbers = [tplan.invoice_number(i) for i in range(first, tplan.invoices + 1, step)][:samples]
    times = []
    for number in numbers:
        record, seconds = _timed(
            lambda number=number: record_summary(
                tenant_slug=tplan.slug, record_type="invoice", number=number
            )
        )
        assert record is not None, f"{number} is missing from {tplan.slug}"
        times.append(seconds)
    return {
        "invoices": tplan.invoices,
        "samples": len(times),
        "p50_ms": percentile(times, 50) * 1000,
        "p99_ms": percentile(times, 99) * 1000,
    }


def cpu_per_request(big, samples=40):
    """CPU time of one request of the floor, the lookup and open, served in this process
    through Django's test client: what each costs whatever the machine's load does to
    the wall clock. Returns (this process's ms, the PostgreSQL backend's ms or None)."""
    from django.db import connection
    from django.test import Client

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

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
        "bare floor": lambda: client.post(
            "/bench/floor/bare/", {"n": "1"}, content_type="application/json"
        ),
        "lookup": lambda: client.get(
            f"/api/v1/tenants/{big.slug}/records/invoice/{middle}/", **auth
        ),
        "open": lambda: client.post(
            "/api/v1/unlock-requests/", opening, content_type="application/json", **auth
        ),
    }
    figures, database = {}, {}
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
    return figures, database or None
