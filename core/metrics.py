"""The desk's Prometheus metrics (prometheus-client), and what /metrics answers with.

Counters and the latency histogram live here, one definition each, and are moved where
their events happen once: the audit trail's writer (audit/metrics.py) for the steps of
an unlock, the outbox's single record of a try for deliveries, the request middleware for
latency. Figures that are facts of the database (the outbox's depth and oldest unsent row,
the beat jobs' last success) are read when scraped, by the collectors the apps register
with `register_collector`, so every process answers the same.

Several gunicorn and Celery worker processes: start each with PROMETHEUS_MULTIPROC_DIR
set to one empty directory of the host (prometheus-client's multiprocess mode); each
process writes its own file there and a scrape adds them up (README: Metrics).
"""

import os

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

NAMESPACE = "unlockdesk"

REQUEST_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its answer, by view, method and status.",
    ["view", "method", "status"],
    namespace=NAMESPACE,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

UNLOCK_REQUESTS = Counter(
    "unlock_requests",
    "Unlock requests opened, approved (and the first of two approvals recorded), refused "
    "at approval, cancelled, expired, re-locked.",
    ["event"],
    namespace=NAMESPACE,
)

REFUSALS = Counter(
    "refusals",
    "Steps refused (and audited), by step (open, verify, approve, cancel, relock) and the "
    "rule's code.",
    ["step", "code"],
    namespace=NAMESPACE,
)

PIN_FAILURES = Counter("pin_failures", "Wrong account PINs tried at approval.", namespace=NAMESPACE)
PIN_LOCKS = Counter(
    "pin_locks", "Account PINs locked after repeated failures.", namespace=NAMESPACE
)
SECOND_FACTOR_FAILURES = Counter(
    "second_factor_failures",
    "Wrong second-factor codes tried at approval.",
    namespace=NAMESPACE,
)
SIGN_IN_LOCKS = Counter(
    "sign_in_locks",
    "Sign-ins locked after repeated failures (one per tenant of the email locked).",
    namespace=NAMESPACE,
)

DELIVERY_ATTEMPTS = Counter(
    "outbox_delivery_attempts",
    "Tries to send an outbox message, by kind (email, webhook) and result: delivered, "
    "retrying (failed, tried again later) or failed (given up).",
    ["kind", "result"],
    namespace=NAMESPACE,
)

# Collectors read at scrape time (facts of the database), registered by the apps.
_scraped = []


def register_collector(collector):
    """Have /metrics ask `collector` (an object with `collect()` yielding metric families)
    at each scrape. Called from an app's ready(); registering twice adds it once."""
    if collector not in _scraped:
        _scraped.append(collector)


def multiprocess_dir():
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")


def exposition() -> bytes:
    """Every metric in Prometheus' text format: this process's (or, in multiprocess mode,
    every process's of the host), then the figures read from the database now."""
    if multiprocess_dir():
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted)
    else:
        counted = REGISTRY
    scraped = CollectorRegistry(auto_describe=False)
    for collector in _scraped:
        scraped.register(collector)
    return generate_latest(counted) + generate_latest(scraped)
