from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"

    def ready(self):
        from audit.metrics import checkpoints
        from core.metrics import register_collector

        # /metrics reads the checkpoints' age and what they do not cover yet.
        register_collector(checkpoints)
