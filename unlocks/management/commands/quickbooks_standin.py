"""Serve the QuickBooks stand-in with the demo's company (DEBUG only), and connect the demo
tenant to it: INV-1001 was keyed in by hand the day after its date, INV-1005 went in by
its export with B-0999. `make run-quickbooks` runs it beside the desk."""

from datetime import UTC, datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit.actors import Actor
from books import services, standin
from books.quickbooks import Grant
from unlocks.models import ExportRecord

DEMO_TENANT = "acme-hvac"


def demo_company():
    company = standin.Company(realm_id="9130356273", closing_date="2026-10-31")
    company.add_invoice(
        "INV-1001",
        "410.00",
        "Jones Residence",
        "2026-11-03",
        id=145,
        created=datetime(2026, 11, 4, 15, 12, tzinfo=UTC),
    )
    export = ExportRecord.objects.filter(invoice__number="INV-1005").first()
    if export is not None:
        invoice = export.invoice
        company.add_invoice(
            invoice.number,
            f"{invoice.amount_cents / 100:.2f}",
            invoice.customer,
            invoice.date.isoformat(),
            id=export.external_id,
            created=export.exported_at,
        )
    return company


class Command(BaseCommand):
    help = "Serve a local QuickBooks stand-in with the demo company (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8765)

    def handle(self, *args, port, **options):
        if not settings.DEBUG:
            raise CommandError("The QuickBooks stand-in is for development only (DEBUG=1).")
        tenant = Tenant.objects.filter(slug=DEMO_TENANT).first()
        if tenant is None:
            raise CommandError("No demo data: run `python manage.py seed_demo` first.")
        company = demo_company()
        with standin.serving(company, port=port) as base:
            for name, value in standin.settings_for(base).items():
                setattr(settings, name, value)
            grant = company.grant()
            services.connect(
                tenant=tenant,
                realm_id=company.realm_id,
                tokens=Grant().tokens() | grant,
                actor=Actor.system("quickbooks_standin"),
            )
            self.stdout.write(f"QuickBooks stand-in on {base}; {tenant.name} is connected.")
            self.stdout.write("Serve the desk with these settings (make run-quickbooks does):")
            for name, value in standin.settings_for(base).items():
                self.stdout.write(f"  {name}={value}")
            try:
                import threading

                threading.Event().wait()
            except KeyboardInterrupt:
                self.stdout.write("Stopped.")
