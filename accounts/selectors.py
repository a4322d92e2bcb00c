"""Reads of tenants, people and API clients."""

from django.db.models import BooleanField, ExpressionWrapper, Q, Value
from django.db.models.functions import Lower

from accounts.models import ApiClient, Membership, Role, Tenant, User
from accounts.services import hash_api_key
from config import compiled


def _members():
    # Emails compared case aside by the database's own rule (that of the unique index on
    # Lower(email)). Not iexact: on SQLite it escapes its value into a LIKE pattern while
    # compiling, which a compiled read cannot keep.
    return Membership.objects.alias(member_email=Lower("user__email"))


def _email_is(email):
    return {"member_email": Lower(Value(email))}


_MEMBERSHIP_FIELDS = compiled.attnames(Membership)
_USER_FIELDS = compiled.attnames(User)

# Read on every unlock request opened and approved: compiled once (config/compiled.py).
_MEMBERSHIP_BY_EMAIL = compiled.CompiledRead(
    lambda tenant_id, email: (
        _members()
        .filter(tenant_id=tenant_id, user__is_active=True, **_email_is(email))
        .order_by("pk")
        .values_list(*_MEMBERSHIP_FIELDS, *(f"user__{name}" for name in _USER_FIELDS))[:1]
    ),
    tenant_id=compiled.number_stand_in(),
    email=compiled.text_stand_in(),
)


def _admins_of(tenant_id):
    return User.objects.filter(
        is_active=True, memberships__tenant_id=tenant_id, memberships__role=Role.ADMIN
    ).order_by("email")


_ADMIN_USERS = compiled.CompiledRead(
    lambda tenant_id: _admins_of(tenant_id).values_list(*_USER_FIELDS),
    tenant_id=compiled.number_stand_in(),
)


# Opening a request needs both who the caller is and whom to mail: one read.
_CALLER_AND_ADMINS = compiled.CompiledRead(
    lambda tenant_id, email: (
        _members()
        .filter(tenant_id=tenant_id, user__is_active=True)
        .filter(Q(role=Role.ADMIN) | Q(**_email_is(email)))
        .annotate(
            # Told apart by the database's own case rule, the same as it matched by.
            is_caller=ExpressionWrapper(Q(**_email_is(email)), output_field=BooleanField())
        )
        .order_by("user__email", "pk")
        .values_list(*_MEMBERSHIP_FIELDS, *(f"user__{name}" for name in _USER_FIELDS), "is_caller")
    ),
    tenant_id=compiled.number_stand_in(),
    email=compiled.text_stand_in(),
)


def caller_and_admins(*, tenant, email):
    """(the membership of the active user with `email` in `tenant`, or None; the tenant's
    active admins by email), in one query: what opening a request reads of people."""
    caller, admins = None, []
    for *row, is_caller in _CALLER_AND_ADMINS.rows(tenant_id=tenant.pk, email=email):
        membership = _membership(row, tenant)
        if is_caller:
            caller = membership
        if membership.role == Role.ADMIN:
            admins.append(membership.user)
    return caller, admins


def membership_by_email(*, tenant, email):
    """The membership (any role, with its user) of the active user with `email` in `tenant`,
    or None: who a caller is to the tenant, in one query."""
    if not email:
        return None
    rows = _MEMBERSHIP_BY_EMAIL.rows(tenant_id=tenant.pk, email=email)
    if not rows:
        return None
    return _membership(rows[0], tenant)


def _membership(row, tenant):
    """A membership with its user and tenant, from a row of its columns then its user's."""
    split = len(_MEMBERSHIP_FIELDS)
    membership = compiled.instance(Membership, _MEMBERSHIP_FIELDS, row[:split])
    membership.user = compiled.instance(User, _USER_FIELDS, row[split:])
    membership.tenant = tenant
    return membership


def admin_membership(*, tenant, email):
    """The active admin membership of the person with `email` in `tenant`, or None."""
    membership = membership_by_email(tenant=tenant, email=email)
    return membership if membership is not None and membership.role == Role.ADMIN else None


def admin_users(*, tenant):
    """The tenant's active admins, by email: a list, for each event that mails them."""
    return [
        compiled.instance(User, _USER_FIELDS, row) for row in _ADMIN_USERS.rows(tenant_id=tenant.pk)
    ]


def tenant_admins(*, tenant):
    """The tenant's active admins, by email, as a queryset (for the console's forms)."""
    return _admins_of(tenant.pk)


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
