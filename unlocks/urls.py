from django.urls import path

from unlocks import views

urlpatterns = [
    path("approve/<str:token>/", views.approve, name="approve"),
    path("requests/", views.tenant_requests, name="tenant_requests"),
    path("receipts/<uuid:request_id>/", views.receipt, name="receipt"),
    path("receipts/<uuid:request_id>/relock/", views.receipt_relock, name="receipt_relock"),
    path("records/", views.records, name="records"),
]
