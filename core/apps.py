from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The ground floor: template tags, and the beat jobs' figures for /metrics. Core holds
    no models."""

    name = "core"

    def ready(self):
        from core.jobs import JobsCollector
        from core.metrics import register_collector

        register_collector(JobsCollector())
