"""The real URLconf with pages that fail, to test the error pages (and their JSON twins
under /api/)."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as real_urlpatterns


def broken(request):
    raise RuntimeError("secret internals")


def forbidden(request):
    raise PermissionDenied


urlpatterns = [
    path("broken/", broken),
    path("forbidden/", forbidden),
    path("api/v1/forbidden/", forbidden),
    *real_urlpatterns,
]
