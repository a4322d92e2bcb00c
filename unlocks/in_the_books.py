"""What the customer's books hold of the records at stake (SPEC rule 14): where the unlock
side asks them (`books.lookup`) and shapes their answer for the rule, the doors and the
audit entry. Asked once per outlook, outside any row lock: a slow QuickBooks never holds
a lock, and a failed check says why and blocks nothing.

A target's part, as the API carries it (`as_json`) and every door renders it:
{"status", "checked_at", "reason", "found": [...], "closing_date", "before_closing_date",
"edited_after_export"}, and a batch's `transactions`, each with a part of its own.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from books import lookup
from books.interface import BY_ID, LOOK_ALIKE, Asked
from core import words
from unlocks.models import ExportRecord, Invoice, Payment, RecordType
from unlocks.money import cents_of, decimal_amount, format_money

KINDS = ((Invoice, RecordType.INVOICE), (Payment, RecordType.PAYMENT))


@dataclass
class Booked:
    """The books' answer for a set of targets: the check, and what each target stands for
    there (a transaction itself, or a batch's transactions)."""

    check: lookup.Check
    currency: str = "USD"
    # (type, number) -> the Asked of each transaction at stake.
    asked: dict = field(default_factory=dict)
    # batch id -> [(type, number)] of its transactions.
    members: dict = field(default_factory=dict)

    def keys_of(self, record):
        if record is None:
            return []
        if record.record_type == RecordType.BATCH:
            return self.members.get(record.pk, [])
        return [(record.record_type, record.number)]

    def found_of(self, record):
        return [f for key in self.keys_of(record) for f in self.check.found_for(*key)]

    def part(self, record):
        """The `quickbooks` part of one target (with a batch's transactions)."""
        part = self._part(self.keys_of(record), record)
        if record is not None and record.record_type == RecordType.BATCH and self.check.checked:
            part["transactions"] = [
                {"type": t, "number": n, "quickbooks": self._part([(t, n)], None)}
                for t, n in self.keys_of(record)
            ]
        return part

    def _part(self, keys, record):
        check = self.check
        found = [f for key in keys for f in check.found_for(*key)]
        asked = [self.asked[key] for key in keys if key in self.asked]
        closing = check.closing_date
        return {
            "status": check.status,
            "checked_at": check.checked_at,
            "reason": check.reason,
            "found": [_found_json(f) for f in found],
            "closing_date": closing,
            "before_closing_date": bool(
                closing and any(a.date and a.date <= closing for a in asked)
            ),
            "edited_after_export": any(
                _edited(f, self.asked.get((f.type, f.asked_number))) for f in found
            ),
        }


def _edited(found, asked):
    return bool(
        found.how == BY_ID
        and asked is not None
        and asked.exported_at
        and found.updated_at
        and found.updated_at > asked.exported_at
    )


def _found_json(found):
    return {
        "type": found.type,
        "number": found.number,
        "quickbooks_id": found.quickbooks_id,
        "amount": str(decimal_amount(found.amount_cents)),
        "customer": found.customer,
        "date": found.date,
        "created_at": found.created_at,
        "by_export": found.by_export,
        "match": found.how,
    }


def as_shown(booked, targets):
    """What the approver was shown, for the approval's audit entry and the receipt: when
    the books were checked, and what was found of each target, or why not checked.
    ({"quickbooks": ...}, to add to an entry's data; empty where no books are set up.)"""
    check = booked.check
    if not lookup.configured():
        return {}
    return {
        "quickbooks": {
            "status": check.status,
            "checked_at": check.checked_at.isoformat() if check.checked_at else None,
            "reason": check.reason,
            "closing_date": check.closing_date.isoformat() if check.closing_date else None,
            "records": [
                {
                    "type": t.record.record_type,
                    "number": t.record.number,
                    "found": [
                        {
                            **f,
                            "date": f["date"] and f["date"].isoformat(),
                            "created_at": f["created_at"] and f["created_at"].isoformat(),
                        }
                        for f in booked.part(t.record)["found"]
                    ],
                }
                for t in targets
            ],
        }
    }


def _transactions(tenant, targets):
    """The transactions at stake, as the books are asked of them: the targets' own and
    each batch's (one query per kind), with the ids their exports recorded (one query).
    (asked by (type, number), batch id -> its keys); None where there are too many."""
    rows = {}
    members = {}
    batch_ids = [t.record.pk for t in targets if t.record.record_type == RecordType.BATCH]
    for target in targets:
        record = target.record
        if record.record_type != RecordType.BATCH:
            rows[(record.record_type, record.pk)] = record
    for model, kind in KINDS:
        if batch_ids:
            for record in model.objects.filter(batch_id__in=batch_ids).order_by("number")[
                : settings.QUICKBOOKS_MAX_RECORDS + 1
            ]:
                rows[(kind, record.pk)] = record
                members.setdefault(record.batch_id, []).append((kind, record.number))
    if len(rows) > settings.QUICKBOOKS_MAX_RECORDS:
        return None, members
    exports = {}
    ids = {kind: [pk for (k, pk) in rows if k == kind] for _, kind in KINDS}
    exported = ExportRecord.objects.filter(
        Q(invoice_id__in=ids["invoice"]) | Q(payment_id__in=ids["payment"]), tenant=tenant
    ).values_list("invoice_id", "payment_id", "external_id", "exported_at")
    for invoice_id, payment_id, external_id, exported_at in exported:
        key = ("invoice", invoice_id) if invoice_id else ("payment", payment_id)
        ids_, last = exports.get(key, ((), None))
        exports[key] = ((*ids_, external_id), max(filter(None, (last, exported_at))))
    asked = {}
    for (kind, pk), record in rows.items():
        export_ids, exported_at = exports.get((kind, pk), ((), None))
        asked[(kind, record.number)] = Asked(
            type=kind,
            number=record.number,
            customer=record.customer,
            amount_cents=record.amount_cents,
            date=record.date,
            export_ids=export_ids,
            exported_at=exported_at,
        )
    return asked, members


def not_asked(tenant):
    """The answer where this desk has no books set up: nothing asked, nothing found."""
    return Booked(check=lookup.not_set_up(), currency=getattr(tenant, "currency", "USD"))


def ask(tenant, targets):
    """What the books hold of `targets` (the outlook's TargetOutlooks, with `record`)."""
    return _asked(
        tenant,
        targets,
        lambda asked, connection: lookup.check(tenant, asked, connection=connection),
    )


def since(tenant, targets, when):
    """What the books hold now of `targets` (with `record`; opened by an approval at
    `when`), the change feed's additions since included: the window's end statement."""
    return _asked(
        tenant,
        targets,
        lambda asked, connection: lookup.since(tenant, asked, when, connection=connection),
    )


def _asked(tenant, targets, check):
    """`check(asked, connection)` of the transactions at stake in `targets`, or why the
    books were not asked (none connected, too many transactions)."""
    connection, cannot = lookup.unasked(tenant)
    if cannot is not None:
        return Booked(check=cannot, currency=tenant.currency)
    asked, members = _transactions(tenant, targets)
    if asked is None:
        too_many = lookup.Check(
            status=lookup.UNAVAILABLE,
            reason=f"More than {settings.QUICKBOOKS_MAX_RECORDS} transactions are at stake, "
            "more than the desk asks QuickBooks about at once. Check them in QuickBooks' "
            "audit log.",
        )
        return Booked(check=too_many, currency=tenant.currency, members=members)
    checked = check(list(asked.values()), connection)
    return Booked(check=checked, currency=tenant.currency, asked=asked, members=members)


def window_statement(request):
    """What happened to each transaction an approval opened, once its window ends (the
    request read with its tenant and targets): re-exported in the window or not (our
    export history), and how many times QuickBooks holds it now (its change feed since the
    approval included: twice is a suspected duplicate). None where no books are connected.
    """
    booked = since(request.tenant, list(request.targets.all()), request.approved_at)
    check = booked.check
    if check.status == lookup.NOT_CONNECTED:
        return None
    keys = list(booked.asked)
    numbers = {kind: [n for k, n in keys if k == kind] for _, kind in KINDS}
    re_exported = set()
    for invoice, payment in ExportRecord.objects.filter(
        Q(invoice__number__in=numbers["invoice"]) | Q(payment__number__in=numbers["payment"]),
        tenant=request.tenant,
        exported_at__gte=request.approved_at,
    ).values_list("invoice__number", "payment__number"):
        re_exported.add(("invoice", invoice) if invoice else ("payment", payment))
    return {
        "status": check.status,
        "checked_at": check.checked_at.isoformat() if check.checked_at else None,
        "reason": check.reason,
        "records": [
            {
                "type": kind,
                "number": number,
                "re_exported": (kind, number) in re_exported,
                "in_quickbooks": len({f.quickbooks_id for f in check.found_for(kind, number)})
                if check.checked
                else None,
            }
            for kind, number in keys
        ],
    }


# ---------------------------------------------------------------- in words


def window_in_words(statement):
    """A window's end statement (`window_statement`) as people read it, a line a record."""
    if not statement:
        return []
    lines = []
    if statement["status"] != lookup.CHECKED:
        lines.append(words.QUICKBOOKS_NOT_CHECKED_AT_THE_END.format(reason=statement["reason"]))
    for record in statement["records"]:
        said = [words.RE_EXPORTED if record["re_exported"] else words.NOT_RE_EXPORTED]
        if record["in_quickbooks"] is not None:
            said.append(words.IN_QUICKBOOKS_NOW[min(record["in_quickbooks"], 2)])
        lines.append(f"{record['type'].capitalize()} {record['number']}: {'; '.join(said)}.")
    return lines


def found_in_words(found, currency):
    line = words.IN_QUICKBOOKS.format(
        type=found["type"],
        number=found["number"] or "(no number)",
        amount=format_money(cents_of(found["amount"]), currency),
        customer=found["customer"] or "no customer",
        created=_day(found["created_at"]),
        how=words.BY_EXPORT if found["by_export"] else words.BY_HAND,
    )
    if found["match"] == LOOK_ALIKE:
        line = f"{line[:-1]} {words.LOOK_ALIKE}."
    return line


def _day(when):
    """The day of a time, as a found record carries it (a datetime, or ISO 8601 text once
    it is kept in an audit entry)."""
    if not when:
        return "at a time not given"
    return when[:10] if isinstance(when, str) else when.date().isoformat()


def shown_in_words(shown, currency):
    """What the approver was shown of the books (`as_shown`, kept in the approval's audit
    entry), as the receipt says it: [] where no books are set up or connected. (When they
    were checked is `shown_at`.)"""
    if not shown or shown["status"] == lookup.NOT_CONNECTED:
        return []
    if shown["status"] != lookup.CHECKED:
        return [words.QUICKBOOKS_NOT_CHECKED.format(reason=shown["reason"])]
    found = [f for record in shown["records"] for f in record["found"]]
    if not found:
        return [words.NONE_OF_THESE_IN_QUICKBOOKS]
    return [found_in_words(f, currency) for f in found]


def shown_at(shown):
    """When the books the approver was shown were checked, or None."""
    when = (shown or {}).get("checked_at")
    return parse_datetime(when) if when else None


def in_words(part, currency, *, batch=False):
    """The lines a person reads of one target's part: what was found, or that nothing
    was, or why the books could not be asked; the closing date and an edit there."""
    if part["status"] == lookup.NOT_CONNECTED:
        return []
    if part["status"] != lookup.CHECKED:
        return [words.QUICKBOOKS_NOT_CHECKED.format(reason=part["reason"])]
    lines = [found_in_words(f, currency) for f in part["found"]]
    if not lines:
        lines = [words.NONE_OF_THE_BATCH_IN_QUICKBOOKS if batch else words.NOT_IN_QUICKBOOKS]
    if part["before_closing_date"]:
        lines.append(words.BEFORE_CLOSING_DATE.format(closing_date=part["closing_date"]))
    if part["edited_after_export"]:
        lines.append(words.EDITED_IN_QUICKBOOKS)
    return lines
