from django.contrib import admin
from django.urls import path

from unlocks import views as unlock_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("approve/<str:token>/", unlock_views.approve, name="approve"),
]
