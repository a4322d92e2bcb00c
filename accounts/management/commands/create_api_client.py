from django.core.management.base import BaseCommand, CommandError

from accounts.models import ApiClient
from accounts.services import create_api_client


class Command(BaseCommand):
    help = "Create a named API client for helpdesk tooling and print its key once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="A name for the integration, for example zendesk-prod.")

    def handle(self, *args, name, **options):
        if ApiClient.objects.filter(name=name).exists():
            raise CommandError(f"An API client named {name!r} exists already; pick another name.")
        client, key = create_api_client(name=name)
        self.stdout.write(f"API client {client.name} created. Its key, shown only this once:")
        self.stdout.write(key)
