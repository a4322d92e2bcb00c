"""The site's own error pages (handler400, 403, 404, 500 and CSRF_FAILURE_VIEW): JSON in the
one error shape under /api/, where no API view answered; elsewhere the pages of
templates/ (400.html, 403.html, 403_csrf.html, 404.html, 500.html)."""

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from core.errors import (
    BAD_REQUEST_MESSAGE,
    CSRF_MESSAGE,
    PERMISSION_DENIED_MESSAGE,
    SERVER_ERROR_MESSAGE,
    error_body,
    too_large_message,
)


def _is_api(request):
    return request.path.startswith("/api/")


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """The last /api/ route: JSON, even under DEBUG, where Django would show its own page."""
    return JsonResponse(
        error_body(
            "not_found",
            f"There is no API endpoint at {request.path}. Check the URL against /api/docs/; "
            "every API path ends with a slash.",
        ),
        status=404,
    )


def page_not_found(request, exception):
    if _is_api(request):
        return api_not_found(request)
    return defaults.page_not_found(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", PERMISSION_DENIED_MESSAGE), status=403)
    return defaults.permission_denied(request, exception)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token: most often a page left open too long."""
    if _is_api(request):
        return JsonResponse(error_body("permission_denied", CSRF_MESSAGE), status=403)
    context = {"no_cookie": reason == REASON_NO_CSRF_COOKIE}
    return render(request, "403_csrf.html", context, status=403)


def bad_request(request, exception):
    """Django's 400 (a malformed or oversized request refused before any view ran)."""
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(error_body("request_too_large", too_large_message()), status=413)
        return JsonResponse(error_body("invalid", BAD_REQUEST_MESSAGE), status=400)
    return defaults.bad_request(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse(error_body("server_error", SERVER_ERROR_MESSAGE), status=500)
    return defaults.server_error(request)
