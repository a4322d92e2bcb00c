import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.keys import new_key_pem


class Command(BaseCommand):
    help = (
        "Write a new Ed25519 checkpoint signing key (PEM, mode 0600) to AUDIT_SIGNING_KEY_FILE "
        "or --file, unless one is there. Rotating: write it elsewhere, list the old key's "
        "public half in AUDIT_RETIRED_KEYS_FILE, then point AUDIT_SIGNING_KEY_FILE at it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--file", help="Where to write it (default AUDIT_SIGNING_KEY_FILE).")

    def handle(self, *args, file=None, **options):
        path = Path(file or settings.AUDIT_SIGNING_KEY_FILE or "")
        if not str(path) or str(path) == ".":
            raise CommandError("Say where: --file PATH, or set AUDIT_SIGNING_KEY_FILE.")
        if path.exists():
            self.stdout.write(f"{path} exists: kept.")
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(new_key_pem())
        self.stdout.write(f"Wrote a new checkpoint signing key to {path}.")
