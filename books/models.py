"""A tenant's connection to its books: which company, and the grant's tokens, encrypted."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.db import models


def _fernet():
    key = settings.QUICKBOOKS_TOKEN_KEY
    if not key:
        # Development only (production refuses to start without the key): derived from
        # SECRET_KEY, so `make run` needs no set-up.
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
    return Fernet(key)


def seal(text):
    return _fernet().encrypt(text.encode()).decode() if text else ""


def unseal(sealed):
    if not sealed:
        return ""
    try:
        return _fernet().decrypt(sealed.encode()).decode()
    except InvalidToken:
        # Sealed with another key (rotated without re-sealing): the grant is lost and the
        # connection reads as needing a reconnect.
        return ""


class Connection(models.Model):
    """One tenant's QuickBooks Online company and the grant to read it."""

    tenant = models.OneToOneField(
        "accounts.Tenant", on_delete=models.CASCADE, related_name="books_connection"
    )
    realm_id = models.CharField(max_length=40, help_text="QuickBooks' company id.")
    access_token_sealed = models.TextField(blank=True)
    refresh_token_sealed = models.TextField(blank=True)
    access_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_expires_at = models.DateTimeField(null=True, blank=True)
    connected_by = models.CharField(max_length=254)
    connected_at = models.DateTimeField()
    # The last failure to ask, in words, and when; cleared by the next answer.
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    needs_reconnect = models.BooleanField(default=False)

    def __str__(self):
        return f"QuickBooks company {self.realm_id}"

    @property
    def access_token(self):
        return unseal(self.access_token_sealed)

    @property
    def refresh_token(self):
        return unseal(self.refresh_token_sealed)

    def keep(self, tokens):
        """Seal and set the tokens a refresh or a code exchange gave (not saved)."""
        self.access_token_sealed = seal(tokens["access_token"])
        self.refresh_token_sealed = seal(tokens["refresh_token"])
        self.access_expires_at = tokens["access_expires_at"]
        self.refresh_expires_at = tokens["refresh_expires_at"]
