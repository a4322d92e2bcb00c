from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Installed for its template tags only: core holds no models."""

    name = "core"
