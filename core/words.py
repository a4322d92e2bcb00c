"""The words people read, said once: what a lock state means, what an approval was proved
with, and the advice against re-exporting what may be in the books already. Every door
(the console, the tenant's pages, the emails) reads them here; templates through the
`say` tag (`{% load words %}{% say "duplicate_risk" %}`)."""

# Why a record is (or is not) locked, as its own people and support read it.
WHY_LOCKED = {
    "open": "Open: it is not locked. You can edit it and export it as it is.",
    "bypassed": "Bypassed: it was handled outside the export to the accounting system, so it "
    "is locked (read-only) and will not be exported.",
    "imported": "Imported: it came in from another system, so it is locked (read-only).",
    "exported": "Exported: it is in the accounting system, so it is locked (read-only), and "
    "support cannot unlock it while it is exported.",
}
# An exported batch is final (SPEC rule 1), unlike an exported transaction.
WHY_LOCKED_EXPORTED_BATCH = (
    "Exported: it is in the accounting system, so it is locked (read-only) for good. Support "
    "can never unlock an exported batch."
)


def why_locked(record_type, state):
    """Why a record in `state` (as it reads now) is locked, in words."""
    if record_type == "batch" and state == "exported":
        return WHY_LOCKED_EXPORTED_BATCH
    return WHY_LOCKED[state]


# What an approval was proved with.
FACTOR_WORDS = {"pin": "the account PIN", "totp": "an authenticator code", "passkey": "a passkey"}


def factors_in_words(approved_with):
    """["pin", "totp"] as people say it: "the account PIN and an authenticator code"."""
    return " and ".join(FACTOR_WORDS.get(f, f) for f in approved_with or ["pin"])


# Bypassed batches (and transactions that were exported before) may already have been
# keyed in by hand; exporting them again can duplicate entries (SPEC rule 4).
DUPLICATE_RISK = (
    "Exporting this again can duplicate entries that the customer already keyed in by "
    "hand in QuickBooks. The recommended course is to add the items manually in the "
    "accounting software instead of unlocking."
)
# The same, to the customer's own people.
DUPLICATE_RISK_TO_THE_CUSTOMER = (
    "It may already be in QuickBooks, keyed in by hand: exporting it again can enter the "
    "same items twice. Adding the items by hand in QuickBooks is recommended instead of "
    "unlocking."
)

# What each refusal code means, in the words an agent says to a caller. The code itself is
# for support and the API: the console shows it small and muted after these words.
CODE_WORDS = {
    "invalid": "the request was not valid",
    "unknown_tenant": "no such tenant",
    "unknown_record": "no such record",
    "not_found": "no such request",
    "exported_batch": "the batch was exported",
    "exported_record": "the record was exported",
    "transactions_exported": "transactions of the batch were exported",
    "not_locked": "the record is not locked",
    "request_not_pending": "the request is no longer pending",
    "not_tenant_admin": "not an admin of the tenant",
    "pin_incorrect": "wrong PIN",
    "pin_locked": "PIN locked",
    "pin_not_set": "no account PIN is set",
    "consent_required": "consent not accepted",
    "consent_stale": "the consent text changed",
    "duplicate_risk_not_acknowledged": "duplicate risk not acknowledged",
    "found_in_quickbooks_unacknowledged": "records found in QuickBooks not acknowledged",
    "request_not_completed": "the request unlocked nothing",
    "already_relocked": "the unlock had already ended",
    "second_factor_required": "the admin's second factor was not given",
    "second_factor_incorrect": "wrong second factor",
    "second_factor_wait": "a code sent too soon after a wrong one, not checked",
    "already_approved_by_you": "that admin approved it already: another must approve",
    "request_not_awaiting_approval": "only a request waiting for a second approval",
    "too_few_admins": "two approvals need two admins",
    "policy_change_not_pending": "the policy change no longer waits",
}


def in_words(code):
    """A refusal code as words; an unknown one spelled out, never shown bare."""
    return CODE_WORDS.get(code) or code.replace("_", " ")


# An approved request, as its status reads now: its unlock running, or ended, and how
# (unlocks.rules.UnlockNow.state).
UNLOCK_NOW = {
    "unlocked": "Unlocked",
    "relocked_early": "Re-locked early",
    "ended_by_itself": "Ended",
}

