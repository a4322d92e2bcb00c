from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.urls import settings_urlpatterns
from config.health import HealthView
from unlocks.api.errors import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("settings/", include(settings_urlpatterns)),
    path("api/v1/", include("unlocks.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: our CSP allows no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="api/swagger_ui.html"
        ),
        name="api-docs",
    ),
    path("healthz", HealthView.as_view(), name="healthz"),
    # Keep last among /api/ routes: JSON 404s for API paths no view answers.
    re_path(r"^api/", api_not_found),
    path("", include("unlocks.urls")),
]

# JSON errors for /api/ paths that no API view answers; our pages (templates/) elsewhere.
handler400 = "unlocks.api.errors.bad_request"
handler403 = "unlocks.api.errors.permission_denied"
handler404 = "unlocks.api.errors.page_not_found"
handler500 = "unlocks.api.errors.server_error"
