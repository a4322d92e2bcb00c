from django.urls import path, re_path

from unlocks.api import errors, views

urlpatterns = [
    path("consent/", views.ConsentView.as_view(), name="api-consent"),
    path("unlock-requests/", views.UnlockRequestsView.as_view(), name="api-requests"),
    path("unlock-requests/preview/", views.PreviewView.as_view(), name="api-preview"),
    path(
        "unlock-requests/<uuid:request_id>/",
        views.UnlockRequestView.as_view(),
        name="api-request",
    ),
    path(
        "unlock-requests/<uuid:request_id>/evidence/",
        views.EvidenceView.as_view(),
        name="api-evidence",
    ),
    path(
        "unlock-requests/<uuid:request_id>/verify/",
        views.VerifyView.as_view(),
        name="api-verify",
    ),
    path(
        "unlock-requests/<uuid:request_id>/cancel/",
        views.CancelView.as_view(),
        name="api-cancel",
    ),
    path(
        "unlock-requests/<uuid:request_id>/relock/",
        views.RelockView.as_view(),
        name="api-relock",
    ),
    # After the five above: an id they refused is answered as no request id.
    re_path(
        r"^unlock-requests/(?P<request_id>[^/]+)/(?:verify/|cancel/|relock/|evidence/)?$",
        errors.not_a_request_id,
    ),
    path(
        "tenants/<slug:slug>/records/<str:record_type>/<str:number>/",
        views.RecordView.as_view(),
        name="api-record",
    ),
    path("audit/", views.AuditView.as_view(), name="api-audit"),
    path("audit/verify/", views.AuditVerifyView.as_view(), name="api-audit-verify"),
]
