# Loaded with Django so that tasks enqueued by the web process use the configured app.
from config.celery import app as celery_app

__all__ = ("celery_app",)
