from django.urls import path

from unlocks.pages import approve, home, policy, receipts, records, requests

urlpatterns = [
    path("", home.front_door, name="front_door"),
    path("approve/<str:token>/", approve.approve, name="approve"),
    path("approve/<str:token>/passkey/", approve.approve_passkey, name="approve_passkey"),
    path("approve/<str:token>/cancel/", approve.cancel, name="approve_cancel"),
    path("requests/", requests.tenant_requests, name="tenant_requests"),
    path("receipts/<uuid:request_id>/", receipts.receipt, name="receipt"),
    path("receipts/<uuid:request_id>/relock/", receipts.receipt_relock, name="receipt_relock"),
    path(
        "receipts/<uuid:request_id>/evidence.json",
        receipts.receipt_evidence,
        name="receipt_evidence",
    ),
    path("records/", records.records, name="records"),
    path("settings/approvals/", policy.approval_policy_choose, name="approval_policy_choose"),
    path("settings/approvals/<slug:slug>/", policy.approval_policy, name="approval_policy"),
]
