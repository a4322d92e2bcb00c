"""Sign-in, sign-out and password reset for tenant users (Django's auth views, our
templates), and the account PIN's settings page for a tenant's admins.

Every page here answers with `Cache-Control: no-store` (never_cache): they carry
credentials, reset tokens or a signed-in person's name. The PIN page changes the PIN only
through `accounts.services.set_pin`; the password and the PIN never reach a log
(sensitive POST parameters), a URL (POST only) or a re-rendered form (PasswordInput).
"""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import TemplateView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import factors
from accounts.forms import (
    ApprovalFactorForm,
    AuthenticatorSetupForm,
    NewPasswordForm,
    PinForm,
    ResetPasswordForm,
    SecondFactorForm,
    SignInForm,
    TimeZoneForm,
)
from accounts.lockouts import count_failed_sign_in, sign_in_locked
from accounts.middleware import TimeZoneMiddleware
from accounts.models import Role, Tenant
from accounts.pins import NEW_PIN_RULES_IN_WORDS
from accounts.rules import first_factor_needs_link
from accounts.selectors import (
    admins_by_second_factor,
    admins_of_tenants,
    membership_of,
    memberships_of_user,
    tenants_administered_by,
)
from accounts.services import (
    add_authenticator_app,
    add_passkey,
    check_sign_in_factor,
    make_recovery_codes,
    set_pin,
    set_second_factor_requirement,
    set_tenant_time_zone,
    set_time_zone,
    use_enrolment_link,
)
from audit.actors import Actor, request_context
from core import times
from core.refusals import Refusal


@method_decorator(never_cache, name="dispatch")
class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@method_decorator(never_cache, name="dispatch")
class SignOutView(auth_views.LogoutView):
    # Set here rather than LOGOUT_REDIRECT_URL, which would also send the admin's
    # sign-out to the tenant users' sign-in page.
    next_page = reverse_lazy("signed_out")


@method_decorator(never_cache, name="dispatch")
class SignedOutView(TemplateView):
    template_name = "registration/signed_out.html"


@method_decorator(never_cache, name="dispatch")
class PasswordResetView(auth_views.PasswordResetView):
    form_class = ResetPasswordForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"


@method_decorator(never_cache, name="dispatch")
class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


@method_decorator(never_cache, name="dispatch")
class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"


@method_decorator(never_cache, name="dispatch")
class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# ---------------------------------------------------------------- the account PIN


@never_cache
@login_required
@require_GET
def pin_settings(request):
    """Where an admin starts: the one tenant they administer, or a choice of several."""
    memberships = memberships_of_user(user=request.user)
    administered = [m.tenant for m in memberships if m.role == Role.ADMIN]
    if len(administered) == 1:
        return redirect("pin_settings_for", slug=administered[0].slug)
    if administered:
        return render(request, "accounts/pin_choose.html", {"tenants": administered})
    return _admins_only(request, [m.tenant for m in memberships])


@never_cache
@sensitive_post_parameters("password", "new_pin", "new_pin_again")
@login_required
@require_http_methods(["GET", "POST"])
def pin_settings_for(request, slug):
    """Set or change one tenant's account PIN, with the admin's password again."""
    tenant = Tenant.objects.filter(slug=slug).first()
    membership = membership_of(tenant=tenant, user=request.user) if tenant else None
    if membership is None:
        # Another tenant's page does not exist for this person, nor does a mistyped one.
        return render(request, "404.html", status=404)
    if membership.role != Role.ADMIN:
        return _admins_only(request, [tenant])

    form = PinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if not _is_their_password(request, form.cleaned_data["password"]):
            # Locked out (this or earlier failures): axes' middleware answers with the
            # sign-in lock-out page instead of this one.
            form.add_error(
                "password",
                "That is not your password. Type the password you sign in with; after "
                f"{settings.AXES_FAILURE_LIMIT} wrong tries, signing in is locked for a while.",
            )
        else:
            try:
                set_pin(
                    tenant=tenant,
                    pin=form.cleaned_data["new_pin"],
                    actor=Actor.for_user(request.user, **request_context(request)),
                    admin=request.user,
                )
            except Refusal as refusal:
                if refusal.code == "not_tenant_admin":
                    # Demoted between reading the page and sending it.
                    return _admins_only(request, [tenant])
                form.add_error("new_pin", refusal.message)
            else:
                messages.success(request, _changed_message(tenant, request.user))
                return redirect("pin_settings_for", slug=tenant.slug)
    return _pin_page(request, tenant, form, status=400 if form.errors else 200)


def _is_their_password(request, password):
    # The sign-in path itself (with the request), so that django-axes counts a wrong
    # password as a failed sign-in of this email at this address, and refuses one while
    # that email or address is locked out.
    user = authenticate(request, username=request.user.email, password=password)
    return user is not None and user.pk == request.user.pk


