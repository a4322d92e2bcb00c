"""A person's second factors, kept and checked by the libraries: django-otp for authenticator
apps (TOTP) and single-use recovery codes, django-otp-webauthn for passkeys.

Nothing here keeps a secret or checks a code by itself; it names the factors the way the
pages, the audit and `approved_with` say them, and asks the library's devices.
"""

import base64
import json
import math
import re
from base64 import b32encode
from binascii import unhexlify
from io import BytesIO

import segno
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django_otp.oath import TOTP as TotpClock
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key
from django_otp_webauthn.models import WebAuthnCredential
from webauthn import generate_authentication_options
from webauthn.helpers import (
    base64url_to_bytes,
    decode_credential_public_key,
    decoded_public_key_to_cryptography,
    options_to_json_dict,
)

PASSWORD = "password"  # noqa: S105 (the name of a factor, not one)
TOTP = "totp"
RECOVERY_CODE = "recovery_code"
PASSKEY = "passkey"

FACTOR_IN_WORDS = {
    PASSWORD: "password",
    TOTP: "authenticator app",
    RECOVERY_CODE: "recovery code",
    PASSKEY: "passkey",
}

RECOVERY_CODES = 10
# What an authenticator app shows: six digits, perhaps typed with a space in the middle.
TOTP_CODE = re.compile(r"^\d{6}$")


def normalised(code):
    """A code as typed, without the spaces and dashes people add; '' for anything not text."""
    if not isinstance(code, str):
        return ""
    return re.sub(r"[\s-]", "", code).lower()[:64]


def kinds_of(user):
    """The kinds of second factor `user` holds and may approve or sign in with: "totp",
    "passkey". Recovery codes stand in for a lost factor at sign-in only."""
    if user is None or user.pk is None:
        return set()
    # One query, whatever the kinds.
    held = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(
            totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
            passkey=Exists(WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True)),
        )
        .values("totp", "passkey")
        .first()
    ) or {}
    return {kind for kind in (TOTP, PASSKEY) if held.get(kind)}


def holders(users):
    """The ids of those of `users` who hold a second factor they may approve with (an
    authenticator app or a passkey): one query, however many."""
    return set(
        get_user_model()
        .objects.filter(pk__in=[user.pk for user in users])
        .filter(
            Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
            | Exists(WebAuthnCredential.objects.filter(user=OuterRef("pk"), confirmed=True))
        )
        .values_list("pk", flat=True)
    )


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def passkeys_of(user):
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at"))


# ---------------------------------------------------------------- enrolment


def new_totp_key():
    """A new authenticator secret (hex, as django-otp keeps it), shown once to enrol."""
    return default_key()


def provisioning(user, key_hex):
    """What an authenticator app is given to enrol: the otpauth:// URI, as a QR code (an SVG
    data URI, allowed by the CSP's img-src) and as the secret to type, in groups of four."""
    device = TOTPDevice(user=user, key=key_hex, name="Authenticator app")
    uri = device.config_url
    secret = b32encode(unhexlify(key_hex)).decode()
    out = BytesIO()
    segno.make(uri, error="m").save(out, kind="svg", scale=5, border=2)
    return {
        "uri": uri,
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "qr": "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode(),
    }


def code_fits_key(key_hex, code):
    """Whether `code` is the key's current code (django-otp's TOTP, with its tolerance): the
    proof that an app was set up with the key before the factor is kept."""
    code = normalised(code)
    if not TOTP_CODE.match(code):
        return False
    clock = TotpClock(unhexlify(key_hex))
    return clock.verify(int(code), tolerance=1)


def keep_totp(user, key_hex, code):
    """The confirmed authenticator device of `user` with the key it was enrolled with; the
    code that proved it cannot be used again."""
    clock = TotpClock(unhexlify(key_hex))
    clock.verify(int(normalised(code)), tolerance=1)
    return TOTPDevice.objects.create(
        user=user, key=key_hex, name="Authenticator app", confirmed=True, last_t=clock.t()
    )


def replace_recovery_codes(user):
    """New single-use recovery codes for `user`, replacing any they had; returned once."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=c) for c in codes])
    return codes


def forget_all(user):
    """Remove every second factor of `user`; returns the kinds they had."""
    had = kinds_of(user)
    if StaticDevice.objects.filter(user=user).exists():
        had.add(RECOVERY_CODE)
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    return had


# ---------------------------------------------------------------- checking


def matching_totp(user, code, *, lock=False):
    """The user's authenticator device whose current code `code` is, or None. django-otp
    refuses a code used before and makes each try after a wrong one wait longer
    (OTP_TOTP_THROTTLE_FACTOR); a wrong code counts on the device."""
    code = normalised(code)
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if lock:
        devices = devices.select_for_update(no_key=True)
    for device in devices:
        if TOTP_CODE.match(code) and device.verify_token(code):
            return device
        if not TOTP_CODE.match(code):
            device.throttle_increment(commit=True)
    return None


def totp_wait(user, now, *, lock=False):
    """Seconds until the user's authenticator device takes a code again, or 0: after a wrong
    code django-otp refuses every code, right or wrong, for a while (its throttle), and a
    code sent then is not checked at all."""
    devices = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk")
    if lock:
        devices = devices.select_for_update(no_key=True)
    wait = 0
    for device in devices:
        allowed, why = device.verify_is_allowed()
        until = (why or {}).get("locked_until")
        if not allowed and until is not None:
            wait = max(wait, math.ceil((until - now).total_seconds()))
    return wait


def matching_recovery_code(user, code):
    """The user's recovery-code device, if `code` is one of its codes; the code is used up."""
    code = normalised(code)
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None and code and device.verify_token(code):
        return device
    return None


