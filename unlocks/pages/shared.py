"""What the tenant's pages share: the answers that say no, and names joined as words."""

from django.shortcuts import render

from accounts.selectors import membership_of
from core import words


def not_found(request, what="page"):
    return render(request, "unlocks/not_found.html", {"what": what}, status=404)


def admins_only(request, tenant):
    return render(request, "unlocks/admins_only.html", {"tenant": tenant}, status=403)


def member_or_none(request, unlock):
    """The signed-in user's membership in the request's tenant: outsiders get None (a 404)."""
    if unlock is None:
        return None
    return membership_of(tenant=unlock.tenant, user=request.user)


def and_join(names, joiner="and"):
    """Names as a sentence says them: "INV-1003 and PAY-1002"."""
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {joiner} {names[-1]}"


def status_in_words(unlock):
    """(what a request's status badge says, its style): an approved one says what its
    unlock is now ("Unlocked", "Re-locked early", "Ended"), not plain "Completed"."""
    now = unlock.unlock_now
    if now is not None:
        return words.UNLOCK_NOW[now.state], now.state
    status = unlock.status_now
    return status.label, status.value
