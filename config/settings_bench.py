"""Settings for `make bench`: the normal settings plus the bench-only floor endpoint.

Nothing bench-only is mounted under config.settings; only this module adds the
`bench` app (its unmanaged floor tables) and the urlconf that serves the floor.
"""

import warnings

from config.settings import *  # noqa: F403
from config.settings import DATABASES, INSTALLED_APPS, LOGGING

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# Copies, not changes: config.settings' own dicts stay as they are.
# Keep connections open across requests, as a production deployment would.
DATABASES = {**DATABASES, "default": {**DATABASES["default"], "CONN_MAX_AGE": 60}}
# Log lines per request (404 probes, 405 readiness checks) would measure the terminal.
LOGGING = {**LOGGING, "loggers": {**LOGGING["loggers"], "django.request": {"level": "ERROR"}}}
# The bench serves no static files; WhiteNoise need not say that there are none.
warnings.filterwarnings("ignore", message="No directory at")
# wrk drives one API client far beyond a helpdesk's rate: measure the app, not the throttle
# (which still runs, and still reads and writes its counter in the cache, on every call).
API_THROTTLE_RATE = "1000000/second"
# As deployed (REDIS_URL set), a request hands its emails and webhooks to the Celery worker
# after commit instead of sending them itself. The bench has no broker of its own: tasks go
# to an in-memory queue nobody reads, and the outbox rows stay pending for a later sweep.
CELERY_TASK_ALWAYS_EAGER = False
# The bench's checkpoints are signed with a bench-only key (the base64 of 32 fixed bytes),
# whatever key `make run` left in var/.
AUDIT_SIGNER_NAME = "bench.unlock-desk.example/audit"
AUDIT_SIGNING_KEY = "YmVuY2gtb25seS1jaGVja3BvaW50LWtleS0zMmJ5dGU="
AUDIT_SIGNING_KEY_FILE = ""
