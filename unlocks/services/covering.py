"""When a signed checkpoint covers an approval: its webhook (`unlock_request.covered`)
carries the checkpoint, so a helpdesk knows the approval's evidence bundle is complete."""

from audit.models import AuditAction, AuditEntry
from unlocks.models import UnlockRequest
from unlocks.services.shared import announce


def announce_covered(sender, *, checkpoint, after, **kwargs):
    """Announce each approval whose entry the new checkpoint is the first to cover."""
    approved = AuditEntry.objects.filter(
        tenant_id=checkpoint.tenant_id,
        action=AuditAction.REQUEST_APPROVED,
        seq__gt=after,
        seq__lte=checkpoint.tree_size,
    ).values("request_id")
    requests = UnlockRequest.objects.select_related("tenant", "approved_by").filter(pk__in=approved)
    for request in requests:
        announce("covered", request, checkpoint=checkpoint)
