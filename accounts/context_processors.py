"""What every page's header needs to know about the signed-in person."""

from django.utils.functional import SimpleLazyObject

from accounts.selectors import tenants_administered_by


def account(request):
    """`administers`: whether the person is an admin of a tenant now (the header offers the
    account PIN and second-factor settings to admins only); read once, when a page asks."""
    user = getattr(request, "user", None)
    return {
        "administers": SimpleLazyObject(
            lambda: tenants_administered_by(user=user).exists() if user is not None else False
        )
    }
