"""The API's exception handler: every exception of an API view in the one error shape
(`core.errors`), whatever raised it. A `Refusal` becomes its JSON form here and nowhere
else."""

import logging
import uuid

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core.errors import (
    BAD_REQUEST_MESSAGE,
    CSRF_MESSAGE,
    PERMISSION_DENIED_MESSAGE,
    SERVER_ERROR_MESSAGE,
    error_body,
)
from core.refusals import HTTP_STATUS, Refusal
from unlocks.api.parsers import RequestTooLarge, too_large

logger = logging.getLogger("unlocks.api")


# DRF's own exceptions: the code and a message a person can act on.
API_EXCEPTIONS = (
    (
        exceptions.NotAuthenticated,
        "not_authenticated",
        "Send your API key as 'Authorization: Token <key>', or sign in as support staff.",
    ),
    (exceptions.AuthenticationFailed, "authentication_failed", None),
    (exceptions.PermissionDenied, "permission_denied", PERMISSION_DENIED_MESSAGE),
    (
        exceptions.NotFound,
        "not_found",
        "Nothing is found at this address. Check the URL against /api/docs/.",
    ),
    (exceptions.MethodNotAllowed, "method_not_allowed", None),
    (exceptions.NotAcceptable, "not_acceptable", "This API answers in JSON only: accept JSON."),
    (
        exceptions.UnsupportedMediaType,
        "unsupported_media_type",
        "Send the body as JSON, with 'Content-Type: application/json'.",
    ),
    (exceptions.Throttled, "throttled", None),
    (RequestTooLarge, "request_too_large", None),
)

# The API's own refusal on top of the domain's (idempotency is not a rule of an unlock).
STATUS = {**HTTP_STATUS, "idempotency_key_reused": 409}


def _field_messages(detail, prefix=""):
    """Flatten DRF's nested validation detail to {"field.sub[0]": "message ..."}."""
    if isinstance(detail, dict):
        out = {}
        for name, value in detail.items():
            if isinstance(name, int):
                key = f"{prefix}[{name}]"
            elif name == "non_field_errors":
                key = prefix or "body"
            else:
                key = f"{prefix}.{name}" if prefix else name
            out.update(_field_messages(value, key))
        return out
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return {prefix or "body": " ".join(str(item) for item in detail)}
        out = {}
        for index, item in enumerate(detail):
            if item:
                out.update(_field_messages(item, f"{prefix}[{index}]"))
        return out
    return {prefix or "body": str(detail)}


def _validation_error(exc):
    details = _field_messages(exc.detail)
    summary = "; ".join(f"{field}: {message.rstrip('.')}" for field, message in details.items())
    message = f"The request is not valid: {summary}. Fix these and retry."
    return Response(error_body("invalid", message, details), status=400)


def refusal_response(refusal):
    response = Response(
        error_body(refusal.code, refusal.message, refusal.details),
        status=STATUS.get(refusal.code, 400),
    )
    if "retry_after" in refusal.details:
        # pin_locked, second_factor_wait: when to try again, as HTTP says it too.
        response["Retry-After"] = str(refusal.details["retry_after"])
    return response


def exception_handler(exc, context):
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every exception of an API view to the one shape."""
    if isinstance(exc, Refusal):
        return refusal_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        exc = too_large()
    elif isinstance(exc, SuspiciousOperation):
        return Response(error_body("invalid", BAD_REQUEST_MESSAGE), status=400)
    if isinstance(exc, exceptions.ParseError):
        return Response(
            error_body(
                "invalid",
                f"The request body is not valid JSON ({str(exc.detail).rstrip('.')}). "
                "Send a JSON object.",
                {"body": str(exc.detail)},
            ),
            status=400,
        )
    if isinstance(exc, exceptions.ValidationError):
        return _validation_error(exc)
    if isinstance(exc, exceptions.APIException):
        return _api_exception(exc)
    # Anything else is our fault: log it, roll back, and answer without a stack trace.
    logger.exception("Unexpected error in %s", context.get("view").__class__.__name__)
    set_rollback()
    return Response(error_body("server_error", SERVER_ERROR_MESSAGE), status=500)


def _api_exception(exc):
    headers = {}
    code, message = "error", str(exc.detail)
    for exc_class, exc_code, exc_message in API_EXCEPTIONS:
        if isinstance(exc, exc_class):
            code, message = exc_code, exc_message or message
            break
    details = {}
    if isinstance(exc, exceptions.PermissionDenied) and str(exc.detail).startswith("CSRF Failed"):
        # SessionAuthentication's refusal: the caller lacks a token, not a permission. The
        # code stays permission_denied (the contract); the message says what to send.
        message = CSRF_MESSAGE
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, int((exc.wait or 1) + 0.999))
        message = (
            f"Too many requests from this client. Wait {wait} "
            f"{'second' if wait == 1 else 'seconds'}, then try again."
        )
        details = {"retry_after": wait}
        headers["Retry-After"] = str(wait)
    elif isinstance(exc, exceptions.MethodNotAllowed):
        message = f"{exc.detail} Check the allowed methods in /api/docs/."
    elif isinstance(exc, exceptions.AuthenticationFailed):
        message = str(exc.detail)
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    return Response(error_body(code, message, details), status=exc.status_code, headers=headers)


# What to do with an id that is no request id, wherever one is given (a path, a filter).
REQUEST_ID_HINT = (
    "request ids are UUIDs such as 0b6f4c2e-8d1a-4e5b-9c3f-7a2d1e6b5c48; list the tenant's "
    "requests (GET /api/v1/unlock-requests/?tenant=<slug>) to find it."
)


@csrf_exempt
def not_a_request_id(request, request_id):
    """The routes of one request, for an id their <uuid:> converter refused: the path is
    right, the id is not, so say that rather than that no endpoint is there."""
    shown = request_id[:64]
    try:
        # The converter takes a UUID only as the API writes it: lowercase, with hyphens.
        spelled = uuid.UUID(request_id)
    except ValueError:
        message = f'"{shown}" is not an unlock request id: {REQUEST_ID_HINT}'
    else:
        message = (
            f'"{shown}" is a UUID written otherwise than request ids are (lowercase, with '
            f"hyphens): put {spelled} in the path instead."
        )
    return JsonResponse(error_body("not_found", message, {"id": shown}), status=404)
