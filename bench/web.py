"""Measurements through HTTP against gunicorn: the floor, the API and the admin pages.

An endpoint that answers 404 (a path that moved) is recorded as not available
instead of failing the run. Admin paths are found by their URL names, so a page
that moves to another module is still measured where it now lives.
"""

import json
import statistics
import time
from dataclasses import asdict

import requests
from django.urls import NoReverseMatch, reverse

from accounts.models import Tenant
from bench import plan as p
from bench.serve import run_wrk

NOT_AVAILABLE = "not available"

OPEN_BODY = {
    "tenant": p.BIG,
    "targets": [{"type": "invoice", "number": "INV-{n}"}],
    "caller": {"name": "Bench Caller", "email": "caller@bench.example"},
    "channel": "phone",
    "reason": "Bench: bypassed by mistake",
    "ticket": "BENCH",
}
LOOKUP_PATH = "/api/v1/tenants/{slug}/records/invoice/INV-{n}/"


def admin_path(name, fallback):
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


def token_header():
    return f"Token {p.API_KEY}"


def _missing(response):
    return response.status_code == 404 and "unknown_" not in response.text


def load(base, *, method, path, body=None, lo, hi, settings, auth=None, session=None):
    """One wrk run; a dict of its figures, or {"skipped": reason}."""
    sample = path.replace("{n}", f"{lo:07d}")
    headers = {"Authorization": auth} if auth else {}
    probe = (session or requests).request(
        method,
        base + sample,
        data=body.replace("{n}", f"{lo:07d}") if body else None,
        headers={**headers, "Content-Type": "application/json"},
        timeout=60,
        # A redirect (to the sign-in page) is an answer to report, not to follow.
        allow_redirects=False,
    )
    if _missing(probe):
        return {"skipped": f"{NOT_AVAILABLE}: {method} {sample} answered 404"}
    if probe.status_code >= 300:
        # A load of refusals would measure the error path: say what answered instead.
        return {"skipped": f"{method} {sample} answered {probe.status_code}: {probe.text[:200]}"}
    env = {
        "BENCH_METHOD": method,
        "BENCH_PATH": path,
        "BENCH_LO": str(lo),
        "BENCH_HI": str(hi),
        "BENCH_FORMAT": "%07d",
    }
    if body:
        env["BENCH_BODY"] = body
    if auth:
        env["BENCH_AUTH"] = auth
    if session is not None:
        env["BENCH_COOKIE"] = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
        env["BENCH_CSRF"] = session.cookies.get("csrftoken", "")
    result = run_wrk(
        base + "/", duration=settings["duration"], connections=settings["connections"], env=env
    )
    figures = asdict(result)
    figures["probe_status"] = probe.status_code
    return figures


def floor(base, settings):
    return load(
        base,
        method="POST",
        path="/bench/floor/",
        body='{"n": "{n}"}',
        lo=1,
        hi=1_000_000,
        settings=settings,
        auth=token_header(),
    )


def open_requests(base, big, settings):
    numbers = big.open_numbers
    lo, hi = int(numbers[0][4:]), int(numbers[-1][4:])
    return load(
        base,
        method="POST",
        path="/api/v1/unlock-requests/",
        body=json.dumps(OPEN_BODY),
        lo=lo,
        hi=hi,
        settings=settings,
        auth=token_header(),
    )


def lookup(base, tplan, settings):
    return load(
        base,
        method="GET",
        path=LOOKUP_PATH.replace("{slug}", tplan.slug),
        lo=tplan.first_regular_invoice,
        hi=tplan.invoices,
        settings=settings,
        auth=token_header(),
    )


def admin_lookup(base, tplan, session, settings):
    """The console's search box with `slug number`, as an agent types it."""
    page = admin_path("admin:unlocks_lookup", "/admin/unlocks/unlockrequest/lookup/")
    return load(
        base,
        method="GET",
        path=f"{page}?q={tplan.slug}+INV-{{n}}",
        lo=tplan.first_regular_invoice,
        hi=tplan.invoices,
        settings=settings,
        session=session,
    )


def verify_endpoint(base, tplan, numbers, *, open_for, consent_version, pin_check, progress):
    """The verify endpoint's latency, each approval followed by a bare PIN-hash check in
    this process, so that both medians see the same moments of the machine's load."""
    verify_s, pin_s = [], []
    for number in numbers:
        request = open_for(tplan, [{"type": "invoice", "number": number}], channel="api")
        body = {
            "admin_email": p.admin_email(tplan.slug),
            "pin": p.PIN,
            "consent_version": consent_version,
            "consent_accepted": True,
            "duplicate_risk_acknowledged": True,
        }
        started = time.perf_counter()
        response = requests.post(
            f"{base}/api/v1/unlock-requests/{request.pk}/verify/",
            json=body,
            headers={"Authorization": token_header()},
            timeout=60,
        )
        seconds = time.perf_counter() - started
        if _missing(response):
            return {"skipped": f"{NOT_AVAILABLE}: POST .../verify/ answered 404"}
        if response.status_code != 200:
            return {"skipped": f"verify answered {response.status_code}: {response.text[:200]}"}
        verify_s.append(seconds)
        pin_s.append(pin_check())
        progress.advance(1)
    return {
        "samples": len(verify_s),
        "verify_p50_ms": statistics.median(verify_s) * 1000,
        "pin_p50_ms": statistics.median(pin_s) * 1000,
    }


def changelist(base, session, samples=10):
    """The audit changelist as one signed-in agent loads it, page load after page load."""
    path = admin_path("admin:audit_auditentry_changelist", "/admin/audit/auditentry/")
    times = []
    for _ in range(samples):
        started = time.perf_counter()
        response = session.get(base + path, timeout=120, allow_redirects=False)
        times.append(time.perf_counter() - started)
        if _missing(response):
            return {"skipped": f"{NOT_AVAILABLE}: GET {path} answered 404"}
        if response.status_code != 200:
            return {"skipped": f"GET {path} answered {response.status_code}"}
    return {
        "samples": samples,
        "p50_ms": statistics.median(times) * 1000,
        "max_ms": max(times) * 1000,
    }


def csv_export(server, session, tplan, limit_seconds=120):
    """Rows per second of the admin's streamed CSV export of one tenant's audit entries,
    and the serving worker's peak memory during it."""
    path = admin_path("admin:audit_auditentry_export", "/admin/audit/auditentry/export.csv")
    tenant_id = Tenant.objects.values_list("pk", flat=True).get(slug=tplan.slug)
    # The changelist's tenant filter carries over to its export.
    url = f"{server.base}{path}?tenant__id__exact={tenant_id}"
    server.reset_peak_memory()
    started = time.perf_counter()
    lines, complete = 0, True
    with session.get(url, stream=True, timeout=120, allow_redirects=False) as response:
        if _missing(response):
            return {"skipped": f"{NOT_AVAILABLE}: GET {url} answered 404"}
        if response.status_code != 200:
            return {"skipped": f"GET {url} answered {response.status_code}"}
        for _ in response.iter_lines(chunk_size=65536):
            lines += 1
            # Bounded in time: a slow export is measured on what it sent by then.
            if lines % 10_000 == 0 and time.perf_counter() - started > limit_seconds:
                complete = False
                break
    seconds = time.perf_counter() - started
    rows = max(lines - 1, 0)  # the header line
    return {
        "invoices": tplan.invoices,
        "rows": rows,
        "complete": complete,
        "seconds": seconds,
        "per_second": rows / seconds if seconds else None,
        "peak_memory_mb": server.peak_worker_memory_mb(),
    }