def _changed_message(tenant, admin):
    others = [u for u in admins_of_tenants([tenant])[tenant.pk] if u.pk != admin.pk]
    told = f" We emailed {_names(others)} to say so." if others else " You are its only admin."
    return f"The account PIN of {tenant.name} is changed: the new one works from now on.{told}"


def _pin_page(request, tenant, form, *, status=200):
    admins = admins_of_tenants([tenant])[tenant.pk]
    others = [u for u in admins if u.pk != request.user.pk]
    context = {
        "tenant": tenant,
        "form": form,
        "rules": NEW_PIN_RULES_IN_WORDS,
        "others": _names(others),
        # Its notice, where the PIN in use would be refused as a new one.
        "tenant_list": [tenant],
    }
    return render(request, "accounts/pin_settings.html", context, status=status)


def _admins_only(request, tenants):
    """403: who may set each tenant's PIN, by name, so the person knows whom to ask."""
    admins = admins_of_tenants(tenants)
    context = {"tenants": [{"tenant": t, "admins": _names(admins[t.pk], "or")} for t in tenants]}
    return render(request, "accounts/pin_admins_only.html", context, status=403)


def _names(users, joiner="and"):
    """The users' names as a sentence says them: "Pat Morgan and Lee Chen"."""
    names = [user.get_full_name() for user in users]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {joiner} {names[-1]}"


# ---------------------------------------------------------------- second factors


def _go(name, next_url):
    return redirect(f"{reverse(name)}?{urlencode({'next': next_url})}")


def _next_or_home(request):
    """Where a finished sign-in goes: the page it was asked for, if it is ours."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:index") if request.user.is_staff else reverse("tenant_requests")


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    """Finish signing in with a second factor: the authenticator's code or a recovery code."""
    if not factors.kinds_of(request.user) and not factors.recovery_codes_left(request.user):
        return redirect(
            f"{reverse('second_factor_setup')}?{urlencode({'next': _next_or_home(request)})}"
        )
    if request.user.is_verified():
        return redirect(_next_or_home(request))
    passkey = request.POST.get("passkey")
    form = SecondFactorForm(request.POST or None, passkey=bool(passkey))
    status = 200
    if request.method == "POST" and form.is_valid():
        check = check_sign_in_factor(
            http_request=request,
            user=request.user,
            code=form.cleaned_data["code"],
            passkey=_passkey_answer(passkey) if passkey else None,
            actor=Actor.for_user(request.user, **request_context(request)),
        )
        if check.locked:
            # axes' middleware answers with the sign-in lock-out page.
            logout(request)
            return HttpResponse(status=403)
        if check.factor is not None:
            otp_login(request, check.device)
            return redirect(_next_or_home(request))
        wait = (
            f" Wait until {times.local(check.wait_until, 'H:i:s T')} before the next try."
            if check.wait_until
            else ""
        )
        form.add_error(
            "code",
            "That code is not right, or was used already. Type the code your app shows now, "
            f"or an unused recovery code.{wait} After {settings.AXES_FAILURE_LIMIT} wrong tries, "
            "signing in is locked for a while.",
        )
        _forget_code(form)
        status = 400
    elif form.errors:
        status = 400
    context = {
        "form": form,
        "next": _next_or_home(request),
        "recovery_codes_left": factors.recovery_codes_left(request.user),
        "has_passkey": factors.PASSKEY in factors.kinds_of(request.user),
        "has_app": factors.TOTP in factors.kinds_of(request.user),
    }
    return render(request, "accounts/second_factor.html", context, status=status)


def _passkey_answer(posted):
    """The browser's passkey answer, posted by the page's script as JSON; {} if mangled."""
    try:
        answer = json.loads(posted)
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def _forget_code(form):
    # A one-time code is not written back into the page, right or wrong.
    form.data = form.data.copy()
    form.data["code"] = ""


SETUP_KEY = "second_factor_setup_key"


