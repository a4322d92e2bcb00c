"""Connect a tenant's QuickBooks Online company from a refresh token (onboarding), as an
admin's consent in Settings, QuickBooks would: audited, tokens sealed."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit.actors import Actor
from books import lookup, quickbooks, services
from books.interface import BooksUnavailable


class Command(BaseCommand):
    help = "Connect TENANT's QuickBooks Online company with a refresh token."

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="The tenant's slug.")
        parser.add_argument("--realm-id", required=True, help="QuickBooks' company id.")
        parser.add_argument(
            "--refresh-token", required=True, help="A refresh token Intuit granted for it."
        )

    def handle(self, *args, tenant, realm_id, refresh_token, **options):
        if not lookup.configured():
            raise CommandError(lookup.NOT_SET_UP)
        found = Tenant.objects.filter(slug=tenant).first()
        if found is None:
            raise CommandError(f"There is no tenant with the slug {tenant!r}.")
        try:
            tokens = quickbooks.refreshed(refresh_token)
        except BooksUnavailable as failure:
            raise CommandError(f"QuickBooks refused the refresh token: {failure.reason}") from None
        services.connect(
            tenant=found,
            realm_id=realm_id,
            tokens=tokens,
            actor=Actor.system("connect_quickbooks"),
        )
        self.stdout.write(f"Connected {found.name} to QuickBooks company {realm_id}.")
