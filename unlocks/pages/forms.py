"""The PIN page's form: it only carries input; every guard is in `unlocks.services`."""

from decimal import Decimal

from django import forms

from core import words
from unlocks import inputs

# In the app folder: the form renderer reads app templates, not the project templates/.
CHECKBOX = "unlocks/checkbox_field.html"


class ApprovalForm(forms.Form):
    pin = forms.CharField(
        label="Account PIN",
        max_length=inputs.PIN,
        help_text="Enter it each time you submit: this page never keeps it.",
        # render_value=False: a PIN is never written back into the page.
        widget=forms.PasswordInput(
            render_value=False,
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"},
        ),
        error_messages={
            "required": "Enter the account PIN.",
            "max_length": f"A PIN is at most {inputs.PIN} digits.",
        },
    )
    consent_accepted = forms.BooleanField(
        required=False,
        label="I have read the consent text above and I accept it.",
        template_name=CHECKBOX,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )
    # Always read, shown only where a target carries the risk: a risk can arise after
    # the request was opened, and the service then asks for it.
    duplicate_risk_acknowledged = forms.BooleanField(
        required=False,
        label=(
            "I understand that exporting these records again can duplicate entries in "
            "QuickBooks, and I still want them unlocked."
        ),
        template_name=CHECKBOX,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )
    # Shown where a target is found in the customer's QuickBooks; its label names them.
    found_in_quickbooks_acknowledged = forms.BooleanField(
        required=False,
        label="I understand these records are in QuickBooks already.",
        template_name=CHECKBOX,
        widget=forms.CheckboxInput(attrs={"required": True}),
    )
    # Asked after the PIN and consent where the tenant requires a second factor or the
    # approver holds one (templates/unlocks/_second_factor.html); the service decides.
    admin_code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=inputs.ADMIN_CODE,
        help_text="The 6 digits your app shows for Unlock desk now.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )
    # A passkey's answer, put here by the page's script when the admin uses their passkey.
    passkey = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)
    # The version of the consent text the page showed. A stale, missing or mangled one
    # goes to the service as it is, which refuses it and the page shows the current text.
    consent_version = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)
    # How long approving unlocks for: the request's window, or shorter; the service decides.
    window_hours = forms.IntegerField(
        required=False,
        label="Unlock for (hours)",
        help_text="You may shorten it; a longer unlock needs a new request.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)

    def clean_consent_version(self):
        try:
            return int(self.cleaned_data["consent_version"])
        except ValueError:
            return None


class RecordLookupForm(forms.Form):
    """What "was this exported?" asks: a record's number, in one of the person's accounts or all."""

    number = forms.CharField(
        label="Record number",
        max_length=inputs.RECORD_NUMBER,
        help_text="A batch, an invoice or a payment, as it is written: B-1001, INV-42, PAY-7.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        error_messages={
            "required": "Type the number of a batch, an invoice or a payment.",
            "max_length": f"A record number is at most {inputs.RECORD_NUMBER} characters.",
        },
    )
    tenant = forms.ChoiceField(label="Account", required=False)

    def __init__(self, *args, tenants, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)
        self.fields["tenant"].choices = [("", "All your accounts")] + [
            (t.slug, t.name) for t in tenants
        ]
        self.tenants = {t.slug: t for t in tenants}

    @property
    def several_tenants(self):
        return len(self.tenants) > 1

    def clean_number(self):
        # Numbers are written in capitals; a number typed in lower case finds them too.
        return self.cleaned_data["number"].strip()

    def clean_tenant(self):
        return self.tenants.get(self.cleaned_data["tenant"])


class RelockForm(forms.Form):
    reason = forms.CharField(
        label="Why re-lock now",
        max_length=inputs.REASON,
        help_text=words.RELOCK_REASON_READERS,
        error_messages={"required": "Say why the unlock should end now."},
    )


class _Proof(forms.Form):
    """What an admin proves a policy change with: their password, and their second
    factor where they hold one (the service decides which it needs)."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "Type the password you sign in with."},
    )
    admin_code = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=inputs.ADMIN_CODE,
        help_text="If you hold an authenticator app: the 6 digits it shows now.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )
    passkey = forms.CharField(required=False, max_length=20000, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, label_suffix="", **kwargs)


class PolicyForm(_Proof):
    """A tenant's two-approver policy as its admin sets it."""

    two_from = forms.DecimalField(
        label="Unlocks of this amount or more need two admins",
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text="In the account's currency, for example 1000.00. Leave it empty for no amount.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"}),
        error_messages={
            "invalid": "Type an amount such as 1000.00.",
            "min_value": "The amount is more than zero.",
            "max_decimal_places": "An amount has at most two decimals (cents).",
        },
    )
    bypassed_batches = forms.BooleanField(
        required=False,
        label="Every unlock of a bypassed batch needs two admins, whatever its amount",
        template_name=CHECKBOX,
    )
    field_order = ["two_from", "bypassed_batches", "password", "admin_code", "passkey"]


class PolicyChangeForm(_Proof):
    """A second admin's approval of a waiting change (or either admin's withdrawal)."""

    change = forms.IntegerField(widget=forms.HiddenInput)
    # Withdrawing needs no password: it keeps the policy as strict as it is.
    password = forms.CharField(
        label="Your password",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class CancelForm(forms.Form):
    """An admin cancels a request that waits for its second approval."""

    reason = forms.CharField(
        label="Why cancel it",
        max_length=inputs.REASON,
        error_messages={"required": "Say why the request should be cancelled."},
    )
