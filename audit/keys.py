"""The keys that sign the audit checkpoints: never in the database.

The signing key comes from the environment (AUDIT_SIGNING_KEY, the base64 of a raw
32-byte Ed25519 private key) or a PEM file (AUDIT_SIGNING_KEY_FILE); `make run` makes a
development one on first start (`manage.py make_signing_key`). Rotation: a new key signs
from its AUDIT_SIGNING_KEY_SINCE on; the keys it replaced are listed, public halves only,
with the dates each signed, in AUDIT_RETIRED_KEYS_FILE, so their checkpoints still
verify. All of them are served as the keys document, /.well-known/unlock-desk-keys.json.
"""

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from audit.note import ED25519, key_id

KEYS_FORMAT = "unlock-desk-keys/1"


@dataclass(frozen=True)
class PublicKey:
    name: str
    public_key: bytes
    valid_from: str
    valid_until: str | None

    @property
    def key_id(self) -> str:
        """Hex of the 4-byte note key ID: what a checkpoint and a bundle name it by."""
        return key_id(self.name, self.public_key).hex()

    def as_document(self) -> dict:
        encoded = base64.b64encode(self.public_key).decode()
        typed = base64.b64encode(ED25519 + self.public_key).decode()
        return {
            "key_id": self.key_id,
            "name": self.name,
            "algorithm": "Ed25519",
            "public_key": encoded,
            # The verifier-key string Go's golang.org/x/mod/sumdb/note reads.
            "vkey": f"{self.name}+{self.key_id}+{typed}",
            "status": "retired" if self.valid_until else "current",
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
        }


def signer_name() -> str:
    """The key name in every signature line (signed-note: a schema-less URL)."""
    return settings.AUDIT_SIGNER_NAME


def signing_key() -> Ed25519PrivateKey | None:
    """The key that signs from now on, or None when none is configured."""
    return _load_signing_key(settings.AUDIT_SIGNING_KEY, str(settings.AUDIT_SIGNING_KEY_FILE or ""))


def current_public_key() -> PublicKey | None:
    key = signing_key()
    if key is None:
        return None
    since = settings.AUDIT_SIGNING_KEY_SINCE or _file_date(settings.AUDIT_SIGNING_KEY_FILE)
    return PublicKey(signer_name(), key.public_key().public_bytes_raw(), since, None)


def public_keys() -> list[PublicKey]:
    """Every key whose checkpoints verify: the current one first, then the retired."""
    current = current_public_key()
    retired = _load_retired(str(settings.AUDIT_RETIRED_KEYS_FILE or ""), signer_name())
    return ([current] if current else []) + list(retired)


def public_key_by_id(kid: str) -> PublicKey | None:
    return next((k for k in public_keys() if k.key_id == kid), None)


def keys_document() -> dict:
    return {
        "format": KEYS_FORMAT,
        "signer": signer_name(),
        "checkpoints": "c2sp.org/tlog-checkpoint signed notes (c2sp.org/signed-note, Ed25519)",
        "keys": [k.as_document() for k in public_keys()],
    }


def new_key_pem() -> bytes:
    """A new Ed25519 private key as an unencrypted PKCS#8 PEM (kept as a file, mode 0600)."""
    return Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@cache
def _load_signing_key(raw: str, path: str) -> Ed25519PrivateKey | None:
    if raw:
        try:
            return Ed25519PrivateKey.from_private_bytes(base64.b64decode(raw, validate=True))
        except ValueError as error:
            raise ImproperlyConfigured(
                "AUDIT_SIGNING_KEY is not the base64 of a 32-byte Ed25519 private key."
            ) from error
    if not path or not Path(path).exists():
        return None
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{path} does not hold an Ed25519 private key.")
    return key


@cache
def _load_retired(path: str, name: str) -> tuple[PublicKey, ...]:
    if not path:
        return ()
    try:
        listed = json.loads(Path(path).read_text())
        return tuple(
            PublicKey(
                item.get("name", name),
                base64.b64decode(item["public_key"], validate=True),
                item["valid_from"],
                item["valid_until"],
            )
            for item in listed["keys"]
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ImproperlyConfigured(
            f"AUDIT_RETIRED_KEYS_FILE ({path}) is not a keys document: {error}"
        ) from error


def _file_date(path) -> str:
    if path and Path(path).exists():
        mtime = Path(path).stat().st_mtime
        return datetime.fromtimestamp(mtime, UTC).isoformat(timespec="seconds")
    return ""
