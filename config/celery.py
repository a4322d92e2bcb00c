"""The Celery app: settings are the CELERY_* names of config/settings.py.

Each task's log lines carry its name and id (core/logs.py), and a job of the beat schedule
that ends well notes when (core/jobs.py), for the readiness check and the metrics.
"""

import os

from celery import Celery, signals
from prometheus_client import multiprocess

from core import jobs, logs, tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("unlockdesk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _trace_the_worker(**kwargs):
    # Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (core/tracing.py).
    tracing.start("unlockdesk-worker")


@signals.worker_process_shutdown.connect
def _send_the_last_spans(**kwargs):
    tracing.flush()


@signals.setup_logging.connect
def _log_as_django_does(**kwargs):
    """Celery sets up no logging of its own: settings.LOGGING writes the worker's lines too,
    as JSON where LOG_FORMAT=json (its level is LOG_LEVEL, not --loglevel)."""


# The log context of each running task, by task id, until it ends.
_running = {}


@signals.task_prerun.connect
def _task_started(task_id=None, task=None, **kwargs):
    _running[task_id] = logs.enter(task=task.name, task_id=task_id)


@signals.task_postrun.connect
def _task_ended(task_id=None, **kwargs):
    token = _running.pop(task_id, None)
    if token is not None:
        logs.leave(token)


@signals.worker_process_shutdown.connect
def _child_ended(pid=None, **kwargs):
    # prometheus-client's multiprocess mode, as gunicorn's child_exit does it.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid or os.getpid())


@signals.task_success.connect
def _task_succeeded(sender=None, **kwargs):
    jobs.record_success(sender.name)
