"""REST API v1 (API.md): input serializer → service or selector → output serializer.

Refusals raised by the services become JSON in `unlocks.api.errors`, in one place.
"""

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.actors import client_ip
from audit.selectors import entries_for, verify_chain
from core.refusals import Refusal
from unlocks import evidence, outlook, selectors, services
from unlocks.api import serializers as s
from unlocks.api.access import actor_for
from unlocks.api.idempotency import PARAMETER as IDEMPOTENCY_KEY
from unlocks.api.idempotency import idempotent
from unlocks.api.schema import IDEMPOTENT, WITH_BODY, error_responses, paginated
from unlocks.consent import current_consent
from unlocks.models import RecordType, UnlockRequest
from unlocks.rules import RULE_CODES, no_such_request, unknown_record

logger = logging.getLogger("unlocks.api")


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _query(serializer_class, request):
    # A plain dict, so that `?since=` is an empty value the field refuses, not an omission.
    query = serializer_class(data=request.query_params.dict())
    query.is_valid(raise_exception=True)
    return query.validated_data


def _request_or_404(request_id):
    try:
        return selectors.get_request(request_id)
    except UnlockRequest.DoesNotExist:
        raise no_such_request(request_id) from None


def _paginated(view, queryset, serializer_class):
    """A page of `queryset`, each row given as `serializer_class` shows it."""
    paginator = Pages()
    try:
        page = paginator.paginate_queryset(queryset, view.request, view=view)
    except NotFound:
        raise Refusal(
            "not_found",
            "There is no such page of results: pages run from 1 to the last one; follow the "
            "list's `next` and `previous` links.",
            {"page": view.request.query_params.get(paginator.page_query_param)},
        ) from None
    return paginator.get_paginated_response(serializer_class(page, many=True).data)


def _request_data(unlock_request):
    return s.UnlockRequestOut(unlock_request).data


class ApiView(APIView):
    # Every API view logs each call with its caller (no docstring: the schema would show it).
    # State changes are audited by the services, with the caller as actor.

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The private attribute: reading request.user would authenticate again.
        user = getattr(request, "_user", None)
        caller = str(user) if user is not None and user.is_authenticated else "anonymous"
        logger.info(
            "api %s %s %s by %s from %s (request %s)",
            request.method,
            request.path,
            response.status_code,
            caller,
            client_ip(request),
            getattr(request, "request_id", ""),
        )
        return response


class ConsentView(ApiView):
    required_permission = "unlocks.view_consenttext"

    @extend_schema(
        operation_id="consent_current",
        summary="The consent text in force",
        responses={200: s.ConsentOut, **error_responses("Consent")},
    )
    def get(self, request):
        return Response(s.ConsentOut(current_consent()).data)


class PreviewView(ApiView):
    required_permission = "unlocks.add_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_preview",
        summary="Judge a would-be request; creates nothing",
        request=s.PreviewIn,
        responses={
            200: s.PreviewOut,
            **error_responses("Preview", WITH_BODY, {404: ["unknown_tenant"]}),
        },
    )
    def post(self, request):
        body = s.PreviewIn(data=request.data)
        body.is_valid(raise_exception=True)
        preview = outlook.preview(
            tenant=body.validated_data["tenant"], targets=body.validated_data["targets"]
        )
        return Response(s.PreviewOut(preview).data)


class UnlockRequestsView(ApiView):
    required_permission = {
        "GET": "unlocks.view_unlockrequest",
        "POST": "unlocks.add_unlockrequest",
    }

    @extend_schema(
        operation_id="unlock_requests_list",
        summary="Unlock requests, newest first",
        parameters=[s.RequestQuery],
        responses={
            200: paginated(s.UnlockRequestOut),
            **error_responses(
                "ListRequests", {400: ["invalid"], 404: ["unknown_tenant", "not_found"]}
            ),
        },
    )
    def get(self, request):
        query = _query(s.RequestQuery, request)
        tenant = selectors.tenant_named(query["tenant"]) if "tenant" in query else None
        requests = selectors.requests_for(
            tenant=tenant, status=query.get("status"), ticket=query.get("ticket")
        )
        return _paginated(self, requests, s.UnlockRequestOut)

    @extend_schema(
        operation_id="unlock_requests_create",
        summary="Open an unlock request",
        parameters=[IDEMPOTENCY_KEY],
        request=s.UnlockRequestIn,
        responses={
            201: s.UnlockRequestOut,
            **error_responses(
                "CreateRequest",
                WITH_BODY,
                IDEMPOTENT,
                {404: ["unknown_tenant", "unknown_record"], 409: list(RULE_CODES)},
            ),
        },
    )
    @idempotent
    def post(self, request):
        body = s.UnlockRequestIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unlock_request = services.open_request(
            tenant=data["tenant"],
            targets=data["targets"],
            caller_name=data["caller"]["name"],
            caller_email=data["caller"]["email"],
            channel=data["channel"],
            reason=data["reason"],
            ticket=data["ticket"],
            window_hours=data.get("window_hours"),
            actor=actor_for(request),
        )
        # The request as opened, with its tenant and targets: no need to read it back.
        outlook.show_books(unlock_request, unlock_request.booked)
        return Response(_request_data(unlock_request), status=status.HTTP_201_CREATED)


