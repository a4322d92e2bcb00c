from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from config.health import HealthView
from unlocks import views as unlock_views
from unlocks.api.errors import api_not_found

urlpatterns = [
    path("admin/", admin.site.urls),
    path("approve/<str:token>/", unlock_views.approve, name="approve"),
    path("api/v1/", include("unlocks.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("healthz", HealthView.as_view(), name="healthz"),
    re_path(r"^api/", api_not_found),
]

# JSON errors for /api/ paths that no API view answers; Django's pages elsewhere.
handler404 = "unlocks.api.errors.page_not_found"
handler500 = "unlocks.api.errors.server_error"
