from django.apps import AppConfig


class UnlocksConfig(AppConfig):
    name = "unlocks"

    def ready(self):
        # The deploy check for the demo's credentials.
        from unlocks import checks  # noqa: F401
