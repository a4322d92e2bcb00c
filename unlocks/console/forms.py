"""Forms of the support console: they only translate input for the service functions."""

from django import forms
from django.conf import settings

from core import words
from unlocks import inputs
from unlocks.models import Channel


class OpenRequestForm(forms.Form):
    tenant = forms.ChoiceField(label="Tenant")
    targets = forms.MultipleChoiceField(
        label="Records to unlock",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    more_numbers = forms.CharField(
        label="Other record numbers",
        required=False,
        help_text="Separated by commas or spaces, for example INV-42, PAY-7.",
    )
    caller_name = forms.CharField(label="Caller's name", max_length=inputs.CALLER_NAME)
    caller_email = forms.EmailField(label="Caller's email", max_length=inputs.CALLER_EMAIL)
    channel = forms.ChoiceField(label="Channel", choices=Channel.choices, initial=Channel.PHONE)
    reason = forms.CharField(
        label="Reason", max_length=inputs.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )
    ticket = forms.CharField(label="Helpdesk ticket", max_length=inputs.TICKET, required=False)
    window_hours = forms.IntegerField(
        label="Unlock for (hours)",
        required=False,
        initial=settings.UNLOCK_WINDOW_HOURS,
        help_text="From the approval, 1 to 336; the approver may shorten it.",
        widget=forms.NumberInput(attrs={"size": 4}),
    )

    def __init__(self, *args, tenants, target_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tenant"].choices = [("", "Choose the tenant")] + [
            (t.slug, f"{t.name} ({t.slug})") for t in tenants
        ]
        self.fields["targets"].choices = target_choices

    def clean_more_numbers(self):
        text = self.cleaned_data["more_numbers"].replace(",", " ")
        numbers = [n for n in text.split() if n]
        # Each number is looked up before the service judges the list: stop a huge one here.
        limit = inputs.max_targets()
        if len(numbers) > limit:
            raise forms.ValidationError(
                f"That is {len(numbers)} numbers; one request unlocks at most {limit} records. "
                "Split them into several requests."
            )
        return numbers

    def clean(self):
        data = super().clean()
        if not data.get("targets") and not data.get("more_numbers"):
            raise forms.ValidationError("Name at least one record to unlock.")
        return data


class VerifyForm(forms.Form):
    admin_email = forms.ChoiceField(label="Tenant admin on the phone")
    pin = forms.CharField(
        label="Account PIN they give",
        max_length=inputs.PIN,
        strip=True,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    consent_version = forms.IntegerField(widget=forms.HiddenInput)
    consent_accepted = forms.BooleanField(
        label="I read the consent text above in full and the admin accepted it.",
        required=False,
    )
    duplicate_risk_acknowledged = forms.BooleanField(
        label="The admin acknowledges the duplicate risk.", required=False
    )
    found_in_quickbooks_acknowledged = forms.BooleanField(
        label="The admin acknowledges that these records are in their QuickBooks already.",
        required=False,
    )
    window_hours = forms.IntegerField(
        label="Unlock for (hours)",
        required=False,
        help_text="The request's window, or shorter if the admin asks.",
        widget=forms.NumberInput(attrs={"size": 4}),
    )
    admin_code = forms.CharField(
        label="Authenticator code",
        required=False,
        max_length=inputs.ADMIN_CODE,
        strip=True,
        help_text="Where the admin has an authenticator app (or the account requires a second "
        "factor): the 6-digit code they read from it now. A passkey cannot be read out: ask "
        "the admin to approve on the PIN page (the approval link) instead.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "inputmode": "numeric", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, admins, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["admin_email"].choices = [("", "Choose the admin")] + [
            (u.email, f"{u.get_full_name()} <{u.email}>" if u.full_name else u.email)
            for u in admins
        ]


class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why cancel",
        max_length=inputs.REASON,
        widget=forms.TextInput(attrs={"size": 50}),
    )


class RelockForm(forms.Form):
    reason = forms.CharField(
        label="Why re-lock now",
        max_length=inputs.REASON,
        help_text=words.RELOCK_REASON_READERS,
        widget=forms.TextInput(attrs={"size": 50}),
    )
