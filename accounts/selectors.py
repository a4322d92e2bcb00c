"""Reads of tenants, people and API clients."""

from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.services import hash_api_key


def membership_by_email(*, tenant, email):
    """The membership (any role, with its user) of the active user with `email` in `tenant`,
    or None: who a caller is to the tenant, in one query."""
    if not email:
        return None
    return (
        Membership.objects.select_related("user")
        .filter(tenant=tenant, user__email__iexact=email, user__is_active=True)
        .first()
    )


def admin_membership(*, tenant, email):
    """The active admin membership of the person with `email` in `tenant`, or None."""
    membership = membership_by_email(tenant=tenant, email=email)
    return membership if membership is not None and membership.role == Role.ADMIN else None


def tenant_admins(*, tenant):
    return User.objects.filter(
        is_active=True, memberships__tenant=tenant, memberships__role=Role.ADMIN
    ).order_by("email")


def api_client_for_key(key):
    """The active API client whose key this is, or None."""
    if not key:
        return None
    return ApiClient.objects.filter(key_hash=hash_api_key(key), revoked_at__isnull=True).first()


def membership_of(*, tenant, user):
    """The active `user`'s membership in `tenant` in any role, or None."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return Membership.objects.filter(tenant=tenant, user=user).first()


def tenants_administered_by(*, user):
    """The tenants in which the active `user` is an admin now."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Tenant.objects.none()
    return Tenant.objects.filter(memberships__user=user, memberships__role=Role.ADMIN).order_by(
        "name"
    )
