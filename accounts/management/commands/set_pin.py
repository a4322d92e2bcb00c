import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from accounts.pins import InvalidPin, validate_pin
from accounts.services import set_pin
from audit.actors import Actor


class Command(BaseCommand):
    help = "Set a tenant's account PIN (prompted twice, never echoed; 4 to 10 digits)."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug, for example acme-hvac.")

    def handle(self, *args, tenant, **options):
        tenant_obj = Tenant.objects.filter(slug=tenant).first()
        if tenant_obj is None:
            raise CommandError(f"There is no tenant {tenant!r}. Check the slug and try again.")
        pin = getpass.getpass(f"New account PIN for {tenant_obj.slug}: ")
        try:
            validate_pin(pin)
        except InvalidPin as exc:
            raise CommandError(f"{exc} Nothing was changed; run the command again.") from None
        if getpass.getpass("Type it again: ") != pin:
            raise CommandError("The two PINs differ. Nothing was changed; run the command again.")
        set_pin(tenant=tenant_obj, pin=pin, actor=Actor.system("set_pin command"))
        self.stdout.write(self.style.SUCCESS(f"The account PIN of {tenant_obj.slug} is set."))
