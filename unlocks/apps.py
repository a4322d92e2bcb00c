from django.apps import AppConfig


class UnlocksConfig(AppConfig):
    name = "unlocks"

    def ready(self):
        # The deploy check for the demo's credentials.
        # Webhooks say when a signed checkpoint covers an approval.
        from audit.signals import checkpoint_signed
        from unlocks import checks  # noqa: F401
        from unlocks.services.covering import announce_covered

        checkpoint_signed.connect(announce_covered, dispatch_uid="unlocks.announce_covered")
