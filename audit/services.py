"""Writing the audit trail: one function, inside the caller's transaction."""

from django.db import transaction
from django.utils import timezone

from audit.actors import Actor
from audit.chain import HASHED_FIELDS, entry_hash
from audit.models import AuditChainHead, AuditEntry


def record_entry(
    *,
    tenant,
    action: str,
    actor: Actor,
    request=None,
    target=None,
    state_before: str = "",
    state_after: str = "",
    code: str = "",
    consent_version: int | None = None,
    consent_sha256: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append one entry to the tenant's chain, in the transaction of the change it records.

    `target` is a record (with `record_type` and `number`) or a (type, number) pair.
    """
    with transaction.atomic():
        # The head row serialises writers of one tenant: no gaps, no forks.
        head, _ = AuditChainHead.objects.get_or_create(tenant_id=tenant.pk)
        head = AuditChainHead.objects.select_for_update().get(pk=head.pk)
        if target is None:
            target_type, target_number = "", ""
        elif isinstance(target, tuple):
            target_type, target_number = target
        else:
            target_type, target_number = target.record_type, target.number
        entry = AuditEntry(
            tenant_id=tenant.pk,
            seq=head.last_seq + 1,
            at=timezone.now(),
            actor_kind=actor.kind,
            actor_label=actor.label,
            actor_user_id=actor.user_id,
            actor_api_client_id=actor.api_client_id,
            action=action,
            target_type=target_type,
            target_number=target_number,
            request_id=getattr(request, "pk", request),
            state_before=state_before or "",
            state_after=state_after or "",
            code=code,
            consent_version=consent_version,
            consent_sha256=consent_sha256,
            ip=actor.ip,
            user_agent=actor.user_agent,
            http_request_id=actor.request_id,
            data=data or {},
            prev_hash=head.last_hash,
        )
        entry.hash = entry_hash({f: getattr(entry, f) for f in HASHED_FIELDS}, head.last_hash)
        entry.save()
        head.last_seq = entry.seq
        head.last_hash = entry.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return entry
