"""Sign-in, sign-out and password reset for tenant users: Django's auth views, our templates.

Every page here answers with `Cache-Control: no-store` (never_cache): they carry
credentials, reset tokens or a signed-in person's name.
"""

from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from accounts.forms import NewPasswordForm, ResetPasswordForm, SignInForm


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