# Who reads the reason someone gives for re-locking early (the console's and the receipt's
# box say it): the relocked email, the receipt, the helpdesk's webhook, the audit trail.
RELOCK_REASON_READERS = (
    "Every admin of the account reads it, in the email telling them of the re-lock and on "
    "the receipt; support reads it in the helpdesk ticket and the audit trail, where it "
    "stays."
)

SAID = {
    "evidence_download": "Download the evidence bundle (JSON)",
    "evidence_explained": "One file that proves this approval on its own: the records and "
    "amounts, the consent as accepted, who approved and how, and the signed audit entries. "
    "Your auditor checks it offline with tools/verify_evidence.py and our public keys.",
    "evidence_not_yet_covered": "Not yet covered by a signed checkpoint: the next one is "
    "signed within minutes; the bundle downloaded after it proves the approval.",
    "duplicate_risk": DUPLICATE_RISK,
    "duplicate_risk_to_the_customer": DUPLICATE_RISK_TO_THE_CUSTOMER,
}


# An evidence bundle (unlocks/evidence.py): its summary, and where it is offered.
EVIDENCE_OPENED = (
    "Unlock request {id} for {tenant}, opened {at} by {by} ({channel}) for {caller} <{email}>."
)
EVIDENCE_APPROVED = "Approved {at} by {by} with {factors}, from {ip}."
EVIDENCE_REOPENED = "It reopened {count} transaction(s), {total} in all:"
EVIDENCE_MORE_RECORDS = "  and {count} more, each listed in the bundle's records."
EVIDENCE_CONSENT = "Consent text version {version} (SHA-256 {sha256}) accepted word for word."
EVIDENCE_COVERED = (
    "Its audit entries are covered by signed checkpoint {number} (entries up to #{tree_size}, "
    "key {key_id}, signed {signed_at})."
)
EVIDENCE_NOT_YET_COVERED = (
    "Not yet covered by a signed checkpoint: download the bundle again in a few minutes, "
    "after the next one is signed."
)

# What the customer's QuickBooks holds of a record (SPEC rule 14).
FOUND_IN_QUICKBOOKS = (
    "It is in QuickBooks already: exporting it again will enter the same items twice. Fix "
    "it in QuickBooks instead, or delete the copy there before exporting again."
)
IN_QUICKBOOKS = "In QuickBooks as {type} {number}, {amount}, {customer}, created {created} {how}."
BY_EXPORT = "by an export"
BY_HAND = "by hand, not by an export"
LOOK_ALIKE = "(a look-alike: same customer, amount and date, another number)"
NOT_IN_QUICKBOOKS = "Not in QuickBooks."
ACKNOWLEDGE_FOUND = (
    "I understand that QuickBooks already holds {numbers}, that exporting again will enter "
    "them twice, and I still want them unlocked."
)
NONE_OF_THE_BATCH_IN_QUICKBOOKS = "None of this batch's transactions is in QuickBooks."
NONE_OF_THESE_IN_QUICKBOOKS = "None of these records was in QuickBooks."
QUICKBOOKS_NOT_CHECKED = "QuickBooks could not be checked: {reason}"
BEFORE_CLOSING_DATE = (
    "Dated on or before the QuickBooks closing date ({closing_date}): re-exporting will hit "
    "the closing date; the accountant's closing-date password will be asked."
)
EDITED_IN_QUICKBOOKS = (
    "Changed in QuickBooks after our export: what is there is not what we exported."
)
# At the end of a window: what happened to each record while it was open.
QUICKBOOKS_NOT_CHECKED_AT_THE_END = (
    "QuickBooks could not be checked when the window ended: {reason}"
)
RE_EXPORTED = "re-exported in the window"
NOT_RE_EXPORTED = "not re-exported"
IN_QUICKBOOKS_NOW = {
    0: "not in QuickBooks now",
    1: "in QuickBooks once",
    2: "in QuickBooks twice or more: a suspected duplicate, check it",
}

SAID["found_in_quickbooks"] = FOUND_IN_QUICKBOOKS
