"""Forms of the tenant users' sign-in pages: Django's, with our labels and autocomplete hints."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm

from accounts.pins import NEW_PIN_LENGTH_IN_WORDS
from core import times


class SignInForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email and password do not match an account. Check both and try again, "
            "or reset your password."
        ),
        "inactive": "This account is switched off. Ask your account's admin to turn it on.",
    }

    def __init__(self, request=None, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget = forms.EmailInput(
            attrs={"autocomplete": "email", "autofocus": True, "maxlength": 254}
        )
        self.fields["password"].widget.attrs["autocomplete"] = "current-password"


class ResetPasswordForm(PasswordResetForm):
    email = forms.EmailField(
        label="Email",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class NewPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


def _secret(label, autocomplete, help_text="", max_length=None, **attrs):
    # render_value=False: a password or PIN is never written back into the page.
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=max_length,
        strip=False,
        widget=forms.PasswordInput(
            render_value=False, attrs={"autocomplete": autocomplete, **attrs}
        ),
    )


class PinForm(forms.Form):
    """The settings page's form: it only carries input. The PIN rules are the service's."""

    password = _secret(
        "Your password",
        "current-password",
        "The one you sign in with: being signed in is not enough to change the PIN.",
    )
    # Longer than any PIN, so that the service, not the form, says what a PIN must be.
    new_pin = _secret(
        "New account PIN",
        "new-password",
        f"{NEW_PIN_LENGTH_IN_WORDS}, as the rules above say. It is never shown again, here or "
        "anywhere.",
        max_length=64,
        inputmode="numeric",
    )
    new_pin_again = _secret("The new PIN again", "new-password", max_length=64, inputmode="numeric")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = "Enter your password."
        self.fields["new_pin"].error_messages["required"] = "Enter the new PIN."
        self.fields["new_pin_again"].error_messages["required"] = "Enter the new PIN again."

    def clean(self):
        data = super().clean()
        pin, again = data.get("new_pin"), data.get("new_pin_again")
        if pin and again and pin != again:
            self.add_error("new_pin_again", "The two PINs differ. Type the same PIN twice.")
        return data


def _code_field(label, help_text):
    # A one-time code is never written back into the page either.
    return forms.CharField(
        label=label,
        help_text=help_text,
        max_length=64,
        strip=True,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "autocapitalize": "off",
            }
        ),
    )


class SecondFactorForm(forms.Form):
    """A code at sign-in: the authenticator app's, or a recovery code; or, posted by the
    page's script, a passkey's answer."""

    code = _code_field(
        "Code",
        "The 6-digit code your authenticator app shows for Unlock desk, or one of your "
        "recovery codes (each works once).",
    )
    passkey = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20000)

    def __init__(self, *args, passkey=False, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = "Enter the code."
        # With a passkey's answer no code is typed.
        self.fields["code"].required = not passkey


class AuthenticatorSetupForm(forms.Form):
    code = _code_field(
        "The code your app shows now",
        "6 digits. It changes every 30 seconds; type the one shown when you press the button.",
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["code"].error_messages["required"] = "Enter the 6-digit code from your app."


class ApprovalFactorForm(forms.Form):
    """A tenant's setting "require a second factor for every approval", with the admin's
    password and their own second factor."""

    required = forms.BooleanField(
        required=False,
        label="Require a second factor for every approval of this account",
    )
    password = _secret("Your password", "current-password")
    code = _code_field(
        "Code from your authenticator app", "The 6-digit code your app shows for Unlock desk now."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["password"].error_messages["required"] = "Enter your password."
        self.fields["code"].error_messages["required"] = "Enter the code from your app."


class TimeZoneForm(forms.Form):
    """A zone to read times in: a person's own (blank: their browser's), or the zone a
    tenant's emails say times in."""

    time_zone = forms.ChoiceField(label="Time zone", required=False)

    def __init__(self, *args, browser_zone=None, label=None, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        if browser_zone is None:
            field.required = True
            field.choices = [("UTC", "UTC"), *times.zone_choices()]
        else:
            field.choices = [("", f"Your browser's ({browser_zone})"), *times.zone_choices()]
        if label:
            field.label = label
