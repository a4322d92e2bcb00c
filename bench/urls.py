"""The app's urls plus the bench-only floor; mounted only by config.settings_bench."""

from django.urls import include, path

from bench.floor import FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("", include("config.urls")),
]
