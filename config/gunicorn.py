"""gunicorn's settings file: `gunicorn -c config/gunicorn.py config.wsgi:application ...`
(README: Running in production).

With PROMETHEUS_MULTIPROC_DIR set, each worker process writes its metrics to a file of
its own there and /metrics adds them up (prometheus-client's multiprocess mode); a worker
that exits is marked dead, as the library asks.
"""

import os

from prometheus_client import multiprocess


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)


# gunicorn's own lines (start, workers booted or killed) as JSON too, where the app's are.
PRODUCTION = os.environ.get("UNLOCK_ENV") == "production"
if os.environ.get("LOG_FORMAT", "json" if PRODUCTION else "plain") == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "core.logs.Json"}},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": "INFO", "handlers": ["console"], "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }
