from django.core.management.base import BaseCommand, CommandError

from accounts.models import Tenant
from audit.selectors import verify_chain


class Command(BaseCommand):
    help = "Verify audit hash chains; name the first entry that does not fit (exit 1)."

    def add_arguments(self, parser):
        parser.add_argument("--tenant", help="Only this tenant's chain (its slug).")

    def handle(self, *args, tenant=None, **options):
        tenants = Tenant.objects.order_by("slug")
        if tenant:
            tenants = tenants.filter(slug=tenant)
            if not tenants.exists():
                raise CommandError(f"There is no tenant {tenant!r}. Check the slug.")
        broken = 0
        for tenant_obj in tenants:
            report = verify_chain(tenant=tenant_obj)
            if report.ok:
                self.stdout.write(f"{report.tenant}: ok, {report.entries} entries")
            else:
                broken += 1
                self.stderr.write(
                    f"{report.tenant}: BROKEN at entry #{report.first_bad_seq} "
                    f"(checked {report.entries} entries). Entry #{report.first_bad_seq} was "
                    "changed, removed or inserted after it was written."
                )
        if broken:
            raise SystemExit(1)
