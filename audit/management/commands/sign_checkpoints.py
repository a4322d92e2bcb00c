from django.core.management.base import BaseCommand, CommandError

from audit.checkpoints import NoSigningKey, sign_checkpoints


class Command(BaseCommand):
    help = "Sign a checkpoint of every tenant's audit chain that moved since its last one."

    def handle(self, *args, **options):
        try:
            signed = sign_checkpoints()
        except NoSigningKey as error:
            raise CommandError(
                "No checkpoint signing key: set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE "
                "(`manage.py make_signing_key` makes one)."
            ) from error
        self.stdout.write(f"Signed {signed} checkpoint(s).")