@never_cache
@sensitive_post_parameters("code")
@login_required
@require_http_methods(["GET", "POST"])
def second_factor_setup(request):
    """Set up an authenticator app: its QR code and secret, proved by a code from it; then
    the recovery codes, shown once."""
    held = factors.kinds_of(request.user)
    if held and not request.user.is_verified():
        return _go("second_factor", request.path)
    if factors.TOTP in held:
        return redirect("second_factor_settings")
    if _needs_the_link(request, held):
        return _enrolment_needed(request)
    # The secret lives in the session until a code from the app proves it was set up.
    key = request.session.get(SETUP_KEY) or factors.new_totp_key()
    request.session[SETUP_KEY] = key
    form = AuthenticatorSetupForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            codes = add_authenticator_app(
                user=request.user,
                key=key,
                code=form.cleaned_data["code"],
                verified=request.user.is_verified(),
                actor=Actor.for_user(request.user, **request_context(request)),
                link_used=_link_used(request),
            )
        except Refusal as refusal:
            form.add_error("code", refusal.message)
            _forget_code(form)
            status = 400
        else:
            del request.session[SETUP_KEY]
            # Setting it up proved it: this session has passed the new factor.
            if not request.user.is_verified():
                otp_login(request, TOTPDevice.objects.filter(user=request.user).first())
            return _recovery_codes_page(request, codes, first=True)
    elif form.errors:
        status = 400
    context = {
        "form": form,
        "setup": factors.provisioning(request.user, key),
        "next": _next_or_home(request),
    }
    return render(request, "accounts/second_factor_setup.html", context, status=status)


# The session that opened its enrolment link: whose first factor it may set up.
ENROLMENT_LINK_USED = "enrolment_link_used_by"


def _link_used(request):
    return request.session.get(ENROLMENT_LINK_USED) == request.user.pk


def _needs_the_link(request, held):
    return (
        first_factor_needs_link(
            is_staff=request.user.is_staff,
            holds_a_factor=bool(held),
            link_used=_link_used(request),
            required=settings.STAFF_ENROLMENT_BY_LINK,
        )
        is not None
    )


def _enrolment_needed(request, *, spent=False):
    context = {"spent": spent}
    return render(request, "accounts/enrolment_needed.html", context, status=403)


@never_cache
@login_required
@require_GET
def enrolment_link(request, token):
    """A staff member opens the enrolment link emailed to them, signed in: this session may
    set up their first second factor."""
    actor = Actor.for_user(request.user, **request_context(request))
    if not use_enrolment_link(user=request.user, token=token, actor=actor):
        return _enrolment_needed(request, spent=True)
    request.session[ENROLMENT_LINK_USED] = request.user.pk
    return redirect("second_factor_setup")


def _recovery_codes_page(request, codes, *, first=False):
    context = {"codes": codes, "first": first, "next": _next_or_home(request)}
    return render(request, "accounts/recovery_codes.html", context)


@never_cache
@login_required
@require_http_methods(["POST"])
def recovery_codes(request):
    """New recovery codes, replacing the old ones; only in a session that passed a factor."""
    if not request.user.is_verified():
        return redirect(
            f"{reverse('second_factor')}?{urlencode({'next': reverse('second_factor_settings')})}"
        )
    codes = make_recovery_codes(
        user=request.user, actor=Actor.for_user(request.user, **request_context(request))
    )
    return _recovery_codes_page(request, codes)


@never_cache
@login_required
@require_GET
def second_factor_settings(request):
    """A person's second factors, and the approval setting of each account they administer."""
    user = request.user
    administered = list(tenants_administered_by(user=user))
    context = {
        "kinds": factors.kinds_of(user),
        "recovery_codes_left": factors.recovery_codes_left(user),
        "passkeys": factors.passkeys_of(user),
        "verified": user.is_verified(),
        "tenants": administered,
    }
    return render(request, "accounts/second_factor_settings.html", context)


