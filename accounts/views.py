"""Sign-in, sign-out and password reset for tenant users (Django's auth views, our
templates), and the account PIN's settings page for a tenant's admins.

Every page here answers with `Cache-Control: no-store` (never_cache): they carry
credentials, reset tokens or a signed-in person's name. The PIN page changes the PIN only
through `accounts.services.set_pin`; the password and the PIN never reach a log
(sensitive POST parameters), a URL (POST only) or a re-rendered form (PasswordInput).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import TemplateView

from accounts.forms import NewPasswordForm, PinForm, ResetPasswordForm, SignInForm
from accounts.models import Role, Tenant
from accounts.pins import NEW_PIN_RULES_IN_WORDS, InvalidPin
from accounts.selectors import admins_of_tenants, membership_of, memberships_of_user
from accounts.services import NotTenantAdmin, set_pin
from audit.actors import Actor, request_context


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
            except InvalidPin as refusal:
                form.add_error("new_pin", refusal.message)
            except NotTenantAdmin:
                # Demoted between reading the page and sending it.
                return _admins_only(request, [tenant])
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
