"""Refusals: errors as values with a code, a sentence a person can act on, and details."""


class Refusal(Exception):
    """A rule or guard said no. Each front end turns it into its own form in one place."""

    def __init__(self, code: str, message: str, details: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details or {}
        # True once the service has written the refused attempt into the audit trail.
        self.audited = False

    def as_dict(self):
        return {"code": self.code, "message": self.message, "details": self.details}

    def __repr__(self):
        return f"Refusal({self.code!r})"


def no_such_request(request_id):
    """The refusal for an unlock request id that names none, as every front end says it."""
    shown = str(request_id)[:64]
    try:
        # Shown back only as text that can be stored: no NUL, no lone surrogate.
        shown.encode("utf-8")
        storable = "\x00" not in shown
    except UnicodeEncodeError:
        storable = False
    return Refusal(
        "not_found",
        "There is no unlock request with that id. Check the id, or list the tenant's requests.",
        {"id": shown if storable else None},
    )


# The HTTP status each refusal code answers with in the API (API.md).
HTTP_STATUS = {
    "invalid": 400,
    "unknown_tenant": 404,
    "unknown_record": 404,
    "not_found": 404,
    "exported_batch": 409,
    "exported_record": 409,
    "transactions_exported": 409,
    "not_locked": 409,
    "request_not_pending": 409,
    "not_tenant_admin": 403,
    "pin_incorrect": 403,
    "pin_locked": 423,
    "pin_not_set": 409,
    "consent_required": 400,
    "consent_stale": 409,
    "duplicate_risk_not_acknowledged": 400,
    "request_not_completed": 409,
    "already_relocked": 409,
    "second_factor_required": 400,
    "second_factor_incorrect": 403,
}
