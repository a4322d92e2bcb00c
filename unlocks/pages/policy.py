"""A tenant's two-approver policy, as its admins see and set it (`/settings/approvals/`):
with their password again and, where they hold one, their second factor; a loosening
waits for another admin, who approves or withdraws it here. The rules and the writes are
`unlocks.services.policy`'s; this page renders them."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from accounts import factors
from accounts.lockouts import count_failed_sign_in
from accounts.models import Role, Tenant
from accounts.selectors import membership_of, tenants_administered_by
from audit.actors import Actor, request_context
from core.refusals import HTTP_STATUS, Refusal
from unlocks import money, outlook, rules
from unlocks.pages.forms import PolicyChangeForm, PolicyForm
from unlocks.pages.shared import admins_only, not_found
from unlocks.services import policy

WRONG_PASSWORD = (
    "That is not your password. Type the password you sign in with; after "
    f"{settings.AXES_FAILURE_LIMIT} wrong tries, signing in is locked for a while."
)


@never_cache
@login_required
@require_GET
def approval_policy_choose(request):
    """Where an admin starts: the one account they administer, or a choice of several."""
    administered = list(tenants_administered_by(user=request.user))
    if len(administered) == 1:
        return redirect("approval_policy", slug=administered[0].slug)
    status = 200 if administered else 403
    context = {"tenants": administered}
    return render(request, "unlocks/approval_policy_choose.html", context, status=status)


@never_cache
@sensitive_post_parameters("password", "admin_code", "passkey")
@login_required
@require_http_methods(["GET", "POST"])
def approval_policy(request, slug):
    """See and set one account's two-approver policy; approve or withdraw a waiting change."""
    tenant = Tenant.objects.filter(slug=slug).first()
    membership = membership_of(tenant=tenant, user=request.user) if tenant else None
    if membership is None:
        # Another account's page does not exist for this person, nor does a mistyped one.
        return not_found(request, "settings page")
    if membership.role != Role.ADMIN:
        return admins_only(request, tenant)
    current = rules.ApprovalPolicy.of_tenant(tenant)
    form = PolicyForm(
        initial={
            "two_from": money.decimal_amount(current.two_from_cents)
            if current.two_from_cents is not None
            else None,
            "bypassed_batches": current.bypassed_batches,
        }
    )
    change_form = PolicyChangeForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action in ("approve", "withdraw"):
            change_form = PolicyChangeForm(request.POST)
            done = _decide(request, tenant, change_form, action)
        else:
            form = PolicyForm(request.POST)
            done = _set(request, tenant, form)
        if done is True:
            return redirect("approval_policy", slug=tenant.slug)
        if done is not None:
            return done
        _forget_secrets(form)
        _forget_secrets(change_form)
    return _page(request, tenant, form, change_form)


def _set(request, tenant, form):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    if not _is_their_password(request, data["password"]):
        form.add_error("password", WRONG_PASSWORD)
        return None
    amount = data["two_from"]
    try:
        outcome = policy.set_approval_policy(
            tenant=tenant,
            admin=request.user,
            two_from_cents=money.cents_of(amount) if amount is not None else None,
            bypassed_batches=data["bypassed_batches"],
            code=data["admin_code"],
            passkey=_passkey_check(request, data["passkey"]),
            actor=Actor.for_user(request.user, **request_context(request)),
        )
    except Refusal as refusal:
        return _refused(request, tenant, form, refusal)
    new = policy_words(rules.ApprovalPolicy.of_tenant(outcome.tenant), tenant)
    if outcome.waiting is not None:
        messages.success(
            request,
            "That asks less of unlocks, so it waits for another admin's approval: we emailed "
            f"them. Until then: {new}.",
        )
    elif outcome.applied:
        messages.success(request, f"Saved. From now on: {new}. We emailed the other admins.")
    else:
        messages.success(request, f"Nothing changed: {new}.")
    return True


def _decide(request, tenant, form, action):
    if not form.is_valid():
        return None
    data = form.cleaned_data
    actor = Actor.for_user(request.user, **request_context(request))
    try:
        if action == "withdraw":
            policy.withdraw_policy_change(
                tenant=tenant, change_id=data["change"], admin=request.user, actor=actor
            )
            messages.success(request, "Withdrawn: the policy stays as it is.")
            return True
        if not _is_their_password(request, data["password"]):
            form.add_error("password", WRONG_PASSWORD)
            return None
        outcome = policy.approve_policy_change(
            tenant=tenant,
            change_id=data["change"],
            admin=request.user,
            code=data["admin_code"],
            passkey=_passkey_check(request, data["passkey"]),
            actor=actor,
        )
    except Refusal as refusal:
        return _refused(request, tenant, form, refusal)
    new = policy_words(rules.ApprovalPolicy.of_tenant(outcome.tenant), tenant)
    messages.success(request, f"Approved: from now on, {new}.")
    return True


def _refused(request, tenant, form, refusal):
    """The one place a refusal of the policy's services becomes what this page shows."""
    if refusal.code == "not_tenant_admin":
        # No longer an admin between reading the page and sending it.
        return admins_only(request, tenant)
    if refusal.code == "second_factor_incorrect":
        # A wrong second factor counts as a failed sign-in, as a wrong password.
        count_failed_sign_in(request, request.user.email)
    field = "admin_code" if refusal.code.startswith("second_factor") else None
    form.add_error(field, refusal.message)
    form.refused_status = HTTP_STATUS.get(refusal.code, 400)
    return None


def _is_their_password(request, password):
    # The sign-in path itself, so that django-axes counts a wrong password as a failed
    # sign-in of this email at this address, and refuses one while it is locked out.
    user = authenticate(request, username=request.user.email, password=password)
    return user is not None and user.pk == request.user.pk


def _passkey_check(request, posted):
    """What the service calls to check the admin's passkey answer against this session's
    challenge; None when no passkey was used."""
    if not posted:
        return None
    try:
        answer = json.loads(posted)
    except ValueError:
        answer = {}
    return lambda admin: factors.matching_passkey(request, admin, answer) is not None


def _forget_secrets(form):
    # A one-time code or passkey answer is spent, right or wrong: never written back.
    if form.is_bound:
        form.data = form.data.copy()
        form.data.pop("admin_code", None)
        form.data.pop("passkey", None)


def policy_words(current, tenant):
    return outlook.policy_in_words(current, tenant.currency)


def _page(request, tenant, form, change_form):
    current = rules.ApprovalPolicy.of_tenant(tenant)
    waiting = policy.waiting_change(tenant)
    held = factors.kinds_of(request.user)
    errors = form.errors or change_form.errors
    status = max(
        getattr(form, "refused_status", 400 if form.errors else 200),
        getattr(change_form, "refused_status", 400 if change_form.errors else 200),
    )
    context = {
        "tenant": tenant,
        "form": form,
        "change_form": change_form,
        "current": policy_words(current, tenant),
        "policy_on": current.on,
        "waiting": waiting,
        "waiting_words": policy_words(waiting.policy, tenant) if waiting else "",
        "waiting_is_mine": waiting is not None and waiting.proposed_by_id == request.user.pk,
        "holds_totp": factors.TOTP in held,
        "holds_passkey": factors.PASSKEY in held,
        "currency": tenant.currency,
    }
    return render(
        request, "unlocks/approval_policy.html", context, status=status if errors else 200
    )
