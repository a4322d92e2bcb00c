from django.urls import path

from unlocks import views

urlpatterns = [
    path("approve/<str:token>/", views.approve, name="approve"),
    path("requests/", views.tenant_requests, name="tenant_requests"),
    path("receipts/<uuid:request_id>/", views.receipt, name="receipt"),
    path("records/", views.records, name="records"),
]
