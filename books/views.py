"""Settings, QuickBooks: a tenant admin connects the account's QuickBooks Online company
with Intuit's OAuth 2.0 consent (read only), sees whether it answers, and disconnects."""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role, Tenant
from accounts.selectors import admins_of_tenants, membership_of, tenants_administered_by
from audit.actors import Actor, request_context
from books import lookup, quickbooks, services
from books.interface import BooksUnavailable

# The session key of a consent under way: which account, and the state Intuit sends back.
PENDING = "books_connecting"


def _callback_url():
    return settings.SITE_URL + reverse("books_callback")


def _administered(request, slug):
    """(the tenant named, None) for one of its admins, else (None, the answer instead):
    404 for a tenant they are not in, 403 naming the admins for a member."""
    tenant = Tenant.objects.filter(slug=slug).first()
    membership = membership_of(tenant=tenant, user=request.user) if tenant else None
    if membership is None:
        return None, render(request, "404.html", status=404)
    if membership.role != Role.ADMIN:
        admins = admins_of_tenants([tenant])[tenant.pk]
        context = {"tenant": tenant, "admins": [a.get_full_name() for a in admins]}
        return None, render(request, "books/admins_only.html", context, status=403)
    return tenant, None


@never_cache
@login_required
@require_GET
def books_settings(request):
    """Where an admin starts: the one account they administer, or a choice of several."""
    administered = list(tenants_administered_by(user=request.user))
    if len(administered) == 1:
        return redirect("books_settings_for", slug=administered[0].slug)
    status = 200 if administered else 403
    return render(request, "books/choose.html", {"tenants": administered}, status=status)


@never_cache
@login_required
@require_GET
def books_settings_for(request, slug):
    tenant, answer = _administered(request, slug)
    if answer:
        return answer
    connection = lookup.connection_of(tenant)
    context = {
        "tenant": tenant,
        "connection": connection,
        "configured": lookup.configured(),
        "not_set_up": lookup.NOT_SET_UP,
        "environment": settings.QUICKBOOKS_ENVIRONMENT,
    }
    return render(request, "books/settings.html", context)


@login_required
@require_POST
def books_connect(request, slug):
    """Off to Intuit's consent screen, with a state only this session knows."""
    tenant, answer = _administered(request, slug)
    if answer:
        return answer
    if not lookup.configured():
        messages.error(request, lookup.NOT_SET_UP)
        return redirect("books_settings_for", slug=slug)
    state = secrets.token_urlsafe(24)
    request.session[PENDING] = {"slug": tenant.slug, "state": state}
    return redirect(quickbooks.authorization_url(_callback_url(), state))


@never_cache
@login_required
@require_GET
def books_callback(request):
    """Intuit sends the admin back here with a code (or an error) and the state."""
    pending = request.session.pop(PENDING, None)
    state = request.GET.get("state", "")
    if not pending or not secrets.compare_digest(pending["state"], state):
        messages.error(
            request,
            "That QuickBooks answer does not belong to a connection started here (it may be "
            "old, or from another browser). Start again with Connect QuickBooks.",
        )
        return redirect("books_settings")
    tenant, answer = _administered(request, pending["slug"])
    if answer:
        return answer
    code, realm_id = request.GET.get("code", ""), request.GET.get("realmId", "")
    if not code or not realm_id:
        messages.error(
            request,
            "QuickBooks did not grant access (the consent was declined or cancelled). "
            "Nothing changed; connect again when you are ready.",
        )
        return redirect("books_settings_for", slug=tenant.slug)
    try:
        tokens = quickbooks.exchanged(_callback_url(), code, realm_id)
    except BooksUnavailable as failure:
        messages.error(request, f"QuickBooks could not be connected: {failure.reason}")
        return redirect("books_settings_for", slug=tenant.slug)
    services.connect(
        tenant=tenant,
        realm_id=realm_id[:40],
        tokens=tokens,
        actor=Actor.for_user(request.user, **request_context(request)),
    )
    messages.success(request, "QuickBooks is connected: unlocks of this account now check it.")
    return redirect("books_settings_for", slug=tenant.slug)


@login_required
@require_http_methods(["POST"])
def books_disconnect(request, slug):
    tenant, answer = _administered(request, slug)
    if answer:
        return answer
    actor = Actor.for_user(request.user, **request_context(request))
    if services.disconnect(tenant=tenant, actor=actor):
        messages.success(
            request,
            "QuickBooks is disconnected: its tokens are deleted here, and unlocks "
            "no longer check it.",
        )
    return redirect("books_settings_for", slug=tenant.slug)
