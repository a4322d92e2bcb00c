from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications and webhooks"

    def ready(self):
        from django.core.signals import request_finished, request_started

        from notifications.services import hold_enqueues, release_enqueues

        request_started.connect(hold_enqueues, dispatch_uid="notifications.hold_enqueues")
        request_finished.connect(release_enqueues, dispatch_uid="notifications.release_enqueues")
