"""What the audit trail tells the apps above it, which it never imports."""

from django.dispatch import Signal

# A new checkpoint was signed: `checkpoint` (an AuditCheckpoint) covers the tenant's entries
# after seq `after` up to its tree size, which no checkpoint covered before.
checkpoint_signed = Signal()