class UnlockRequestView(ApiView):
    required_permission = "unlocks.view_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_retrieve",
        summary="One unlock request",
        responses={200: s.UnlockRequestOut, **error_responses("GetRequest", {404: ["not_found"]})},
    )
    def get(self, request, request_id):
        unlock_request = _request_or_404(request_id)
        outlook.books_of_request(unlock_request)
        return Response(_request_data(unlock_request))


class EvidenceView(ApiView):
    required_permission = "unlocks.view_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_evidence",
        summary="The request's evidence bundle (unlock-desk-evidence/1)",
        description=(
            "One JSON document that proves the request on its own: its records with "
            "amounts, the consent as accepted, who approved with which factors, every audit "
            "entry with its hash, and the signed checkpoint covering them with an inclusion "
            "proof (`covered: false` until one does). Check it offline with "
            "`tools/verify_evidence.py BUNDLE --keys KEYS.json`."
        ),
        responses={
            200: OpenApiTypes.OBJECT,
            **error_responses("Evidence", {404: ["not_found"]}),
        },
    )
    def get(self, request, request_id):
        unlock = _request_or_404(request_id)
        response = Response(evidence.evidence_for(unlock))
        response["Content-Disposition"] = f'attachment; filename="{evidence.filename(unlock)}"'
        return response


class VerifyView(ApiView):
    required_permission = "unlocks.verify_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_verify",
        summary="Approve with a tenant admin's PIN and consent, and unlock",
        description=(
            "Guards run in this order and the first that fails answers: the request is "
            "pending; the person is a tenant admin now, who has not approved it already; "
            "the tenant's PIN is not locked; the "
            "PIN is right; the admin's second factor (admin_code) is given where the tenant "
            "requires one or the admin holds one, and is right (a wrong code counts with the "
            "wrong PINs); consent is accepted and current; the duplicate risk is "
            "acknowledged; the records found in the customer's QuickBooks are acknowledged "
            "(asked before any row is locked; a failed check blocks nothing); every rule "
            "still holds on the locked rows. Where the request needs two approvals "
            "(approvals_required), the first answers 200 with status pending and one "
            "approval, and unlocks nothing; a second, different admin's completes it."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.VerifyIn,
        responses={
            200: s.UnlockRequestOut,
            **error_responses(
                "Verify",
                WITH_BODY,
                IDEMPOTENT,
                {
                    400: [
                        "second_factor_required",
                        "consent_required",
                        "duplicate_risk_not_acknowledged",
                        "found_in_quickbooks_unacknowledged",
                    ],
                    403: ["not_tenant_admin", "pin_incorrect", "second_factor_incorrect"],
                    404: ["not_found"],
                    409: [
                        "request_not_pending",
                        "already_approved_by_you",
                        "consent_stale",
                        "pin_not_set",
                        *RULE_CODES,
                    ],
                    423: ["pin_locked"],
                    429: ["second_factor_wait"],
                },
            ),
        },
    )
    @idempotent
    def post(self, request, request_id):
        body = s.VerifyIn(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        unlock_request = services.verify_and_unlock(
            request_id=request_id,
            approver_email=data["admin_email"],
            pin=data["pin"],
            consent_version=data["consent_version"],
            consent_accepted=data["consent_accepted"],
            duplicate_risk_acknowledged=data["duplicate_risk_acknowledged"],
            found_in_quickbooks_acknowledged=data["found_in_quickbooks_acknowledged"],
            window_hours=data.get("window_hours"),
            admin_code=data["admin_code"],
            actor=actor_for(request),
        )
        outlook.show_books(unlock_request, unlock_request.booked)
        # The request as approved, with its tenant, approver and targets: no read back.
        return Response(_request_data(unlock_request))


class CancelView(ApiView):
    required_permission = "unlocks.cancel_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_cancel",
        summary="Cancel a pending request",
        parameters=[IDEMPOTENCY_KEY],
        request=s.CancelIn,
        responses={
            200: s.UnlockRequestOut,
            **error_responses(
                "Cancel",
                WITH_BODY,
                IDEMPOTENT,
                {404: ["not_found"], 409: ["request_not_pending"]},
            ),
        },
    )
    @idempotent
    def post(self, request, request_id):
        body = s.CancelIn(data=request.data)
        body.is_valid(raise_exception=True)
        unlock_request = services.cancel_request(
            request_id=request_id,
            reason=body.validated_data["reason"],
            actor=actor_for(request),
        )
        return Response(_request_data(selectors.get_request(unlock_request.pk)))


