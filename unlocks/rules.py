"""The rules of an unlock (SPEC.md), as plain functions that return refusals.

Every function here is pure: it judges records and the facts gathered about them
(see `unlocks.selectors.gather_facts`) and touches no database.
"""

from dataclasses import dataclass, field

from unlocks.models import LockState, RecordType
from unlocks.refusals import Refusal

DUPLICATE_RISK = "duplicate_risk"

# Bypassed batches (and transactions that were exported before) may already have been
# keyed in by hand; exporting them again can duplicate entries (SPEC rule 4).
DUPLICATE_RISK_TEXT = (
    "Exporting this again can duplicate entries that the customer already keyed in by "
    "hand in QuickBooks. The recommended course is to add the items manually in the "
    "accounting software instead of unlocking."
)

LABEL = {RecordType.BATCH: "Batch", RecordType.INVOICE: "Invoice", RecordType.PAYMENT: "Payment"}


@dataclass
class Facts:
    """What the rules need to know beyond the records themselves."""

    # (record_type, id) of transactions with an export in their history.
    exported_history: set = field(default_factory=set)
    # batch id -> {"invoices": [numbers], "payments": [numbers]} of all its transactions.
    batch_contents: dict = field(default_factory=dict)
    # batch id -> numbers of its transactions that have an export in their history.
    batch_exported: dict = field(default_factory=dict)


def _target(record):
    return {"type": record.record_type, "number": record.number}


def exported_batch(batch, facts):
    if batch.record_type != RecordType.BATCH or batch.state != LockState.EXPORTED:
        return None
    contents = facts.batch_contents.get(batch.pk, {"invoices": [], "payments": []})
    names = contents["invoices"] + contents["payments"]
    route = (
        f"Bypass the invoices and payments in it instead ({', '.join(names)}), then ask "
        "again to unlock those."
        if names
        else "It holds no invoices or payments now; find the transactions you need and "
        "ask to unlock those instead."
    )
    return Refusal(
        "exported_batch",
        f"Batch {batch.number} was exported to the accounting system and can never be "
        f"unlocked. {route}",
        {"target": _target(batch), **contents},
    )


def exported_record(record, facts):
    if record.record_type == RecordType.BATCH or record.state != LockState.EXPORTED:
        return None
    label = LABEL[record.record_type].lower()
    return Refusal(
        "exported_record",
        f"{LABEL[record.record_type]} {record.number} was exported to the accounting "
        f"system and cannot be unlocked. Bypass the {label} first, then ask again to "
        "unlock it.",
        {"target": _target(record), "batch": getattr(record.batch, "number", None)},
    )


def transactions_exported(batch, facts):
    if batch.record_type != RecordType.BATCH or batch.state != LockState.BYPASSED:
        return None
    exported = facts.batch_exported.get(batch.pk)
    if not exported or not (exported["invoices"] or exported["payments"]):
        return None
    names = exported["invoices"] + exported["payments"]
    return Refusal(
        "transactions_exported",
        f"Batch {batch.number} cannot be unlocked because {', '.join(names)} in it "
        f"{'was' if len(names) == 1 else 'were'} already exported. Ask to unlock the "
        "batch's other transactions one by one instead.",
        {"target": _target(batch), **exported},
    )


def not_locked(record, facts):
    if record.state != LockState.OPEN:
        return None
    return Refusal(
        "not_locked",
        f"{LABEL[record.record_type]} {record.number} is already open: there is nothing "
        "to unlock. Check the number, or leave it out of the request.",
        {"target": _target(record), "state": record.state},
    )


RULES = (exported_batch, exported_record, transactions_exported, not_locked)
# The codes of those rules, in SPEC order (each rule is named after its code).
RULE_CODES = tuple(rule.__name__ for rule in RULES)


def refusals_for(record, facts):
    """Every rule that refuses unlocking `record`, in SPEC order."""
    return [r for rule in RULES if (r := rule(record, facts)) is not None]


def warnings_for(record, facts):
    if record.record_type == RecordType.BATCH:
        risky = record.state == LockState.BYPASSED
    else:
        risky = (record.record_type, record.pk) in facts.exported_history
    return [DUPLICATE_RISK] if risky else []


def unknown_record(record_type, number, tenant):
    return Refusal(
        "unknown_record",
        f"There is no {record_type} numbered {number} in tenant {tenant.slug}. Check the "
        "type and the number (for example B-1001, INV-42, PAY-7).",
        {"target": {"type": record_type, "number": number}},
    )


def not_tenant_admin(tenant, email):
    return Refusal(
        "not_tenant_admin",
        f"{email or 'That person'} is not an admin of {tenant.name} now. Only one of the "
        "tenant's assigned admins can approve; ask one to verify.",
        {"admin_email": email},
    )
