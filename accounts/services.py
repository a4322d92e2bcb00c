"""State changes of tenants, people and API clients."""

import hashlib
import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.emails import tell_admins_pin_set
from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.pins import hash_pin, new_pin_refusal
from audit.actors import Actor
from audit.services import record_entry


class NotTenantAdmin(PermissionDenied):
    """The person setting a tenant's PIN is not one of its active admins now."""

    code = "not_tenant_admin"

    def __init__(self, message):
        super().__init__(message)
        self.message = message


@transaction.atomic
def set_pin(*, tenant: Tenant, pin: str, actor: Actor, admin: User | None = None) -> Tenant:
    """Replace the tenant's account PIN, clear its PIN lock and failures, audit it and email
    the tenant's other admins. `admin`: the tenant admin setting it (None for support's
    onboarding command). Raises InvalidPin for a PIN that breaks a rule of a new PIN, and
    NotTenantAdmin for an `admin` who is not one of the tenant's now."""
    if refusal := new_pin_refusal(pin):
        raise refusal
    # The slow step, before any row is locked.
    pin_hash = hash_pin(pin)
    # FOR NO KEY UPDATE, as an approval locks it (unlocks/services.py: the lock order).
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    admins = [
        membership.user
        for membership in Membership.objects.select_related("user")
        .filter(tenant=tenant, role=Role.ADMIN, user__is_active=True)
        .order_by("user__email")
    ]
    if admin is not None and admin.pk not in {user.pk for user in admins}:
        raise NotTenantAdmin(
            f"{admin.email} is not an admin of {tenant.name} now, and only its admins can "
            "set its account PIN."
        )
    first = not tenant.has_pin
    tenant.pin_hash = pin_hash
    tenant.pin_set_at = timezone.now()
    tenant.pin_failure_times = []
    tenant.pin_locked_until = None
    tenant.save()
    others = [user for user in admins if admin is None or user.pk != admin.pk]
    # The outbox before the audit entry, which locks the chain head until the commit.
    tell_admins_pin_set(tenant=tenant, by=admin, people=others, first=first)
    record_entry(
        tenant=tenant,
        action="pin_set",
        actor=actor,
        data={"first": first, "told": [user.email for user in others]},
    )
    return tenant


def add_member(*, tenant: Tenant, user: User, role: str = Role.MEMBER) -> Membership:
    """Give `user` a role in `tenant`, or change the role they have."""
    membership, _ = Membership.objects.update_or_create(
        tenant=tenant, user=user, defaults={"role": role}
    )
    return membership


def hash_api_key(key: str) -> str:
    # API keys are long and random, so a fast hash is enough to keep them unusable if read.
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_client(*, name: str, key: str | None = None) -> tuple[ApiClient, str]:
    """Create a named API client; returns it with its key, which is never shown again."""
    key = key or secrets.token_urlsafe(32)
    client = ApiClient.objects.create(name=name, key_prefix=key[:8], key_hash=hash_api_key(key))
    return client, key


def revoke_api_client(*, client: ApiClient) -> ApiClient:
    """Stop a client's key from working from now on."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
    return client
