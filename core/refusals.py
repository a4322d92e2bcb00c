"""Refusals: errors as values with a code, a sentence a person can act on, and details.

The one error type of every app (STYLE.md 2): a service raises it, each front end turns
it into its own form in one place (JSON, a form error, an admin message).
"""


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
    "found_in_quickbooks_unacknowledged": 400,
    "request_not_completed": 409,
    "already_relocked": 409,
    "second_factor_required": 400,
    "second_factor_incorrect": 403,
    "second_factor_wait": 429,
    "already_approved_by_you": 409,
    "request_not_awaiting_approval": 409,
    "too_few_admins": 409,
    "policy_change_not_pending": 409,
}
