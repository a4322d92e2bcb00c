"""State changes of tenants, people and API clients."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.pins import hash_pin, new_pin_refusal
from audit.actors import Actor
from audit.services import record_entry


@transaction.atomic
def set_pin(*, tenant: Tenant, pin: str, actor: Actor) -> Tenant:
    """Replace the tenant's account PIN and clear any PIN lock; raises InvalidPin for a PIN
    that breaks a rule of a new PIN."""
    if refusal := new_pin_refusal(pin):
        raise refusal
    pin_hash = hash_pin(pin)
    # FOR NO KEY UPDATE, as an approval locks it (unlocks/services.py: the lock order).
    tenant = Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)
    tenant.pin_hash = pin_hash
    tenant.pin_set_at = timezone.now()
    tenant.pin_failure_times = []
    tenant.pin_locked_until = None
    tenant.save()
    record_entry(tenant=tenant, action="pin_set", actor=actor)
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
