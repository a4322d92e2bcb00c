from django.db import models


class AuditAction(models.TextChoices):
    REQUEST_OPENED = "request_opened", "Request opened"
    OPEN_REFUSED = "open_refused", "Opening refused"
    VERIFY_REFUSED = "verify_refused", "Verification refused"
    PIN_INCORRECT = "pin_incorrect", "Wrong PIN"
    PIN_LOCKED = "pin_locked", "PIN locked"
    REQUEST_APPROVED = "request_approved", "Approved"
    RECORD_UNLOCKED = "record_unlocked", "Record unlocked"
    REQUEST_REFUSED = "request_refused", "Refused at approval"
    REQUEST_CANCELLED = "request_cancelled", "Cancelled"
    CANCEL_REFUSED = "cancel_refused", "Cancelling refused"
    REQUEST_EXPIRED = "request_expired", "Expired"
    PIN_SET = "pin_set", "Account PIN set"
    RECORD_EXPORTED = "record_exported", "Exported"
    RECORD_BYPASSED = "record_bypassed", "Bypassed"
    RECORD_IMPORTED = "record_imported", "Imported"
    SIGN_IN_LOCKED = "sign_in_locked", "Sign-in locked"
    REQUEST_RELOCKED = "request_relocked", "Re-locked"
    RECORD_RELOCKED = "record_relocked", "Record re-locked"
    RELOCK_REFUSED = "relock_refused", "Re-locking refused"
    SECOND_FACTOR_INCORRECT = "second_factor_incorrect", "Wrong second factor"
    SECOND_FACTOR_REQUIREMENT_SET = "second_factor_requirement_set", "Second factor requirement set"
    CONSENT_SIGNED = "consent_signed", "Consent signed with a passkey"
    APPROVAL_RECORDED = "approval_recorded", "Approval recorded"
    POLICY_SET = "approval_policy_set", "Two-approver policy set"
    POLICY_PROPOSED = "approval_policy_proposed", "Two-approver policy change proposed"
    POLICY_WITHDRAWN = "approval_policy_withdrawn", "Two-approver policy change withdrawn"
    BOOKS_CONNECTED = "books_connected", "QuickBooks connected"
    BOOKS_DISCONNECTED = "books_disconnected", "QuickBooks disconnected"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only: it cannot be updated.")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only: it cannot be deleted.")


class AppendOnlyError(Exception):
    pass


class AuditChainHead(models.Model):
    """The last link of one tenant's chain; locked while an entry is appended."""

    tenant = models.OneToOneField(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="audit_head"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self):
        return f"{self.tenant_id} at #{self.last_seq}"


class AuditEntry(models.Model):
    """One step that happened, chained to the tenant's previous entry by hash."""

    # Indexed by audit_entry_seq_unique (and others), which lead with it.
    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="audit_entries", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=20)
    actor_label = models.CharField(max_length=254)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_api_client_id = models.BigIntegerField(null=True, blank=True)
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=20, blank=True)
    target_number = models.CharField(max_length=64, blank=True)
    # Kept as a plain value, not a foreign key: entries outlive anything they name.
    request_id = models.UUIDField(null=True, blank=True)
    state_before = models.CharField(max_length=20, blank=True)
    state_after = models.CharField(max_length=20, blank=True)
    code = models.CharField(max_length=60, blank=True)
    consent_version = models.PositiveIntegerField(null=True, blank=True)
    consent_sha256 = models.CharField(max_length=64, blank=True)
    ip = models.CharField(max_length=45, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    http_request_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["tenant_id", "seq"]
        verbose_name_plural = "audit entries"
        constraints = [
            models.UniqueConstraint(fields=["tenant", "seq"], name="audit_entry_seq_unique")
        ]
        indexes = [
            models.Index(fields=["request_id", "seq"], name="audit_request_idx"),
            models.Index(fields=["tenant", "action", "seq"], name="audit_tenant_action_idx"),
            models.Index(fields=["tenant", "target_number"], name="audit_tenant_target_idx"),
            models.Index(fields=["tenant", "at"], name="audit_tenant_at_idx"),
            # The console's list: newest first within an action, and exact searches.
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["target_number"], name="audit_target_number_idx"),
            models.Index(fields=["actor_label"], name="audit_actor_label_idx"),
        ]

    def __str__(self):
        return f"#{self.seq} {self.action} ({self.tenant_id})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit entries are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries are append-only: they cannot be deleted.")


class AuditCheckpoint(models.Model):
    """One tenant's chain head, signed (audit/checkpoints.py): append-only like entries.

    `note` is the whole signed note; the columns beside it are copies for queries, and
    whoever checks a checkpoint reads the note's signed text, never the columns.
    """

    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="audit_checkpoints"
    )
    number = models.PositiveIntegerField()
    tree_size = models.PositiveBigIntegerField()
    root_hash = models.CharField(max_length=64)
    head_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    key_id = models.CharField(max_length=8)
    note = models.TextField()
    # The roots of the tree's perfect subtrees (hex, largest first): the next checkpoint
    # extends them with the new entries alone.
    frontier = models.JSONField(default=list)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["tenant_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="audit_checkpoint_unique"),
        ]
        indexes = [
            models.Index(fields=["tenant", "tree_size"], name="audit_checkpoint_size_idx"),
        ]

    def __str__(self):
        return f"checkpoint {self.number} of {self.tenant_id} at #{self.tree_size}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Audit checkpoints are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit checkpoints are append-only: they cannot be deleted.")


class AuditTreeTile(models.Model):
    """The root of one aligned block of TILE_LEAVES entries of a tenant's Merkle tree,
    kept by the checkpoint signer so that an inclusion proof reads these and a few
    thousand entry hashes, not the whole chain. Derived data: a wrong one only makes a
    proof fail to reach the signed root, never makes a false one hold."""

    tenant = models.ForeignKey(
        "accounts.Tenant", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    index = models.PositiveBigIntegerField()
    hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "index"], name="audit_tile_unique")
        ]

    def __str__(self):
        return f"tile {self.index} of {self.tenant_id}"
