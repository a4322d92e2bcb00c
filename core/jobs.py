"""When each job of the beat schedule last succeeded, for the readiness check and the metrics.

A worker notes the time a scheduled task ends well (config/celery.py, on Celery's
task_success signal) in the cache, which is Redis wherever a beat runs: every web
process, on any host, reads the same. A job is late once it has not succeeded for
LATE_AFTER_RUNS of its intervals.
"""

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

from core.metrics import NAMESPACE

KEY = "jobs:last-success:{}"
# Missed runs before a job counts as late: one missed run is a blip, three are an outage.
LATE_AFTER_RUNS = 3
# ... and never sooner than this, for jobs that run every few seconds.
LATE_AT_LEAST = 120.0


def scheduled():
    """{task name: seconds between runs} of the beat schedule."""
    return {job["task"]: float(job["schedule"]) for job in settings.CELERY_BEAT_SCHEDULE.values()}


def record_success(task_name, *, now=None):
    """Note that `task_name` just ended well, if it is a job of the beat schedule."""
    if task_name in scheduled():
        moment = (now or timezone.now()).timestamp()
        cache.set(KEY.format(task_name), moment, timeout=None)


def last_successes():
    """{task name: Unix time of its last success, or None} for every scheduled job; one
    read of the cache."""
    names = list(scheduled())
    found = cache.get_many([KEY.format(name) for name in names])
    return {name: found.get(KEY.format(name)) for name in names}


def late_jobs(*, now=None):
    """{task name: seconds since its last success, or None if none is known} of the jobs
    that are late."""
    now = (now or timezone.now()).timestamp()
    intervals = scheduled()
    late = {}
    for name, last in last_successes().items():
        allowed = max(LATE_AFTER_RUNS * intervals[name], LATE_AT_LEAST)
        if last is None or now - last > allowed:
            late[name] = None if last is None else int(now - last)
    return late


class JobsCollector:
    """The beat jobs' figures for /metrics, read at each scrape."""

    def collect(self):
        last = GaugeMetricFamily(
            f"{NAMESPACE}_beat_last_success_timestamp_seconds",
            "When each job of the beat schedule last ended well (Unix time); absent until "
            "it has once.",
            labels=["task"],
        )
        late = GaugeMetricFamily(
            f"{NAMESPACE}_beat_late",
            f"1 while a beat job has not ended well for {LATE_AFTER_RUNS} of its intervals "
            "(or never has), else 0.",
            labels=["task"],
        )
        overdue = late_jobs()
        for name, moment in last_successes().items():
            if moment is not None:
                last.add_metric([name], moment)
            late.add_metric([name], 1 if name in overdue else 0)
        yield last
        yield late