class RelockView(ApiView):
    required_permission = "unlocks.relock_unlockrequest"

    @extend_schema(
        operation_id="unlock_requests_relock",
        summary="End an approved unlock now, before its window does",
        description=(
            "Every record the approval opened that is still open goes back to the state it "
            "had before; what was exported in the window stays exported. Audited, with the "
            "reason."
        ),
        parameters=[IDEMPOTENCY_KEY],
        request=s.RelockIn,
        responses={
            200: s.UnlockRequestOut,
            **error_responses(
                "Relock",
                WITH_BODY,
                IDEMPOTENT,
                {404: ["not_found"], 409: ["request_not_completed", "already_relocked"]},
            ),
        },
    )
    @idempotent
    def post(self, request, request_id):
        body = s.RelockIn(data=request.data)
        body.is_valid(raise_exception=True)
        unlock_request = services.relock_request(
            request_id=request_id,
            reason=body.validated_data["reason"],
            actor=actor_for(request),
        )
        return Response(_request_data(selectors.get_request(unlock_request.pk)))


class RecordView(ApiView):
    required_permission = "unlocks.view_batch"

    @extend_schema(
        operation_id="records_retrieve",
        summary="Was this record bypassed, imported or exported?",
        parameters=[
            OpenApiParameter("record_type", str, OpenApiParameter.PATH, enum=RecordType.values)
        ],
        responses={
            200: s.RecordOut,
            **error_responses("Record", {404: ["unknown_tenant", "unknown_record", "not_found"]}),
        },
    )
    def get(self, request, slug, record_type, number):
        if record_type not in RecordType.values:
            raise Refusal(
                "not_found",
                f'"{record_type[:64]}" is not a record type: the type must be batch, invoice or '
                f"payment, as in /api/v1/tenants/{slug}/records/invoice/{{number}}/.",
                {"type": record_type[:64]},
            )
        record = selectors.record_summary(tenant_slug=slug, record_type=record_type, number=number)
        if record is None:
            # Only now tell an unknown tenant from an unknown record: a hit takes one query.
            raise unknown_record(record_type, number, selectors.tenant_named(slug))
        record["quickbooks"] = outlook.books_of_record(slug, record_type, number)
        return Response(s.RecordOut(record).data)


class AuditView(ApiView):
    required_permission = "audit.view_auditentry"

    @extend_schema(
        operation_id="audit_list",
        summary="Audit entries, oldest first within a tenant",
        parameters=[s.AuditQuery],
        responses={
            200: paginated(s.AuditEntryOut),
            **error_responses("Audit", {400: ["invalid"], 404: ["unknown_tenant", "not_found"]}),
        },
    )
    def get(self, request):
        query = _query(s.AuditQuery, request)
        entries = entries_for(
            tenant=selectors.tenant_named(query["tenant"]) if "tenant" in query else None,
            request_id=query.get("request"),
            action=query.get("action"),
            record=query.get("record"),
            since=query.get("since"),
            until=query.get("until"),
        )
        return _paginated(self, entries, s.AuditEntryOut)


class AuditVerifyView(ApiView):
    required_permission = "audit.view_auditentry"

    @extend_schema(
        operation_id="audit_verify",
        summary=(
            "Check a tenant's hash chain from its last signed checkpoint (or all of it) and "
            "name the first entry that does not fit"
        ),
        parameters=[s.ChainQuery],
        responses={
            200: s.ChainOut,
            **error_responses("AuditVerify", {400: ["invalid"], 404: ["unknown_tenant"]}),
        },
    )
    def get(self, request):
        query = _query(s.ChainQuery, request)
        tenant = selectors.tenant_named(query["tenant"])
        return Response(s.ChainOut(verify_chain(tenant=tenant, full=query["full"])).data)
