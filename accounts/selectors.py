"""Reads of tenants, people and API clients."""

from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Lower

from accounts import factors
from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.services import hash_api_key


def _active_members(tenant):
    # Emails compared case aside by the database's own rule (that of the unique index on
    # Lower(email)), as equality: not iexact, which on SQLite matches as a LIKE pattern.
    return (
        Membership.objects.select_related("user")
        .alias(member_email=Lower("user__email"))
        .filter(tenant=tenant, user__is_active=True)
    )


def _email_is(email):
    return Q(member_email=Lower(Value(email)))


def caller_and_admins(*, tenant, email):
    """(the membership of the active user with `email` in `tenant`, or None; the tenant's
    active admins by email), in one query: what opening a request reads of people."""
    caller, admins = None, []
    memberships = (
        _active_members(tenant)
        .filter(Q(role=Role.ADMIN) | _email_is(email))
        .annotate(is_caller=ExpressionWrapper(_email_is(email), output_field=BooleanField()))
        .order_by("user__email", "pk")
    )
    for membership in memberships:
        membership.tenant = tenant
        if membership.is_caller:
            caller = membership
        if membership.role == Role.ADMIN:
            admins.append(membership.user)
    return caller, admins


def membership_by_email(*, tenant, email):
    """The membership (any role, with its user) of the active user with `email` in `tenant`,
    or None: who a caller is to the tenant, in one query."""
    if not email:
        return None
    membership = _active_members(tenant).filter(_email_is(email)).order_by("pk").first()
    if membership is not None:
        membership.tenant = tenant
    return membership


def admin_membership(*, tenant, email):
    """The active admin membership of the person with `email` in `tenant`, or None."""
    membership = membership_by_email(tenant=tenant, email=email)
    return membership if membership is not None and membership.role == Role.ADMIN else None


def tenant_admins(*, tenant):
    """The tenant's active admins, by email, as a queryset (for the console's forms)."""
    return User.objects.filter(
        is_active=True, memberships__tenant=tenant, memberships__role=Role.ADMIN
    ).order_by("email")


def admin_users(*, tenant):
    """The tenant's active admins, by email: a list, for each event that mails them."""
    return list(tenant_admins(tenant=tenant))


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


def memberships_of_user(*, user):
    """The active `user`'s memberships in every role, with their tenants, by tenant name."""
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return list(
        Membership.objects.select_related("tenant").filter(user=user).order_by("tenant__name")
    )


def admins_of_tenants(tenants):
    """tenant id -> its active admins (users, by name then email), in one query."""
    admins = {tenant.pk: [] for tenant in tenants}
    for membership in (
        Membership.objects.select_related("user")
        .filter(tenant__in=list(admins), role=Role.ADMIN, user__is_active=True)
        .order_by("user__full_name", "user__email")
    ):
        admins[membership.tenant_id].append(membership.user)
    return admins


def admins_by_second_factor(*, tenant):
    """(the tenant's active admins who hold a second factor, those who hold none), each by
    name: who can approve where the tenant requires one, and whom requiring it blocks."""
    admins = admins_of_tenants([tenant])[tenant.pk]
    held = factors.holders(admins)
    return [a for a in admins if a.pk in held], [a for a in admins if a.pk not in held]