@never_cache
@sensitive_post_parameters("password", "code")
@login_required
@require_http_methods(["GET", "POST"])
def approval_factor_settings(request, slug):
    """A tenant's "require a second factor for every approval", changed by one of its admins
    with their password and their own authenticator code."""
    tenant = Tenant.objects.filter(slug=slug).first()
    membership = membership_of(tenant=tenant, user=request.user) if tenant else None
    if membership is None:
        return render(request, "404.html", status=404)
    if membership.role != Role.ADMIN:
        return _admins_only(request, [tenant])
    form = ApprovalFactorForm(
        request.POST or None, initial={"required": tenant.approval_requires_second_factor}
    )
    if request.method == "POST" and form.is_valid():
        if not _is_their_password(request, form.cleaned_data["password"]):
            form.add_error(
                "password",
                "That is not your password. Type the password you sign in with; after "
                f"{settings.AXES_FAILURE_LIMIT} wrong tries, signing in is locked for a while.",
            )
        elif sign_in_locked(request, request.user.email):
            return HttpResponse(status=403)
        else:
            try:
                set_second_factor_requirement(
                    tenant=tenant,
                    required=form.cleaned_data["required"],
                    admin=request.user,
                    code=form.cleaned_data["code"],
                    actor=Actor.for_user(request.user, **request_context(request)),
                )
            except Refusal as refusal:
                if refusal.code == "not_tenant_admin":
                    return _admins_only(request, [tenant])
                if refusal.code == "second_factor_incorrect":
                    # A wrong second factor counts as a failed sign-in, as a wrong password.
                    count_failed_sign_in(request, request.user.email)
                form.add_error("code", refusal.message)
            else:
                messages.success(
                    request,
                    f"Every approval of {tenant.name} now needs the approving admin's second "
                    "factor."
                    if form.cleaned_data["required"]
                    else f"Approvals of {tenant.name} ask a second factor only of admins who "
                    "hold one.",
                )
                return redirect("approval_factor_settings", slug=tenant.slug)
    if form.errors:
        _forget_code(form)
    # Whom requiring a second factor blocks (or blocks now): the admins who hold none.
    _, without = admins_by_second_factor(tenant=tenant)
    context = {
        "tenant": tenant,
        "form": form,
        "has_app": factors.TOTP in factors.kinds_of(request.user),
        "without": _names(without),
        "without_count": len(without),
    }
    return render(
        request,
        "accounts/approval_factor.html",
        context,
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------- time zones


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def time_zone_settings(request):
    """The zone a person reads times in (blank: their browser's), and the zone the emails of
    each account they administer say times in."""
    user = request.user
    administered = list(tenants_administered_by(user=user))
    posted = request.POST.get("which") if request.method == "POST" else None
    browser = TimeZoneMiddleware.browser_zone(request) or "not known yet"
    own = TimeZoneForm(
        request.POST if posted == "" else None,
        prefix="own",
        initial={"time_zone": user.time_zone},
        browser_zone=browser,
    )
    accounts = [
        (
            tenant,
            TimeZoneForm(
                request.POST if posted == tenant.slug else None,
                prefix=f"tenant-{tenant.slug}",
                initial={"time_zone": tenant.time_zone},
                label=f"Emails to the admins of {tenant.name} say times in",
            ),
        )
        for tenant in administered
    ]
    form = own if posted == "" else next((f for t, f in accounts if t.slug == posted), None)
    if form is not None and form.is_valid():
        zone = form.cleaned_data["time_zone"]
        try:
            if form is own:
                set_time_zone(user=user, time_zone=zone)
                said = (
                    f"Times now read in {zone}."
                    if zone
                    else "Times now read in your browser's zone."
                )
            else:
                tenant = next(t for t, f in accounts if f is form)
                set_tenant_time_zone(tenant=tenant, time_zone=zone, admin=user)
                said = f"Emails to the admins of {tenant.name} now say times in {zone}."
        except Refusal as refusal:
            form.add_error("time_zone", refusal.message)
        else:
            messages.success(request, said)
            return redirect("time_zone_settings")
    context = {"own": own, "accounts": accounts, "browser": browser}
    status = 400 if form is not None and form.errors else 200
    return render(request, "accounts/time_zone.html", context, status=status)


# ---------------------------------------------------------------- passkeys


def _json_body(request):
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None


def _json_refusal(code, message, status=400):
    return JsonResponse({"error": {"code": code, "message": message, "details": {}}}, status=status)


@never_cache
@login_required
@require_POST
def passkey_register_begin(request):
    """The options the browser creates a passkey with (the page's script asks for them)."""
    held = factors.kinds_of(request.user)
    if held and not request.user.is_verified():
        return _json_refusal(
            "second_factor_required",
            "You hold a second factor already: sign in with it first, then add a passkey.",
            status=403,
        )
    if refusal := first_factor_needs_link(
        is_staff=request.user.is_staff,
        holds_a_factor=bool(held),
        link_used=_link_used(request),
        required=settings.STAFF_ENROLMENT_BY_LINK,
    ):
        return _json_refusal(refusal.code, refusal.message, status=403)
    return JsonResponse(factors.passkey_creation_options(request, request.user))


@never_cache
@login_required
@require_POST
def passkey_register_complete(request):
    """Keep the passkey the browser created; answers where to go next."""
    try:
        device = add_passkey(
            http_request=request,
            user=request.user,
            data=_json_body(request),
            verified=request.user.is_verified(),
            actor=Actor.for_user(request.user, **request_context(request)),
            link_used=_link_used(request),
        )
    except Refusal as refusal:
        return _json_refusal(refusal.code, refusal.message)
    if not request.user.is_verified():
        # Creating it proved it: this session has passed the new factor.
        otp_login(request, device)
    messages.success(request, "Your passkey is added: use it from now on.")
    return JsonResponse({"next": _next_or_home(request)})


@never_cache
@login_required
@require_POST
def passkey_sign_in_begin(request):
    """The challenge one of the signed-in person's passkeys signs: to finish signing in, or
    to approve on the PIN page."""
    if factors.PASSKEY not in factors.kinds_of(request.user):
        return _json_refusal("no_passkey", "You have no passkey here: use a code instead.")
    return JsonResponse(factors.passkey_request_options(request, request.user))
