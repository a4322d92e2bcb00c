"""The one shape of every error the site answers in JSON (API.md), and the sentences that
the API's handler and the site's error pages both say:

    {"error": {"code": "snake_case_code", "message": "A sentence.", "details": {...}}}
"""

from django.conf import settings


def error_body(code, message, details=None):
    return {"error": {"code": code, "message": message, "details": details or {}}}


PERMISSION_DENIED_MESSAGE = (
    "You are signed in but not allowed to do this. Ask an administrator for the "
    "support agent permissions."
)

SERVER_ERROR_MESSAGE = (
    "Something went wrong on our side and nothing was changed. Try again in a minute; "
    "if it keeps happening, tell support the time of the call."
)

BAD_REQUEST_MESSAGE = (
    "The request could not be read: it is malformed or too large. Check the body, "
    "headers and query string against /api/docs/, then retry."
)

CSRF_MESSAGE = (
    "A call signed in with a session cookie must carry the CSRF token: send the csrftoken "
    "cookie's value in the X-CSRFToken header, or call with an API key instead."
)


def too_large_message():
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return (
        f"The request body is larger than {limit // 1024} KiB. Send fewer targets or a "
        "shorter text, or split the work into several requests."
    )
