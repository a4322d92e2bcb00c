from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.urls import settings_urlpatterns
from audit import views as audit_views
from config.errors import api_not_found
from config.metrics import metrics_view
from unlocks.api.health import HealthView
from unlocks.api.readiness import ReadinessView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("settings/quickbooks/", include("books.urls")),
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
    path("readyz", ReadinessView.as_view(), name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path(".well-known/unlock-desk-keys.json", audit_views.keys, name="audit-keys"),
    # Keep last among /api/ routes: JSON 404s for API paths no view answers.
    re_path(r"^api/", api_not_found),
    path("", include("unlocks.pages.urls")),
]

# JSON errors for /api/ paths that no API view answers; our pages (templates/) elsewhere.
handler400 = "config.errors.bad_request"
handler403 = "config.errors.permission_denied"
handler404 = "config.errors.page_not_found"
handler500 = "config.errors.server_error"
