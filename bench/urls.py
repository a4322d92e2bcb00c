"""The app's urls plus the bench-only floor; mounted only by config.settings_bench."""

from django.urls import include, path

from bench.floor import BareFloorView, FloorView

urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("bench/floor/bare/", BareFloorView.as_view(), name="bench-floor-bare"),
    path("", include("config.urls")),
]
