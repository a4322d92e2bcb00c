import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from accounts.pins import NEW_PIN_RULES_IN_WORDS, new_pin_refusal
from accounts.services import set_pin
from audit.actors import Actor
from core.refusals import Refusal


class Command(BaseCommand):
    help = (
        "Set a tenant's account PIN when onboarding it (prompted twice, never echoed). "
        "A new PIN is " + " ".join(NEW_PIN_RULES_IN_WORDS) + " The tenant's admins are "
        "emailed, and can set the PIN themselves, signed in, at /settings/pin/: support "
        "then no longer knows it."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug, for example acme-hvac.")

    def handle(self, *args, tenant, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"There is no tenant {tenant!r}. Check the slug and try again.")
        pin = getpass.getpass(f"New account PIN for {tenant_obj.slug}: ")
        # Asked before the second prompt, so a refused PIN is not typed twice; the
        # service asks the same rules again.
        if refusal := new_pin_refusal(pin):
            raise CommandError(f"{refusal.message} Nothing was changed; run the command again.")
        if getpass.getpass("Type it again: ") != pin:
            raise CommandError("The two PINs differ. Nothing was changed; run the command again.")
        try:
            set_pin(tenant=tenant_obj, pin=pin, actor=Actor.system("set_pin command"))
        except Refusal as refusal:
            raise CommandError(f"{refusal.message} Nothing was changed.") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"The account PIN of {tenant_obj.slug} is set, and its admins were told by "
                "email. Its admins can change it themselves, signed in, at /settings/pin/."
            )
        )
