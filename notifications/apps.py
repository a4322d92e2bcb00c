from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and webhooks"

    def ready(self):
        from core.metrics import register_collector
        from notifications.metrics import outbox

        register_collector(outbox)