def wait_before_next_try(user):
    """When the user's factors take a code again after wrong ones (django-otp's throttle),
    or None if they take one now."""
    latest = None
    for model in (TOTPDevice, StaticDevice):
        for device in model.objects.filter(user=user, confirmed=True):
            allowed, why = device.verify_is_allowed()
            if not allowed and why and why.get("locked_until"):
                latest = max(latest, why["locked_until"]) if latest else why["locked_until"]
    return latest


# ---------------------------------------------------------------- passkeys (WebAuthn)

# Where a ceremony's challenge waits in the session between its two requests.
PASSKEY_REGISTRATION = "passkey_registration_state"
PASSKEY_ASSERTION = "passkey_assertion_state"


def _passkey_helper(http_request):
    # django-otp-webauthn's wrapper of py_webauthn, with the relying party of the settings.
    return WebAuthnCredential.get_webauthn_helper(request=http_request)


def passkey_creation_options(http_request, user):
    """The options a browser creates a passkey with; their challenge waits in the session."""
    options, state = _passkey_helper(http_request).register_begin(user=user)
    http_request.session[PASSKEY_REGISTRATION] = state
    return options


def passkey_request_options(http_request, user, *, challenge: bytes | None = None):
    """The options a browser signs with one of `user`'s passkeys; the challenge waits in the
    session for the one answer it may get. `challenge`: what is to be signed (an approval's
    consent statement, hashed) instead of random bytes."""
    helper = _passkey_helper(http_request)
    if challenge is None:
        options, state = helper.authenticate_begin(user=user, require_user_verification=False)
    else:
        # authenticate_begin, with the challenge given: the helper's own steps.
        kwargs = helper.get_generate_authentication_options_kwargs(
            user=user, require_user_verification=False
        )
        kwargs["challenge"] = challenge
        options = options_to_json_dict(generate_authentication_options(**kwargs))
        options["extensions"] = helper.get_authentication_extensions()
        state = helper.get_authentication_state(options)
    http_request.session[PASSKEY_ASSERTION] = state
    return options


def keep_passkey(http_request, user, data):
    """The passkey the browser created, checked against its challenge (used up either way);
    None if it does not verify."""
    state = http_request.session.pop(PASSKEY_REGISTRATION, None)
    http_request.session.save()
    if not state or not isinstance(data, dict):
        return None
    try:
        device = _passkey_helper(http_request).register_complete(user=user, state=state, data=data)
    except Exception:  # any malformed or unverifiable answer is a refusal
        return None
    device.name = "Passkey"
    device.save(update_fields=["name"])
    return device


def matching_passkey(http_request, user, data):
    """The passkey of `user` that signed this session's challenge (used up either way), or
    None. django-otp-webauthn checks the signature, the origin and the sign count."""
    state = http_request.session.pop(PASSKEY_ASSERTION, None)
    http_request.session.save()
    if not state or not isinstance(data, dict):
        return None
    try:
        device = _passkey_helper(http_request).authenticate_complete(
            user=user, state=state, data=data
        )
    except Exception:  # any malformed or unverifiable answer is a refusal
        return None
    return device if device.confirmed and device.user_id == user.pk else None


def signed_assertion(http_request, device, data) -> dict:
    """What a passkey's verified answer proves to anyone, kept with the approval it signed:
    the credential's public key (DER SubjectPublicKeyInfo, base64), and the assertion as the
    authenticator signed it (base64url), with the site it was made for."""
    response = data["response"]
    client_data = json.loads(base64url_to_bytes(response["clientDataJSON"]))
    public_key = decoded_public_key_to_cryptography(decode_credential_public_key(device.public_key))
    der = public_key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return {
        "credential_id": data.get("rawId") or data.get("id"),
        "public_key": base64.b64encode(der).decode(),
        "client_data_json": response["clientDataJSON"],
        "authenticator_data": response["authenticatorData"],
        "signature": response["signature"],
        "origin": client_data.get("origin"),
        "rp_id": _passkey_helper(http_request).get_relying_party_domain(),
    }
