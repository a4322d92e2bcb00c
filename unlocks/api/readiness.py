"""GET /readyz: is everything the desk needs in order? Names what is not: the database,
the broker, migrations not applied, a beat job late (core/jobs.py). 200 when all is well,
503 otherwise; within READY_WITHIN seconds whatever is down.

Each check runs in a thread of its own and is waited for until the deadline; one that has
not answered by then reads "no answer". A check still running from an earlier probe is
waited on, not started again (a frozen database would otherwise gather a thread per probe).
"""

import threading
from concurrent.futures import ThreadPoolExecutor, wait

from celery import current_app
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import jobs
from unlocks.api import health

# The answer comes within 2 s: the checks get this long, the rest is for the answer.
READY_WITHIN = 1.5
OK = "ok"

_pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")
_running = {}
_lock = threading.Lock()
_migrated = False


def _in_thread(check):
    """Run `check` with a database connection of the thread's own, closed after."""
    try:
        return check()
    finally:
        connections.close_all()


def database():
    return OK if health.database() == health.OK else "The database does not answer."


def migrations():
    """Whether every migration on disk is applied; once they all are, this process never
    asks again (its code, and so its migrations, do not change while it runs)."""
    global _migrated
    if _migrated:
        return OK
    loader = MigrationLoader(connections[DEFAULT_DB_ALIAS])
    # Every migration on disk, not only each app's last: one skipped in between counts too.
    missing = sorted(set(loader.graph.nodes) - set(loader.applied_migrations))
    if missing:
        names = ", ".join(f"{app}.{name}" for app, name in missing[:3])
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        return f"{len(missing)} migrations are not applied ({names}{more}): run manage.py migrate."
    _migrated = True
    return OK


def broker():
    if current_app.conf.task_always_eager:
        return OK  # no broker: tasks run in this process (make run)
    if health.broker() == health.OK:
        return OK
    return "The broker (Redis) does not answer: emails, webhooks and jobs wait."


def beat():
    if current_app.conf.task_always_eager:
        return OK  # no beat: the jobs are run by hand (make run)
    late = jobs.late_jobs()
    if not late:
        return OK
    said = [
        f"{name} (last success {age} s ago)" if age is not None else f"{name} (no success yet)"
        for name, age in sorted(late.items())
    ]
    return "Beat jobs are late: " + "; ".join(said) + ". Is `celery beat` running?"


CHECKS = {"database": database, "migrations": migrations, "broker": broker, "beat": beat}


def run_checks():
    """{check name: "ok" or what is wrong}, within READY_WITHIN seconds. A check still
    running for an earlier probe (or another probe now) is waited on, not started again:
    probes at once share one check, and a database that hangs holds one thread, not one
    per probe."""
    futures = {}
    with _lock:
        for name, check in CHECKS.items():
            running = _running.get(name)
            if running is None or running.done():
                running = _running[name] = _pool.submit(_in_thread, check)
            futures[name] = running
    wait(futures.values(), timeout=READY_WITHIN)
    results = {}
    for name, future in futures.items():
        if not future.done():
            results[name] = f"No answer within {READY_WITHIN} s."
        elif future.exception() is not None:
            results[name] = f"The check failed: {type(future.exception()).__name__}."
        else:
            results[name] = future.result()
    return results


ReadyOut = inline_serializer(
    name="Readiness",
    fields={
        "ready": serializers.BooleanField(),
        "checks": serializers.DictField(
            child=serializers.CharField(),
            help_text='database, migrations, broker, beat: each "ok" or what is wrong.',
        ),
    },
)


class ReadinessView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = []

    @extend_schema(
        operation_id="readyz",
        summary="Is everything in order? Database, migrations, broker, beat jobs",
        responses={200: ReadyOut, 503: ReadyOut},
    )
    def get(self, request):
        checks = run_checks()
        ready = all(result == OK for result in checks.values())
        return Response({"ready": ready, "checks": checks}, status=200 if ready else 503)
