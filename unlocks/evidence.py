"""A request's evidence bundle: one JSON document that proves one approval on its own,
checked offline by `tools/verify_evidence.py` with the public keys alone.

Format "unlock-desk-evidence/1" (docs/evidence-bundle.md): what people read (the request,
the records with their customers and amounts, the consent text as accepted, who approved
with which factors from where, a summary), every audit entry of the request with the
content its hash covers, and the first signed checkpoint that covers them with an
inclusion proof. Every figure people read is also in an entry, and the verifier holds
each against it; the entries hold against the checkpoint, the checkpoint against its key.
"""

import json

from django.db.models import Subquery
from django.http import HttpResponse
from django.utils import timezone

from audit.models import AuditAction, AuditCheckpoint, AuditEntry
from audit.proofs import proven_entries
from core import words
from unlocks import money
from unlocks.models import ConsentText, RequestStatus

FORMAT = "unlock-desk-evidence/1"
# How many records the summary names before it says how many more.
SUMMARY_RECORDS = 20


def evidence_for(request) -> dict:
    """The bundle of `request` (with its tenant), as it stands now."""
    entries, checkpoint = proven_entries(
        tenant_id=request.tenant_id, entries=AuditEntry.objects.filter(request_id=request.pk)
    )
    approval = next(
        (e for e in reversed(entries) if e["fields"]["action"] == AuditAction.REQUEST_APPROVED),
        None,
    )
    currency = request.tenant.currency
    bundle = {
        "format": FORMAT,
        "generated_at": timezone.now().isoformat(),
        "tenant": {"slug": request.tenant.slug, "name": request.tenant.name},
        "request": {
            "id": str(request.pk),
            "status": request.status_now,
            "caller_name": request.caller_name,
            "caller_email": request.caller_email,
            "channel": request.channel,
            "reason": request.reason,
            "ticket": request.ticket,
            "opened_by": request.opened_by,
            "opened_at": request.created_at.isoformat(),
            "window_hours": request.window_hours,
        },
        "consent": _consent(request),
        "approval": _approval(approval, currency),
        "records": _records(entries, currency),
        "passkey": _passkey(entries, approval),
        "entries": entries,
        "checkpoint": checkpoint,
        "covered": checkpoint is not None,
    }
    bundle["summary"] = summary(bundle)
    return bundle


def evidence_json(request) -> bytes:
    """The bundle as the file people download: UTF-8 JSON, indented to be read."""
    return json.dumps(evidence_for(request), indent=2, ensure_ascii=False).encode()


def filename(request) -> str:
    return f"unlock-evidence-{request.tenant.slug}-{request.reference}.json"


def evidence_download(request) -> HttpResponse:
    """The bundle as a file to save, for the pages and the console."""
    response = HttpResponse(evidence_json(request), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{filename(request)}"'
    return response


def covering_checkpoint(request):
    """The signed checkpoint that covers every audit entry of the request so far, or None
    while none does (one query)."""
    last = (
        AuditEntry.objects.filter(tenant_id=request.tenant_id, request_id=request.pk)
        .order_by("-seq")
        .values("seq")[:1]
    )
    return (
        AuditCheckpoint.objects.filter(tenant_id=request.tenant_id, tree_size__gte=Subquery(last))
        .order_by("number")
        .first()
    )


def _consent(request):
    if request.consent_version is None:
        return None
    consent = ConsentText.objects.filter(version=request.consent_version).first()
    return {
        "version": request.consent_version,
        "sha256": request.consent_sha256,
        "text": consent.text if consent else None,
    }


def _approval(entry, currency):
    if entry is None:
        return None
    fields, data = entry["fields"], entry["fields"]["data"]
    return {
        "approver": data.get("approver"),
        "approved_with": data.get("approved_with") or ["pin"],
        "at": fields["at"],
        "ip": fields["ip"],
        "user_agent": fields["user_agent"],
        "transactions": data.get("transactions"),
        "total": data.get("total"),
        "currency": data.get("currency", currency),
        "unlocked_until": data.get("unlocked_until"),
        "entry": entry["seq"],
    }


def _passkey(entries, approval):
    """The approving admin's passkey signature on the consent statement, as its entry keeps
    it (of two approvers, the one whose approval unlocked)."""
    if approval is None:
        return None
    approver = approval["fields"]["data"].get("approver")
    signed = [
        e
        for e in entries
        if e["fields"]["action"] == AuditAction.CONSENT_SIGNED
        and e["fields"]["data"].get("approver") == approver
    ]
    return signed[-1]["fields"]["data"] | {"entry": signed[-1]["seq"]} if signed else None


def _records(entries, currency):
    """Each record the approval opened, as its entry recorded it."""
    records = []
    for entry in entries:
        fields = entry["fields"]
        if fields["action"] != AuditAction.RECORD_UNLOCKED:
            continue
        data = fields["data"]
        record = {
            "type": fields["target_type"],
            "number": fields["target_number"],
            "state_before": fields["state_before"],
            "entry": entry["seq"],
        }
        if "amount_cents" in data:
            record["customer"] = data["customer"]
            record["amount"] = str(money.decimal_amount(data["amount_cents"]))
            record["currency"] = currency
        if "total_cents" in data:
            record["transactions"] = data["transactions"]
            record["total"] = str(money.decimal_amount(data["total_cents"]))
            record["currency"] = currency
        if "with_batch" in data:
            record["opened_with_batch"] = data["with_batch"]
        records.append(record)
    return records


def summary(bundle) -> list[str]:
    """The bundle in sentences, for people (the verifier writes its own from what holds)."""
    request, approval = bundle["request"], bundle["approval"]
    tenant = bundle["tenant"]
    lines = [
        words.EVIDENCE_OPENED.format(
            id=request["id"],
            tenant=tenant["name"],
            at=request["opened_at"],
            by=request["opened_by"],
            caller=request["caller_name"],
            email=request["caller_email"],
            channel=request["channel"],
        )
    ]
    if approval:
        lines.append(
            words.EVIDENCE_APPROVED.format(
                by=approval["approver"],
                at=approval["at"],
                factors=words.factors_in_words(approval["approved_with"]),
                ip=approval["ip"] or "an unrecorded address",
            )
        )
        if approval["total"] is not None:
            total = money.format_money(money.cents_of(approval["total"]), approval["currency"])
            lines.append(
                words.EVIDENCE_REOPENED.format(count=approval["transactions"], total=total)
            )
    for record in bundle["records"][:SUMMARY_RECORDS]:
        lines.append(f"  {record['type']} {record['number']}: {_identity(record)}")
    if len(bundle["records"]) > SUMMARY_RECORDS:
        more = len(bundle["records"]) - SUMMARY_RECORDS
        lines.append(words.EVIDENCE_MORE_RECORDS.format(count=more))
    if bundle["consent"]:
        lines.append(words.EVIDENCE_CONSENT.format(**bundle["consent"]))
    checkpoint = bundle["checkpoint"]
    if checkpoint:
        lines.append(words.EVIDENCE_COVERED.format(**checkpoint))
    elif request["status"] == RequestStatus.COMPLETED or approval:
        lines.append(words.EVIDENCE_NOT_YET_COVERED)
    return lines


def _identity(record):
    if "total" in record:
        total = money.format_money(money.cents_of(record["total"]), record["currency"])
        return f"{record['transactions']} transactions, {total}"
    if "amount" in record:
        amount = money.format_money(money.cents_of(record["amount"]), record["currency"])
        return f"{record['customer']}, {amount}" if record["customer"] else amount
    return "(its amount was not recorded with the approval)"
