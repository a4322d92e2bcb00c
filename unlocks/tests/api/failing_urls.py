"""A URLconf whose view fails before DRF can answer, to test the JSON 500 handler."""

from django.urls import path


def broken(request):
    raise RuntimeError("not caught by any API view")


urlpatterns = [path("api/v1/broken/", broken)]
handler500 = "config.errors.server_error"
